// Mantile's extensions to the protocol, as the server declares them in
// crates/mantile-lsp/src/server/lsp_ext.rs (the one place on the Rust side): keep the two in
// step. Types only, and the method and command names; no vscode import, so the unit tests load it.
// vscode-languageclient's own protocol package (its dependency): the types without importing vscode.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';

// ----- server → client -----

/** Where the last Hugging Face answer came from. */
export type HubMode = 'live' | 'cached' | 'offline' | 'unreachable' | 'error';
export interface HubStatusParams {
  mode: HubMode;
  repo: string;
}
/** `mantile/hubStatus`. */
export const hubStatus = new NotificationType<HubStatusParams>('mantile/hubStatus');

/** `mantile/registryChanged`: ask `mantile/registry` again (sent once the client has asked). */
export const registryChanged = new NotificationType<Record<string, never>>('mantile/registryChanged');

// ----- client → server -----

/** `mantile/didChangeUserSettings`: the user's own `mantile` section (never a workspace's), so the
 * Hub's endpoint and home change live, as initializationOptions carry them at start. */
export const didChangeUserSettings = new NotificationType<unknown>('mantile/didChangeUserSettings');

export interface Model {
  uri: string;
  /** Relative to the workspace root. */
  path: string;
  modelId: string | null;
  name: string | null;
  hfModelId: string | null;
  totalParams: number | null;
  errors: number;
  warnings: number;
}

export interface Suite {
  path: string;
  uri: string | null;
  tests: number;
  ids: string[];
  status: string;
}

export interface Gap {
  number: number;
  gapType: string;
  feature: string;
  affectedLayers: string[];
  severity: string;
  status: string;
  report: string | null;
  reportUri: string | null;
  unaccounted: string | null;
  suite: Suite | null;
}

export interface Checklist {
  gapsIdentified: number;
  reportsCreated: number;
  testSuitesCreated: number;
  testsWritten: number;
  documentedInExistingReports: number;
  unaccounted: number;
}

export interface RegistryResult {
  root: string | null;
  models: Model[];
  gaps: Gap[];
  checklist: Checklist;
}

/** `mantile/registry`: the workspace's §6 deliverables. */
export const registry = new RequestType<Record<string, never>, RegistryResult, void>('mantile/registry');

export interface InspectParams {
  repo: string;
}
export interface InspectResult {
  text: string;
}
/** `mantile/inspect`: a model's tensor inventory (safetensors headers), as `mantile-lsp inspect`. */
export const inspect = new RequestType<InspectParams, InspectResult, void>('mantile/inspect');

// ----- commands (workspace/executeCommand) -----

/** Reads the workspace again and publishes every file's findings; answers with the counts. */
export const CHECK_WORKSPACE = 'mantile-lsp.checkWorkspace';
export interface CheckSummary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
  hints: number;
}

/** Generates a config from the Hub (and its gap reports and suites), then opens it. */
export const NEW_CONFIG = 'mantile-lsp.newConfig';
export interface NewConfigArgs {
  repo: string;
  force?: boolean;
}
export interface NewConfigResult {
  uri: string;
  path: string;
  written: string[];
  kept: string[];
  notes: string[];
  /** Whether the server asked the editor to open it (window/showDocument). */
  shown: boolean;
}

/** `4 files checked: 3 errors, 4 warnings, 2 info, 0 hints` (the server's progress end says the same). */
export function summaryLine(s: CheckSummary): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(s.files, 'file')} checked: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${s.infos} info, ${plural(s.hints, 'hint')}`;
}
