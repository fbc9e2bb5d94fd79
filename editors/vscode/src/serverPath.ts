// Where the mantile-lsp binary comes from: the mantile.server.path setting, else the binary
// shipped inside the extension (server/), else mantile-lsp on PATH. Pure (file checks are
// injected), so the order is unit-tested.
import * as path from 'node:path';

export type ServerSource = 'setting' | 'bundled' | 'path';

export interface Resolved {
  command: string;
  source: ServerSource;
}

export interface Probe {
  /** True when `p` is an existing regular file (ideally executable). */
  isFile(p: string): boolean;
}

export interface ResolveInput {
  setting: string;
  extensionPath: string;
  envPath: string | undefined;
  platform: NodeJS.Platform;
  pathExt?: string;
  home?: string;
}

export function exeName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'mantile-lsp.exe' : 'mantile-lsp';
}

/**
 * The absolute path the setting names (`~/` resolved against home), undefined if empty, or
 * `{ relative }` for a relative path: those are refused, since resolving them against the
 * workspace would run whatever binary an opened repository ships at that path.
 */
export function settingPath(input: ResolveInput): string | { relative: string } | undefined {
  let p = input.setting.trim();
  if (!p) return undefined;
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  if ((p === '~' || p.startsWith('~/') || (input.platform === 'win32' && p.startsWith('~\\'))) && input.home) {
    p = pathApi.join(input.home, p.slice(1));
  }
  if (!pathApi.isAbsolute(p)) return { relative: p };
  return pathApi.normalize(p);
}

export function bundledPath(input: ResolveInput): string {
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  return pathApi.join(input.extensionPath, 'server', exeName(input.platform));
}

/** Every folder of PATH, each with the executable's name (and PATHEXT variants on Windows). */
export function pathCandidates(input: ResolveInput): string[] {
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  const sep = input.platform === 'win32' ? ';' : ':';
  const names =
    input.platform === 'win32'
      ? (input.pathExt ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean).map((e) => 'mantile-lsp' + e.toLowerCase())
      : ['mantile-lsp'];
  // Only absolute PATH entries: `.` or `bin` would find a binary in whatever folder is current.
  return (input.envPath ?? '')
    .split(sep)
    .filter((d) => d.trim() !== '' && pathApi.isAbsolute(d))
    .flatMap((d) => names.map((n) => pathApi.join(d, n)));
}

export type Resolution = Resolved | { error: string; tried: string[] };

export function resolveServer(input: ResolveInput, probe: Probe): Resolution {
  const fromSetting = settingPath(input);
  if (typeof fromSetting === 'object') {
    return {
      error:
        `mantile.server.path is set to "${input.setting}", a relative path. Use an absolute path ` +
        '(or ~/…): a path relative to the workspace would run a binary the opened folder provides.',
      tried: [],
    };
  }
  if (fromSetting !== undefined) {
    if (probe.isFile(fromSetting)) return { command: fromSetting, source: 'setting' };
    // A set but wrong path is an error of its own: falling back would hide the typo.
    return {
      error:
        `mantile.server.path is set to "${input.setting}", but ${fromSetting} is not a file. ` +
        'Fix the setting (or clear it to use the bundled server or mantile-lsp on PATH).',
      tried: [fromSetting],
    };
  }
  const bundled = bundledPath(input);
  if (probe.isFile(bundled)) return { command: bundled, source: 'bundled' };
  const onPath = pathCandidates(input);
  const hit = onPath.find((p) => probe.isFile(p));
  if (hit) return { command: hit, source: 'path' };
  return {
    error:
      'Cannot find the mantile-lsp language server: mantile.server.path is not set, this extension ' +
      'ships no server binary, and mantile-lsp is not on PATH. Build it with ' +
      '`cargo build --release -p mantile-lsp` and set mantile.server.path to target/release/mantile-lsp ' +
      '(or `cargo install --path crates/mantile-lsp` to put it on PATH), then run "Mantile: Restart Server".',
    tried: [bundled, ...onPath],
  };
}
