// Which files the extension serves. Shared by the document selector, the activation events in
// package.json (kept in agreement by a unit test) and the commands.

/** Model configs, Markdown test specs and gap reports; nothing else (no claim on every JSON or
 * Markdown file). The server itself leaves `model_builder/gaps/README.md` alone. */
export const CONFIG_GLOB = '**/backend/data/model_configs/*.json';
export const SPEC_GLOB = '**/tests/*_tests.md';
export const GAP_GLOB = '**/model_builder/gaps/*.md';
export const CONFIG_DIR = 'backend/data/model_configs';

export interface Filter {
  scheme: string;
  pattern: string;
}

/** By path only, whatever language mode the file is in (json, jsonc, markdown). */
export const documentSelector: Filter[] = [
  { scheme: 'file', pattern: CONFIG_GLOB },
  { scheme: 'file', pattern: SPEC_GLOB },
  { scheme: 'file', pattern: GAP_GLOB },
];

/** `workspaceContains:` activation events: one per kind of file, plus the config folder itself. */
export const activationEvents: string[] = [
  `workspaceContains:${CONFIG_DIR}`,
  ...documentSelector.map((f) => `workspaceContains:${f.pattern.replace(/^\*\*\//, '')}`),
];

/** A Hugging Face id `org/name`, as `mantile-lsp new` accepts it. */
export function validModelId(id: string): string | undefined {
  const t = id.trim();
  if (!t) return 'Enter a Hugging Face model id, like meta-llama/Llama-3.3-70B-Instruct';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t)) {
    return 'A Hugging Face model id is org/name, like meta-llama/Llama-3.3-70B-Instruct';
  }
  return undefined;
}

/** Where `mantile-lsp new ID` writes, relative to the workspace root. */
export function configPathFor(id: string): string {
  return `${CONFIG_DIR}/${id.trim().replace(/\//g, '_')}.json`;
}
