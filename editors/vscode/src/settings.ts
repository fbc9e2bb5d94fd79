// Pure mapping from the `mantile.*` settings to what the server gets: environment variables,
// initializationOptions and command-line arguments. No vscode import, so it is unit-tested.

export type Level = 'error' | 'warning' | 'info' | 'hint' | 'off';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface MantileSettings {
  serverPath: string;
  hubEnabled: boolean;
  hubOffline: boolean;
  hubEndpoint: string;
  hubHome: string;
  rules: Record<string, Level>;
  logLevel: LogLevel;
  debounceMs: number;
}

/** The server's own default debounce, and the bounds it accepts. */
export const DEBOUNCE_MS = 20;
const DEBOUNCE_MAX = 1000;

const LEVELS: readonly string[] = ['error', 'warning', 'info', 'hint', 'off'];
const LOG_LEVELS: readonly string[] = ['error', 'warn', 'info', 'debug', 'trace'];
const RULE_KEY = /^([A-Za-z]{2}[0-9]{3}|[a-z][a-z0-9-]*)$/;

/** Reads settings through `get` (a WorkspaceConfiguration for section `mantile`, or a stub). */
export function readSettings(get: (key: string) => unknown): MantileSettings {
  const str = (k: string) => {
    const v = get(k);
    return typeof v === 'string' ? v.trim() : '';
  };
  const logLevel = str('logLevel');
  const debounce = get('debounceMs');
  return {
    serverPath: str('server.path'),
    hubEnabled: get('hub.enabled') !== false,
    hubOffline: get('hub.offline') === true,
    hubEndpoint: str('hub.endpoint'),
    hubHome: str('hub.home'),
    rules: normalizeRules(get('rules')),
    logLevel: (LOG_LEVELS.includes(logLevel) ? logLevel : 'info') as LogLevel,
    debounceMs:
      typeof debounce === 'number' && Number.isFinite(debounce)
        ? Math.min(DEBOUNCE_MAX, Math.max(0, Math.round(debounce)))
        : DEBOUNCE_MS,
  };
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
 * Environment for the server process: the Hub settings as the variables the server already
 * honours (HF_HUB_OFFLINE, HF_ENDPOINT). A set value replaces the inherited one; offline off
 * leaves an HF_HUB_OFFLINE from the user's environment alone.
 */
export function serverEnv(
  s: MantileSettings,
  base: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (s.hubOffline) env.HF_HUB_OFFLINE = '1';
  if (s.hubEndpoint) env.HF_ENDPOINT = s.hubEndpoint;
  return env;
}

/** The `mantile` section as the server reads it (initializationOptions, workspace/configuration). */
export function initializationOptions(s: MantileSettings) {
  return {
    rules: { ...s.rules },
    logLevel: s.logLevel,
    debounceMs: s.debounceMs,
    hub: { enabled: s.hubEnabled, offline: s.hubOffline, endpoint: s.hubEndpoint || null, home: s.hubHome || null },
  };
}

/** `--rule CODE=LEVEL` arguments for `mantile-lsp check`, in a stable order. */
export function ruleArgs(rules: Record<string, Level>): string[] {
  return Object.keys(rules)
    .sort()
    .flatMap((k) => ['--rule', `${k}=${rules[k]}`]);
}

/** Whether Hub metadata is live or only cached, for the status bar. */
export function hubMode(s: MantileSettings, env: Record<string, string | undefined>): 'live' | 'cached' {
  const v = (env.HF_HUB_OFFLINE ?? '').trim().toLowerCase();
  return s.hubOffline || v === '1' || v === 'true' || v === 'yes' || v === 'on' ? 'cached' : 'live';
}
