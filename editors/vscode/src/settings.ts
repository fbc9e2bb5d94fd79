// Pure mapping from the `mantile.*` settings to what the server gets: initializationOptions,
// the answer to workspace/configuration and the live settings notifications (once, no environment).
// No vscode import, so it is unit-tested.

export type Level = 'error' | 'warning' | 'info' | 'hint' | 'off';
/** The server's log levels (`mantile.logLevel`): what goes to `window/logMessage`. */
export type LogLevel = 'error' | 'warning' | 'info' | 'log';

export interface MantileSettings {
  serverPath: string;
  hubEnabled: boolean;
  hubOffline: boolean;
  hubEndpoint: string;
  hubHome: string;
  rules: Record<string, Level>;
  /** The level the user set, or undefined (then the output channel's level decides). */
  logLevel: LogLevel | undefined;
  debounceMs: number;
}

/** The server's own default debounce, and the bounds it accepts. */
export const DEBOUNCE_MS = 20;
const DEBOUNCE_MAX = 1000;

const LEVELS: readonly string[] = ['error', 'warning', 'info', 'hint', 'off'];
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'log'];
const RULE_KEY = /^([A-Za-z]{2}[0-9]{3}|[a-z][a-z0-9-]*)$/;

/**
 * Settings a workspace must not choose: which binary runs, where the Hugging Face token is sent
 * and where the cache is written. Their `package.json` scope is `machine`; besides, they are read
 * from the user's (or the machine's) own settings only, never from a workspace or folder's
 * `.vscode/settings.json`, even in an editor that would apply those.
 */
export const MACHINE_ONLY = ['server.path', 'hub.endpoint', 'hub.home'] as const;

/** What `WorkspaceConfiguration.inspect()` returns (the fields used here). */
export interface Inspected {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The user's (global) value, else the default: a workspace's or folder's value is ignored. */
export function userValue(i: Inspected | undefined): unknown {
  if (!i) return undefined;
  return i.globalValue !== undefined ? i.globalValue : i.defaultValue;
}

/** Whether the setting was set by the user, a workspace or a folder (not just defaulted). */
export function isSet(i: Inspected | undefined): boolean {
  return !!i && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
}

/**
 * Reads the `mantile` section. `get` is `WorkspaceConfiguration.get` (or a stub); `inspect` is
 * `WorkspaceConfiguration.inspect`, used for the machine-only settings and to tell whether
 * `logLevel` was set at all.
 */
export function readSettings(get: (key: string) => unknown, inspect: (key: string) => Inspected | undefined): MantileSettings {
  const trim = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const str = (k: string) => trim(get(k));
  const machine = (k: (typeof MACHINE_ONLY)[number]) => trim(userValue(inspect(k)));
  const logLevel = str('logLevel');
  const debounce = get('debounceMs');
  return {
    serverPath: machine('server.path'),
    hubEnabled: get('hub.enabled') !== false,
    hubOffline: get('hub.offline') === true,
    hubEndpoint: machine('hub.endpoint'),
    hubHome: machine('hub.home'),
    rules: normalizeRules(get('rules')),
    logLevel: isSet(inspect('logLevel')) ? parseLogLevel(logLevel) : undefined,
    debounceMs:
      typeof debounce === 'number' && Number.isFinite(debounce)
        ? Math.min(DEBOUNCE_MAX, Math.max(0, Math.round(debounce)))
        : DEBOUNCE_MS,
  };
}

/** A `mantile.logLevel` value; older names (`warn`, `debug`, `trace`) are read as the server does. */
export function parseLogLevel(v: string): LogLevel {
  const t = v.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(t)) return t as LogLevel;
  if (t === 'warn') return 'warning';
  if (t === 'debug' || t === 'trace' || t === 'verbose') return 'log';
  return 'info';
}

/** Keeps the well-formed `code → level` pairs; codes are upper-cased (mc060 → MC060). */
export function normalizeRules(raw: unknown): Record<string, Level> {
  const out: Record<string, Level> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const k = key.trim();
    const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!RULE_KEY.test(k) || !LEVELS.includes(v)) continue;
    out[/^[A-Za-z]{2}[0-9]{3}$/.test(k) ? k.toUpperCase() : k] = v as Level;
  }
  return out;
}

/** Rules the settings reject, for a warning in the output channel. */
export function invalidRules(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const ok = normalizeRules(raw);
  return Object.keys(raw as object).filter((k) => {
    const t = k.trim();
    return !(t in ok) && !(t.toUpperCase() in ok);
  });
}

/**
 * The `mantile` section as the server reads it: initializationOptions, the answer to
 * workspace/configuration and the didChangeConfiguration payload are all this object, so the
 * machine-only values in it are always the user's. `logLevel` is the setting, else the level that
 * matches the output channel's (see `logLevelForChannel`).
 */
export function serverSection(s: MantileSettings, channelLogLevel: LogLevel = 'info') {
  return {
    rules: { ...s.rules },
    logLevel: s.logLevel ?? channelLogLevel,
    debounceMs: s.debounceMs,
    hub: { enabled: s.hubEnabled, offline: s.hubOffline, endpoint: s.hubEndpoint || null, home: s.hubHome || null },
  };
}

/**
 * Replaces what a workspace/configuration answer holds for the `mantile` section (or one of its
 * parts, `mantile.hub`) by `section`, so that a workspace's values of the machine-only settings
 * never reach the server, whatever the editor returned. Other sections pass through.
 */
export function sanitizeConfiguration(
  items: { section?: string }[],
  answers: unknown[],
  section: ReturnType<typeof serverSection>,
): unknown[] {
  return answers.map((answer, i) => {
    const name = items[i]?.section;
    if (name === 'mantile') return structuredClone(section);
    if (name === 'mantile.hub') return structuredClone(section.hub);
    if (name === undefined || name === null || name === '') {
      // The whole configuration: keep everything but our section, which is ours to give.
      const whole = answer && typeof answer === 'object' ? { ...(answer as Record<string, unknown>) } : {};
      whole.mantile = structuredClone(section);
      return whole;
    }
    return answer;
  });
}

/** Whether Hub metadata is live or only cached, for the status bar. */
export function hubMode(s: MantileSettings, env: Record<string, string | undefined>): 'live' | 'cached' {
  const v = (env.HF_HUB_OFFLINE ?? '').trim().toLowerCase();
  return s.hubOffline || v === '1' || v === 'true' || v === 'yes' || v === 'on' ? 'cached' : 'live';
}
