// The "Mantile" view's tree, from the server's `mantile/registry` answer: the guide's §6
// deliverables (models, the gap registry with each gap's report and suite, unaccounted gaps).
// Pure (no vscode import), so the unit tests build it; extension.ts turns nodes into TreeItems.
import type { Gap, Model, RegistryResult } from './lsp_ext';

export type Icon = 'error' | 'warning' | 'pass' | 'model' | 'gap' | 'report' | 'suite' | 'layer' | 'folder' | 'info';

export interface Node {
  /** Stable across refreshes (VS Code keeps expansion by id). */
  id: string;
  label: string;
  description?: string;
  tooltip: string;
  icon: Icon;
  /** Opened on click. */
  uri?: string;
  /** For menus: `model` (with hfModelId), `gap`, `file`, `section`. */
  contextValue: string;
  hfModelId?: string;
  children: Node[];
}

/** 7,615,616,512 → `7.62B`; 632 → `632`. */
export function formatParams(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
      const text = v.toFixed(digits);
      // Trailing zeros of the fraction only: 1.10 → 1.1, 100 stays 100.
      return `${text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text}${unit}`;
    }
  }
  return String(n);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function fileName(path: string): string {
  return path.split('/').pop() ?? path;
}

function modelNode(m: Model): Node {
  const findings =
    m.errors || m.warnings ? [m.errors ? plural(m.errors, 'error') : '', m.warnings ? plural(m.warnings, 'warning') : ''].filter(Boolean).join(', ') : 'no errors or warnings';
  const params = m.totalParams !== null ? `${formatParams(m.totalParams)} params` : 'no total_params';
  return {
    id: `model:${m.path}`,
    label: m.modelId ?? fileName(m.path),
    description: `${params} · ${findings}`,
    tooltip: [
      m.name ?? m.modelId ?? fileName(m.path),
      m.path,
      m.hfModelId ? `Hugging Face: ${m.hfModelId}` : 'no hf_model_id',
      m.totalParams !== null ? `total_params: ${m.totalParams.toLocaleString('en-US')}` : 'no total_params',
      findings,
    ].join('\n'),
    icon: m.errors ? 'error' : m.warnings ? 'warning' : 'pass',
    uri: m.uri,
    contextValue: m.hfModelId ? 'model' : 'file',
    hfModelId: m.hfModelId ?? undefined,
    children: [],
  };
}

function gapNode(g: Gap): Node {
  const children: Node[] = [];
  const id = `gap:${g.number}:${g.feature}`;
  children.push(
    g.report
      ? {
          id: `${id}:report`,
          label: `Report: ${fileName(g.report)}`,
          description: g.reportUri ? g.status : 'missing',
          tooltip: g.report,
          icon: g.reportUri ? 'report' : 'error',
          uri: g.reportUri ?? undefined,
          contextValue: 'file',
          children: [],
        }
      : { id: `${id}:report`, label: 'Report: none named', tooltip: 'No layer names a gap_report for this gap', icon: 'error', contextValue: 'missing', children: [] },
  );
  if (g.suite) {
    const s = g.suite;
    children.push({
      id: `${id}:suite`,
      label: `Suite: ${fileName(s.path)}`,
      description: s.uri ? `${plural(s.tests, 'test')}${s.ids.length ? ` (${s.ids.join(', ')})` : ''}` : 'missing',
      tooltip: `${s.path}\n${plural(s.tests, 'test')}${s.tests < 3 ? ' (the guide asks for 3–5)' : ''}`,
      icon: !s.uri || s.tests < 3 ? 'warning' : 'suite',
      uri: s.uri ?? undefined,
      contextValue: 'file',
      children: [],
    });
  }
  for (const layer of g.affectedLayers) {
    children.push({ id: `${id}:layer:${layer}`, label: layer, tooltip: `Affected layer: ${layer}`, icon: 'layer', contextValue: 'layer', children: [] });
  }
  const suiteText = g.suite ? `, ${plural(g.suite.tests, 'test')}` : '';
  return {
    id,
    label: `${g.number}. ${g.feature}`,
    description: `${g.severity} · ${g.status}${suiteText}`,
    tooltip: [`${g.gapType}: ${g.feature}`, `Severity: ${g.severity}`, `Status: ${g.status}`, g.unaccounted ? `Unaccounted: ${g.unaccounted}` : 'Accounted for'].join('\n'),
    icon: g.unaccounted ? 'warning' : 'gap',
    uri: g.reportUri ?? undefined,
    contextValue: 'gap',
    children,
  };
}

/** The three sections of the view. */
export function registryTree(r: RegistryResult): Node[] {
  const c = r.checklist;
  const unaccounted = r.gaps.filter((g) => g.unaccounted);
  return [
    {
      id: 'section:models',
      label: 'Models',
      description: String(r.models.length),
      tooltip: 'The model configs (backend/data/model_configs/*.json): total parameters and findings',
      icon: 'folder',
      contextValue: 'section',
      children: r.models.map(modelNode),
    },
    {
      id: 'section:gaps',
      label: 'Gap Registry',
      description: `${plural(c.gapsIdentified, 'gap')}, ${plural(c.testsWritten, 'test')}`,
      tooltip: "The guide's §6.1 gap registry and §6.2 test suites",
      icon: 'folder',
      contextValue: 'section',
      children: r.gaps.map(gapNode),
    },
    {
      id: 'section:unaccounted',
      label: `Unaccounted gaps: ${c.unaccounted}`,
      description: `${c.gapsIdentified} identified − ${c.reportsCreated} reports − ${c.documentedInExistingReports} documented`,
      tooltip: "The guide's §6.3: Unaccounted gaps = N − M − P, which must be 0",
      icon: c.unaccounted ? 'warning' : 'pass',
      contextValue: 'section',
      children: unaccounted.map((g) => ({
        id: `unaccounted:${g.number}:${g.feature}`,
        label: g.feature,
        description: g.unaccounted ?? '',
        tooltip: `${g.feature} (${g.affectedLayers.join(', ')}): ${g.unaccounted}`,
        icon: 'warning' as const,
        uri: g.reportUri ?? undefined,
        contextValue: 'gap',
        children: [],
      })),
    },
  ];
}
