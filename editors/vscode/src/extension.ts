// VS Code glue: starts mantile-lsp with vscode-languageclient, shows its state in the status bar
// and contributes the Mantile commands. The logic worth testing lives in the pure modules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type CancellationToken,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  LogMessageNotification,
  type LogMessageParams,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import * as ext from './lsp_ext';
import { type Icon, type Node, registryTree } from './registryTree';
import { type ChannelLevel, channelHides, levelOfMessageType, methodForLevel, passes, routeClientLine, serverLevelForChannel } from './logLevels';
import { CONFIG_DIR, configPathFor, documentSelector, validModelId } from './patterns';
import { type Resolved, resolveServer } from './serverPath';
import {
  type LogLevel,
  type MantileSettings,
  hubMode,
  invalidRules,
  readSettings,
  sanitizeConfiguration,
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

/** Tells the running server its settings changed (it pulls them, or reads this payload). The
 * user's own Hub settings go as `mantile/didChangeUserSettings`, which the server trusts as it
 * trusts initializationOptions (a workspace's settings cannot name the Hub endpoint or home). */
function pushSettings(userHub = false): void {
  const c = client;
  if (!c || c.state !== State.Running) return;
  const sent = userHub
    ? c.sendNotification(ext.didChangeUserSettings, section())
    : c.sendNotification(DidChangeConfigurationNotification.type, { settings: { mantile: section() } });
  void sent.catch((e) => log('warning', `sending settings to the server: ${String(e)}`));
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
    // The settings travel once, as initializationOptions (then live notifications): no HF_*
    // variables are set for the server, and a changed Hub setting needs no restart.
    options: { cwd: root },
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
  c.onNotification(ext.hubStatus, (p) => {
    if (client !== c || !p?.mode) return;
    serverHub = p.mode;
    refreshStatus();
  });
  c.onNotification(ext.registryChanged, () => {
    if (client === c) registryView?.refresh();
  });
  c.onDidChangeState((e) => {
    if (client !== c) return;
    if (e.newState === State.Running) {
      const info = c.initializeResult?.serverInfo;
      setState('ready', info ? `${info.name} ${info.version ?? ''}`.trim() : undefined);
      registryView?.refresh();
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

/** The running client, or an error message for the user. */
function runningClient(): LanguageClient | undefined {
  const c = client;
  if (c && c.state === State.Running) return c;
  void vscode.window.showErrorMessage('Mantile: the language server is not running.', 'Show Output').then((a) => a && output.show(true));
  return undefined;
}

/** The message of a failed request, as the server wrote it. */
function messageOf(e: unknown): string {
  return e instanceof ResponseError || e instanceof Error ? e.message : String(e);
}

/**
 * Runs a server command (`workspace/executeCommand`) under a cancellable notification that shows
 * the server's `$/progress` (sent on a token this request carries). Cancelling sends
 * `$/cancelRequest`; the promise then rejects.
 */
async function serverCommand<T>(c: LanguageClient, title: string, command: string, args: unknown[]): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, cancel: CancellationToken) => {
      const token = `mantile-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      let done = 0;
      const sub = c.onProgress(WorkDoneProgress.type, token, (v: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
        if (v.kind === 'end') return;
        const pct = typeof v.percentage === 'number' ? v.percentage : undefined;
        const increment = pct !== undefined && pct > done ? pct - done : undefined;
        if (pct !== undefined) done = Math.max(done, pct);
        progress.report({ message: v.message, increment });
      });
      try {
        return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken: token }, cancel)) as T;
      } finally {
        sub.dispose();
      }
    },
  );
}

async function checkWorkspace(): Promise<void> {
  const c = runningClient();
  if (!c) return;
  let summary: ext.CheckSummary;
  try {
    summary = await serverCommand<ext.CheckSummary>(c, 'Mantile: checking the workspace', ext.CHECK_WORKSPACE, []);
  } catch (e) {
    if (e instanceof ResponseError && e.code === -32800) return; // cancelled
    log('error', `check workspace: ${messageOf(e)}`);
    void vscode.window.showErrorMessage(`Mantile: check failed: ${messageOf(e)}`, 'Show Output').then((a) => a && output.show(true));
    return;
  }
  const line = ext.summaryLine(summary);
  output.info(line);
  // The findings are in the Problems panel (published by the server).
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  const msg = `Mantile: ${line}`;
  if (summary.errors > 0) void vscode.window.showWarningMessage(msg);
  else void vscode.window.showInformationMessage(msg);
}

async function newConfig(): Promise<void> {
  const c = runningClient();
  if (!c) return;
  const root = workspaceRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Mantile: open a folder holding a Mantile workspace first.');
    return;
  }
  const id = await vscode.window.showInputBox({
    title: 'New Mantile config from Hugging Face',
    prompt: 'Hugging Face model id (org/name); the server writes backend/data/model_configs/<org>_<name>.json',
    placeHolder: 'meta-llama/Llama-3.3-70B-Instruct',
    ignoreFocusOut: true,
    validateInput: (v) => validModelId(v),
  });
  if (!id) return;
  const repo = id.trim();
  const rel = configPathFor(repo);
  const target = path.join(root, ...rel.split('/'));
  let force = false;
  if (fs.existsSync(target)) {
    const choice = await vscode.window.showWarningMessage(`${rel} already exists.`, { modal: true }, 'Overwrite', 'Open It');
    if (choice === 'Open It') {
      await vscode.window.showTextDocument(vscode.Uri.file(target));
      return;
    }
    if (choice !== 'Overwrite') return;
    force = true;
  }
  let r: ext.NewConfigResult;
  try {
    const args: ext.NewConfigArgs = { repo, force };
    r = await serverCommand<ext.NewConfigResult>(c, `Mantile: generating a config for ${repo}`, ext.NEW_CONFIG, [args]);
  } catch (e) {
    if (e instanceof ResponseError && e.code === -32800) return; // cancelled: nothing written
    log('error', `new config ${repo}: ${messageOf(e)}`);
    void vscode.window.showErrorMessage(`Mantile: ${messageOf(e)}`, 'Show Output').then((a) => a && output.show(true));
    return;
  }
  output.info(`wrote ${r.path}`);
  for (const w of r.written) output.info(`wrote ${w}`);
  for (const k of r.kept) output.info(`kept ${k} (it exists)`);
  for (const n of r.notes) output.info(`note: ${n}`);
  // The server asks the editor to open it (window/showDocument); open it if it could not.
  if (!r.shown) await vscode.window.showTextDocument(vscode.Uri.parse(r.uri));
  const notes = r.notes.length ? ' Notes on what Mantile cannot model are in the Mantile output.' : '';
  void vscode.window.showInformationMessage(`Mantile: wrote ${r.path}.${notes}`);
}

// ----- a model's tensors in a read-only document (mantile-inspect:/org/name) -----

const INSPECT_SCHEME = 'mantile-inspect';

/** `mantile-inspect:/org/name.tensors`: the server's `mantile/inspect` answer, read-only. */
class InspectProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri, token: CancellationToken): Promise<string> {
    const repo = uri.path.replace(/^\//, '').replace(/\.tensors$/, '');
    const c = client;
    if (!c || c.state !== State.Running) return `${repo}: the Mantile language server is not running.\n`;
    try {
      const r = await c.sendRequest(ext.inspect, { repo }, token);
      return r.text;
    } catch (e) {
      const message = messageOf(e);
      void vscode.window.showErrorMessage(`Mantile: ${message}`);
      return `${repo}: ${message}\n`;
    }
  }
}

/** The model id of the active config, for the input box. */
function activeModelId(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !doc.fileName.endsWith('.json')) return undefined;
  return /"hf_model_id"\s*:\s*"([^"]+)"/.exec(doc.getText())?.[1];
}

async function inspectModel(node?: Node): Promise<void> {
  let repo = node?.hfModelId;
  if (!repo) {
    repo = await vscode.window.showInputBox({
      title: "A model's tensors (safetensors headers, never the weights)",
      prompt: 'Hugging Face model id (org/name)',
      value: activeModelId(),
      placeHolder: 'Qwen/Qwen3-0.6B',
      ignoreFocusOut: true,
      validateInput: (v) => validModelId(v),
    });
  }
  if (!repo) return;
  const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${repo.trim()}.tensors` });
  const doc = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Mantile: reading the tensors of ${repo.trim()}…` },
    () => Promise.resolve(vscode.workspace.openTextDocument(uri)),
  );
  await vscode.window.showTextDocument(doc, { preview: false });
}

// ----- the Mantile view in the Explorer (mantile/registry) -----

const ICONS: Record<Icon, [string, string | undefined]> = {
  error: ['error', 'problemsErrorIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  pass: ['pass', 'testing.iconPassed'],
  model: ['symbol-class', undefined],
  gap: ['debug-breakpoint-unverified', undefined],
  report: ['file-text', undefined],
  suite: ['beaker', undefined],
  layer: ['layers', undefined],
  folder: ['folder', undefined],
  info: ['info', undefined],
};

class RegistryView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Node[] = [];
  private loading: Promise<void> | undefined;
  private again = false;
  /** The last answer, for the end-to-end test (`mantile.registry.snapshot`). */
  last: ext.RegistryResult | undefined;

  /** Asks the server again (a burst of calls is one request at a time, then one more). */
  refresh(): void {
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async load(): Promise<void> {
    const c = client;
    if (!c || c.state !== State.Running) return;
    try {
      this.last = await c.sendRequest(ext.registry, {});
      this.roots = registryTree(this.last);
    } catch (e) {
      log('warning', `mantile/registry: ${messageOf(e)}`);
      return;
    }
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const state = node.children.length
      ? node.contextValue === 'section' && node.id !== 'section:unaccounted'
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    const [icon, color] = ICONS[node.icon];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    if (node.uri) {
      item.resourceUri = undefined;
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.uri)] };
    }
    return item;
  }
}

let registryView: RegistryView | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('Mantile', { log: true });
  trace = vscode.window.createOutputChannel('Mantile Trace');
  statusItem = vscode.window.createStatusBarItem('mantile.status', vscode.StatusBarAlignment.Left, 0);
  statusItem.name = 'Mantile';
  statusItem.command = 'mantile.showOutput';
  registryView = new RegistryView();
  void vscode.commands.executeCommand('setContext', 'mantile.active', true);
  context.subscriptions.push(
    output,
    trace,
    statusItem,
    vscode.commands.registerCommand('mantile.restartServer', restart),
    vscode.commands.registerCommand('mantile.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('mantile.checkWorkspace', checkWorkspace),
    vscode.commands.registerCommand('mantile.newConfig', newConfig),
    vscode.commands.registerCommand('mantile.inspectModel', inspectModel),
    vscode.commands.registerCommand('mantile.refreshView', () => registryView?.refresh()),
    // What the view shows, as data (for tests and automation).
    vscode.commands.registerCommand('mantile.registry.snapshot', () => registryView?.last),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, new InspectProvider()),
    vscode.window.createTreeView('mantile.registry', { treeDataProvider: registryView, showCollapseAll: true }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('mantile')) return;
      refreshStatus();
      // The path is the server's command: a restart. Everything else is sent to the running
      // server: the Hub settings as the user's own (they may name the endpoint and home).
      if (e.affectsConfiguration('mantile.server.path')) void restart();
      else {
        noteHiddenLevel();
        pushSettings(e.affectsConfiguration('mantile.hub'));
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
