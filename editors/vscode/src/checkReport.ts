// Reads `mantile-lsp check --format json` (version 1, see the repository README) and turns it
// into lines for the output channel and a one-line summary. Pure, unit-tested.

export interface Position {
  line: number;
  column: number;
}

export interface CheckDiagnostic {
  path: string;
  code: string;
  rule?: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  range: { start: Position; end: Position };
  fixes?: { title: string }[];
}

export interface CheckReport {
  version: number;
  files: { path: string; kind: string }[];
  diagnostics: CheckDiagnostic[];
  summary: { error: number; warning: number; info: number; hint: number };
}

export function parseReport(stdout: string): CheckReport {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new Error('mantile-lsp check did not print JSON' + (stdout.trim() ? `: ${stdout.trim().slice(0, 200)}` : ''));
  }
  const r = data as Partial<CheckReport>;
  if (!r || typeof r !== 'object' || r.version !== 1 || !Array.isArray(r.diagnostics) || !Array.isArray(r.files)) {
    throw new Error('mantile-lsp check printed JSON of an unknown form (expected version 1)');
  }
  const summary = { error: 0, warning: 0, info: 0, hint: 0, ...(r.summary ?? {}) };
  return { version: 1, files: r.files, diagnostics: r.diagnostics, summary };
}

/** `path` relative to `root` with forward slashes, when it is inside it. */
export function relativeTo(root: string, p: string): string {
  const norm = (s: string) => s.replace(/\\/g, '/').replace(/\/+$/, '');
  const r = norm(root);
  const f = norm(p);
  return r && f.startsWith(r + '/') ? f.slice(r.length + 1) : f;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(r: CheckReport): string {
  const s = r.summary;
  const parts = [plural(s.error, 'error'), plural(s.warning, 'warning'), `${s.info} info`, plural(s.hint, 'hint')];
  return `${plural(r.files.length, 'file')} checked: ${parts.join(', ')}`;
}

/** One line per finding, like the human format: `path:line:col: severity[CODE]: message`. */
export function reportLines(r: CheckReport, root: string): string[] {
  const order = { error: 0, warning: 1, info: 2, hint: 3 } as const;
  const sorted = [...r.diagnostics].sort(
    (a, b) =>
      a.path.localeCompare(b.path) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.column - b.range.start.column ||
      (order[a.severity] ?? 9) - (order[b.severity] ?? 9),
  );
  const lines = sorted.map((d) => {
    const loc = `${relativeTo(root, d.path)}:${d.range.start.line}:${d.range.start.column}`;
    const fix = d.fixes && d.fixes.length ? ` (fix: ${d.fixes[0].title})` : '';
    return `${loc}: ${d.severity}[${d.code}]: ${d.message}${fix}`;
  });
  lines.push(summaryLine(r));
  return lines;
}
