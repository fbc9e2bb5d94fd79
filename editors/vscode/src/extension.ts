// VS Code glue: starts mantile-lsp with vscode-languageclient, shows its state in the status bar
// and contributes the Mantile commands. The logic worth testing lives in the pure modules.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  LogMessageNotification,
  type LogMessageParams,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { parseReport, reportLines, summaryLine } from './checkReport';
import { type ChannelLevel, channelHides, levelOfMessageType, methodForLevel, passes, routeClientLine, serverLevelForChannel } from './logLevels';
import { CONFIG_DIR, configPathFor, documentSelector, validModelId } from './patterns';
import { type Resolved, resolveServer } from './serverPath';
import {
  type LogLevel,
  type MantileSettings,
  hubMode,
  invalidRules,
  readSettings,
  ruleArgs,
  sanitizeConfiguration,
  serverEnv,
  serverSection,
} from './settings';
import { type HubMode, type ServerState, statusView } from './status';

let client: LanguageClient | undefined;
/** The Mantile output: a LogOutputChannel, each line at its level (see logLevels.ts). */
let output: vscode.LogOutputChannel;
let trace: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
/** The Hub mode the server last reported (`mantile/hubStatus`), if any. */
let serverHub: HubMode | undefined;
let extensionPath = '';
let serverState: ServerState = 'stopped';
let stateDetail: string | undefined;

/** The settings; the machine-only ones (server.path, hub.endpoint, hub.home) from the user's own
 * settings through inspect(), never from a workspace (see settings.ts). */
function settings(): MantileSettings {
  const cfg = vscode.workspace.getConfiguration('mantile');
  return readSettings(
    (k) => cfg.get(k),
    (k) => cfg.inspect(k),
  );
}

/** The level the server logs at: the setting, else what the output channel shows. */
function logLevel(s: MantileSettings = settings()): LogLevel {
  return s.logLevel ?? serverLevelForChannel(output.logLevel as number as ChannelLevel);
}

/** The `mantile` section the server gets, whichever way it asks. */
function section(s: MantileSettings = settings()) {
  return serverSection(s, logLevel(s));
}

function log(level: LogLevel, message: string): void {
  if (!passes(level, logLevel())) return;
  output[methodForLevel(level)](message);
}

/** What vscode-languageclient writes to its output channel (its own `[Error - time] …` lines),
 * written to the Mantile LogOutputChannel at the level of each line. */
function clientChannel(): vscode.OutputChannel {
  const write = (text: string) => {
    for (const line of text.split(/\r?\n/)) {
      if (!line) continue;
      const { method, message } = routeClientLine(line);
      output[method](message);
    }
  };
  return {
    name: output.name,
    append: write,
    appendLine: write,
    replace: write,
    clear: () => output.clear(),
    show: (a?: unknown, b?: boolean) => output.show(typeof a === 'boolean' ? a : b),
    hide: () => output.hide(),
    dispose: () => {},
  } as vscode.OutputChannel;
}

/** Says once per change when `mantile.logLevel` asks for messages the channel's level hides. */
let hiddenNoted = '';
function noteHiddenLevel(): void {
  const s = settings();
  const key = `${s.logLevel}:${output.logLevel}`;
  if (!s.logLevel || !channelHides(s.logLevel, output.logLevel as number as ChannelLevel) || hiddenNoted === key) return;
  hiddenNoted = key;
  output.appendLine(
    `mantile.logLevel is "${s.logLevel}", but the Mantile output shows only ${vscode.LogLevel[output.logLevel]} and above: ` +
      'run "Developer: Set Log Level…", pick Mantile and choose Debug to see every message.',
  );
}

/** Tells the running server its settings changed (it pulls them, or reads this payload). */
function pushSettings(): void {
  const c = client;
  if (!c || c.state !== State.Running) return;
  void c.sendNotification(DidChangeConfigurationNotification.type, { settings: { mantile: section() } }).catch((e) =>
    log('warning', `sending settings to the server: ${String(e)}`),
  );
}

/** The workspace folder that looks like a Mantile workspace, else the first one. */
function workspaceRoot(): string | undefined {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  const mantile = folders.find(
    (f) => fs.existsSync(path.join(f.uri.fsPath, CONFIG_DIR)) || fs.existsSync(path.join(f.uri.fsPath, 'tests')),
  );
  return (mantile ?? folders[0])?.uri.fsPath;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findServer(s: MantileSettings): Resolved | { error: string } {
  const r = resolveServer(
    {
      setting: s.serverPath,
      extensionPath,
      envPath: process.env.PATH,
      pathExt: process.env.PATHEXT,
      platform: process.platform,
      home: process.env.HOME ?? process.env.USERPROFILE,
    },
    { isFile },
  );
  if ('error' in r) return r;
  if (r.source === 'bundled' && process.platform !== 'win32') {
    // A .vsix may not keep the executable bit.
    try {
      fs.accessSync(r.command, fs.constants.X_OK);
    } catch {
      try {
        fs.chmodSync(r.command, 0o755);
      } catch (e) {
        log('warning', `cannot make ${r.command} executable: ${String(e)}`);
      }
    }
  }
  return r;
}

function setState(state: ServerState, detail?: string): void {
  serverState = state;
  stateDetail = detail;
  refreshStatus();
}

function refreshStatus(): void {
  const view = statusView(serverState, serverHub ?? hubMode(settings(), process.env), stateDetail);
  statusItem.text = view.text;
  statusItem.tooltip = view.tooltip;
  statusItem.backgroundColor = view.isError ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  statusItem.show();
}

async function showMissingServer(message: string): Promise<void> {
  log('error', message);
  const choice = await vscode.window.showErrorMessage(`Mantile: ${message}`, 'Open Settings', 'Show Output');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'mantile.server.path');
  } else if (choice === 'Show Output') {
    output.show(true);
  }
}

async function startClient(): Promise<void> {
  const s = settings();
  const bad = invalidRules(vscode.workspace.getConfiguration('mantile').get('rules'));
  if (bad.length) log('warning', `mantile.rules: ignoring ${bad.join(', ')} (expected CODE or name → error|warning|info|hint|off)`);
  const server = findServer(s);
  if ('error' in server) {
    setState('error', 'server binary not found');
    void showMissingServer(server.error);
    return;
  }
  setState('starting');
  const root = workspaceRoot();
  log('info', `starting ${server.command} serve (${server.source})${root ? ` in ${root}` : ''}`);
  const serverOptions: ServerOptions = {
    command: server.command,
    args: ['serve'],
    options: { env: serverEnv(s, process.env), cwd: root },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: clientChannel(),
    traceOutputChannel: trace,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: section(s),
    middleware: {
      workspace: {
        // The server pulls `mantile`: answer with the same section as initializationOptions, so
        // that a workspace's values of the machine-only settings never reach it.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (answers instanceof ResponseError || !Array.isArray(answers)) return answers;
          return sanitizeConfiguration(params.items, answers, section());
        },
      },
    },
  };
  const c = new LanguageClient('mantile', 'Mantile', serverOptions, clientOptions);
  client = c;
  serverHub = undefined;
  // window/logMessage at the level of each message (the default handler writes them all as one).
  c.onNotification(LogMessageNotification.type, (p: LogMessageParams) => {
    output[methodForLevel(levelOfMessageType(p.type))](p.message);
  });
  noteHiddenLevel();
  c.onNotification('mantile/hubStatus', (p: { mode?: HubMode }) => {
    if (client !== c || !p?.mode) return;
    serverHub = p.mode;
    refreshStatus();
  });
  c.onDidChangeState((e) => {
    if (client !== c) return;
    if (e.newState === State.Running) {
      const info = c.initializeResult?.serverInfo;
      setState('ready', info ? `${info.name} ${info.version ?? ''}`.trim() : undefined);
    } else if (e.newState === State.Starting) {
      setState('starting');
    } else {
      // An intended stop (restart, deactivate) detaches the client first, so this one was not.
      setState('error', 'the server stopped; see the Mantile output');
    }
  });
  try {
    await c.start();
  } catch (e) {
    if (client === c) {
      setState('error', String(e instanceof Error ? e.message : e));
      log('error', `mantile-lsp did not start: ${String(e)}`);
      void vscode.window
        .showErrorMessage(`Mantile: the language server did not start (${server.command}).`, 'Show Output')
        .then((c2) => c2 && output.show(true));
    }
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (!c) return;
  try {
    await c.stop(5000);
  } catch (e) {
    log('warning', `stopping the server: ${String(e)}`);
  }
  setState('stopped');
}

async function restart(): Promise<void> {
  log('info', 'restarting the server');
  await stopClient();
  await startClient();
}

/** Runs the server binary with `args`; resolves with its output and exit code (never rejects). */
function runServer(
  args: string[],
  cwd: string | undefined,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; error?: string; command?: string }> {
  const s = settings();
  const server = findServer(s);
  if ('error' in server) return Promise.resolve({ code: null, stdout: '', stderr: '', error: server.error });
  log('info', `running ${server.command} ${args.join(' ')}`);
  return new Promise((resolve) => {
    execFile(
      server.command,
      args,
      { cwd, env: serverEnv(s, process.env), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        const error = e && code === null ? (e.killed ? `timed out after ${timeoutMs / 1000} s` : e.message) : undefined;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), error, command: server.command });
      },
    );
  });
}

async function checkWorkspace(): Promise<void> {
  const root = workspaceRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Mantile: open a folder holding a Mantile workspace first.');
    return;
  }
  const s = settings();
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Mantile: checking the workspace…' },
    () => runServer(['check', '--format', 'json', ...ruleArgs(s.rules), root], root, 180_000),
  );
  if (r.error) {
    log('error', r.error);
    void vscode.window.showErrorMessage(`Mantile: check failed: ${r.error}`, 'Show Output').then((c) => c && output.show(true));
    return;
  }
  if (r.stderr.trim()) output.appendLine(r.stderr.trimEnd());
  if (r.code !== 0 && r.code !== 1) {
    const first = r.stderr.split('\n').find((l) => l.trim()) ?? `exit status ${r.code}`;
    log('error', `check exited ${r.code}`);
    output.show(true);
    void vscode.window.showErrorMessage(`Mantile: check failed: ${first}`);
    return;
  }
  try {
    const report = parseReport(r.stdout);
    output.appendLine(`── mantile-lsp check ${root}`);
    for (const line of reportLines(report, root)) output.appendLine(line);
    output.show(true);
    const msg = `Mantile: ${summaryLine(report)}`;
    if (report.summary.error > 0) void vscode.window.showWarningMessage(msg);
    else void vscode.window.showInformationMessage(msg);
  } catch (e) {
    log('error', String(e));
    void vscode.window.showErrorMessage(`Mantile: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function newConfig(): Promise<void> {
  const root = workspaceRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Mantile: open a folder holding a Mantile workspace first.');
    return;
  }
  const id = await vscode.window.showInputBox({
    title: 'New Mantile config from Hugging Face',
    prompt: 'Hugging Face model id (org/name); mantile-lsp new writes backend/data/model_configs/<org>_<name>.json',
    placeHolder: 'meta-llama/Llama-3.3-70B-Instruct',
    ignoreFocusOut: true,
    validateInput: (v) => validModelId(v),
  });
  if (!id) return;
  const rel = configPathFor(id);
  const target = path.join(root, ...rel.split('/'));
  const args = ['new', id.trim(), '--out', target];
  if (fs.existsSync(target)) {
    const choice = await vscode.window.showWarningMessage(`${rel} already exists.`, { modal: true }, 'Overwrite', 'Open It');
    if (choice === 'Open It') {
      await vscode.window.showTextDocument(vscode.Uri.file(target));
      return;
    }
    if (choice !== 'Overwrite') return;
    args.push('--force');
  }
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Mantile: generating a config for ${id.trim()}…` },
    () => runServer(args, root, 180_000),
  );
  if (r.stderr.trim()) {
    output.appendLine(`── mantile-lsp new ${id.trim()}`);
    output.appendLine(r.stderr.trimEnd());
  }
  if (r.error || r.code !== 0) {
    const first = r.error ?? r.stderr.split('\n').find((l) => l.startsWith('error:')) ?? `exit status ${r.code}`;
    void vscode.window.showErrorMessage(`Mantile: ${first.replace(/^error:\s*/, '')}`, 'Show Output').then((c) => c && output.show(true));
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(target));
  const notes = r.stderr.trim() ? ' Notes on what Mantile cannot model are in the Mantile output.' : '';
  void vscode.window.showInformationMessage(`Mantile: wrote ${rel}.${notes}`);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('Mantile', { log: true });
  trace = vscode.window.createOutputChannel('Mantile Trace');
  statusItem = vscode.window.createStatusBarItem('mantile.status', vscode.StatusBarAlignment.Left, 0);
  statusItem.name = 'Mantile';
  statusItem.command = 'mantile.showOutput';
  context.subscriptions.push(
    output,
    trace,
    statusItem,
    vscode.commands.registerCommand('mantile.restartServer', restart),
    vscode.commands.registerCommand('mantile.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('mantile.checkWorkspace', checkWorkspace),
    vscode.commands.registerCommand('mantile.newConfig', newConfig),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('mantile')) return;
      refreshStatus();
      // The path and the Hub settings reach the server as its command, environment and
      // initializationOptions: a restart. The rest is sent to the running server.
      if (e.affectsConfiguration('mantile.server.path') || e.affectsConfiguration('mantile.hub')) void restart();
      else {
        noteHiddenLevel();
        pushSettings();
      }
    }),
    output.onDidChangeLogLevel(() => {
      noteHiddenLevel();
      if (!settings().logLevel) pushSettings();
    }),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
