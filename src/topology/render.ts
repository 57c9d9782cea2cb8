/**
 * Renders a topology as a Mermaid flowchart or a Graphviz DOT digraph. Workloads are groups
 * (Mermaid subgraphs, DOT clusters) holding their containers and Envoy clusters; objects that
 * failed a check are drawn red. Every label is escaped for its format.
 */
import { TopologyNode, TopologyNodeKind } from './model';
import { TopologyGraph } from './topology';

/** The formats `renderTopology` writes. @internal */
export const TOPOLOGY_FORMATS: readonly string[] = ['mermaid', 'dot'];

/** @internal */
export function renderTopology(graph: TopologyGraph, format: string): string {
  if (format === 'mermaid') return toMermaid(graph);
  if (format === 'dot') return toDot(graph);
  throw new Error(`topology: format: unknown format "${format}"; use one of ${TOPOLOGY_FORMATS.join(', ')}`);
}

const FAILED_FILL = '#fde2e2';
const FAILED_STROKE = '#c62828';

/** Mermaid node shapes by kind: [open, close]. */
const MERMAID_SHAPES: Readonly<Record<string, [string, string]>> = {
  [TopologyNodeKind.INGRESS]: ['(["', '"])'],
  [TopologyNodeKind.GATEWAY]: ['{{"', '"}}'],
  [TopologyNodeKind.VIRTUAL_SERVICE]: ['[/"', '"/]'],
  [TopologyNodeKind.SERVICE]: ['("', '")'],
  [TopologyNodeKind.SERVICE_ENTRY]: ['>"', '"]'],
  [TopologyNodeKind.WORKLOAD]: ['["', '"]'],
  [TopologyNodeKind.CONTAINER]: ['["', '"]'],
  [TopologyNodeKind.ENVOY_CLUSTER]: ['[["', '"]]'],
  [TopologyNodeKind.CERTIFICATE]: ['[("', '")]'],
  [TopologyNodeKind.AUTHORIZATION_POLICY]: ['{"', '"}'],
  [TopologyNodeKind.ENVOY_FILTER]: ['[\\"', '"\\]'],
  [TopologyNodeKind.EXTERNAL]: ['(("', '"))'],
};

/** Fill colours by kind (and by container role), shared by both formats. */
const FILLS: Readonly<Record<string, string>> = {
  [TopologyNodeKind.INGRESS]: '#e3f2fd',
  [TopologyNodeKind.GATEWAY]: '#e8eaf6',
  [TopologyNodeKind.VIRTUAL_SERVICE]: '#ede7f6',
  [TopologyNodeKind.SERVICE]: '#e0f2f1',
  [TopologyNodeKind.SERVICE_ENTRY]: '#f1f8e9',
  [TopologyNodeKind.WORKLOAD]: '#fafafa',
  [TopologyNodeKind.CONTAINER]: '#ffffff',
  [TopologyNodeKind.ENVOY_CLUSTER]: '#fff8e1',
  [TopologyNodeKind.CERTIFICATE]: '#f3e5f5',
  [TopologyNodeKind.AUTHORIZATION_POLICY]: '#fff3e0',
  [TopologyNodeKind.ENVOY_FILTER]: '#fff3e0',
  [TopologyNodeKind.EXTERNAL]: '#eeeeee',
  'role:envoy': '#fff8e1',
  'role:sigsci-agent': '#fce4ec',
  'role:oauth2-proxy': '#fff3e0',
  'role:redis': '#ffebee',
  'role:istio-proxy': '#e3f2fd',
  'role:cert-sidecar': '#e3f2fd',
  'role:speedscale': '#f1f8e9',
};

function fillOf(n: TopologyNode): string {
  return (n.role && FILLS[`role:${n.role}`]) || FILLS[n.kind] || '#ffffff';
}

/** A Mermaid flowchart (left to right). */
function toMermaid(graph: TopologyGraph): string {
  const children = childrenByParent(graph);
  const lines = ['flowchart LR'];
  const classes = new Map<string, string[]>();
  const addClass = (cls: string, id: string) => classes.set(cls, [...(classes.get(cls) ?? []), id]);
  const nodeLine = (n: TopologyNode, indent: string) => {
    const [open, close] = MERMAID_SHAPES[n.kind] ?? ['["', '"]'];
    lines.push(`${indent}${n.id}${open}${mermaidText(n.label)}${close}`);
  };
  for (const n of topLevel(graph)) {
    const kids = children.get(n.id) ?? [];
    if (kids.length > 0) {
      lines.push(`  subgraph ${n.id}["${mermaidText(n.label)}"]`);
      lines.push('    direction TB');
      for (const k of kids) {
        nodeLine(k, '    ');
        addClass(classOf(k), k.id);
        if (k.failed) addClass('failed', k.id);
      }
      lines.push('  end');
    } else {
      nodeLine(n, '  ');
    }
    addClass(classOf(n), n.id);
    if (n.failed) addClass('failed', n.id);
  }
  for (const e of graph.edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    lines.push(`  ${e.source} ${arrow}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${e.target}`);
  }
  for (const [cls, fill] of Object.entries(FILLS)) {
    if (classes.has(cssName(cls))) lines.push(`  classDef ${cssName(cls)} fill:${fill},stroke:#607d8b,color:#102027`);
  }
  lines.push(`  classDef failed fill:${FAILED_FILL},stroke:${FAILED_STROKE},stroke-width:3px,color:#b71c1c`);
  // "failed" last, so that its colours win
  for (const [cls, ids] of [...classes.entries()].sort(([a], [b]) => Number(a === 'failed') - Number(b === 'failed'))) {
    lines.push(`  class ${ids.join(',')} ${cls}`);
  }
  return `${lines.join('\n')}\n`;
}

function classOf(n: TopologyNode): string {
  return cssName(n.role && FILLS[`role:${n.role}`] ? `role:${n.role}` : n.kind);
}

function cssName(key: string): string {
  return `k_${key.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/**
 * Text inside a quoted Mermaid label: entity codes for the characters Mermaid would read as
 * syntax or markup, `<br/>` for line breaks.
 */
function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\n/g, '<br/>');
}

/** A Graphviz digraph (left to right); workloads are clusters, edges to them end at their border. */
function toDot(graph: TopologyGraph): string {
  const children = childrenByParent(graph);
  const anchor = new Map<string, string>(); // a workload's id → the node edges attach to
  const lines = [
    'digraph topology {',
    '  graph [rankdir=LR, compound=true, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.7, newrank=true];',
    '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", color="#607d8b"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#455a64"];',
  ];
  const nodeLine = (n: TopologyNode, indent: string) => {
    const attrs = [`label=${dotString(n.label)}`, `shape=${DOT_SHAPES[n.kind] ?? 'box'}`, `fillcolor=${dotString(n.failed ? FAILED_FILL : fillOf(n))}`];
    if (n.failed) attrs.push(`color=${dotString(FAILED_STROKE)}`, 'penwidth=2.5', `fontcolor=${dotString('#b71c1c')}`);
    if (n.kind === TopologyNodeKind.EXTERNAL) attrs.push('style="rounded,filled,dashed"');
    lines.push(`${indent}${dotString(n.id)} [${attrs.join(', ')}];`);
  };
  for (const n of topLevel(graph)) {
    const kids = children.get(n.id) ?? [];
    if (kids.length === 0) {
      nodeLine(n, '  ');
      continue;
    }
    anchor.set(n.id, kids[0].id);
    lines.push(`  subgraph ${dotString(`cluster_${n.id}`)} {`);
    lines.push(`    label=${dotString(n.label)}; style="rounded,filled"; fillcolor=${dotString(n.failed ? FAILED_FILL : fillOf(n))};`
      + ` color=${dotString(n.failed ? FAILED_STROKE : '#90a4ae')};${n.failed ? ' penwidth=2.5;' : ''}`);
    for (const k of kids) nodeLine(k, '    ');
    // the containers of a pod side by side (one rank), its Envoy clusters after them
    const containers = kids.filter((k) => k.kind === TopologyNodeKind.CONTAINER);
    if (containers.length > 1) lines.push(`    { rank=same; ${containers.map((k) => dotString(k.id)).join('; ')}; }`);
    lines.push('  }');
  }
  for (const e of graph.edges) {
    const attrs: string[] = [];
    const source = anchor.get(e.source) ?? e.source;
    const target = anchor.get(e.target) ?? e.target;
    if (anchor.has(e.source)) attrs.push(`ltail=${dotString(`cluster_${e.source}`)}`);
    if (anchor.has(e.target)) attrs.push(`lhead=${dotString(`cluster_${e.target}`)}`);
    if (e.label) attrs.push(`label=${dotString(e.label)}`);
    if (e.dashed) attrs.push('style=dashed');
    lines.push(`  ${dotString(source)} -> ${dotString(target)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const DOT_SHAPES: Readonly<Record<string, string>> = {
  [TopologyNodeKind.INGRESS]: 'box3d',
  [TopologyNodeKind.GATEWAY]: 'hexagon',
  [TopologyNodeKind.VIRTUAL_SERVICE]: 'parallelogram',
  [TopologyNodeKind.SERVICE]: 'ellipse',
  [TopologyNodeKind.SERVICE_ENTRY]: 'cds',
  [TopologyNodeKind.CONTAINER]: 'box',
  [TopologyNodeKind.ENVOY_CLUSTER]: 'component',
  [TopologyNodeKind.CERTIFICATE]: 'note',
  [TopologyNodeKind.AUTHORIZATION_POLICY]: 'diamond',
  [TopologyNodeKind.ENVOY_FILTER]: 'trapezium',
  [TopologyNodeKind.EXTERNAL]: 'box',
  [TopologyNodeKind.WORKLOAD]: 'box',
};

/** A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n` (centred). */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** The nodes outside workloads, in the order traffic meets them (stable within a kind). */
function topLevel(graph: TopologyGraph): TopologyNode[] {
  const order: string[] = [
    TopologyNodeKind.INGRESS, TopologyNodeKind.AUTHORIZATION_POLICY, TopologyNodeKind.ENVOY_FILTER, TopologyNodeKind.GATEWAY,
    TopologyNodeKind.CERTIFICATE, TopologyNodeKind.VIRTUAL_SERVICE, TopologyNodeKind.SERVICE, TopologyNodeKind.WORKLOAD,
    TopologyNodeKind.SERVICE_ENTRY, TopologyNodeKind.EXTERNAL,
  ];
  return graph.nodes.filter((n) => !n.parent).map((n, i) => ({ n, i }))
    .sort((a, b) => order.indexOf(a.n.kind) - order.indexOf(b.n.kind) || a.i - b.i).map((x) => x.n);
}

function childrenByParent(graph: TopologyGraph): Map<string, TopologyNode[]> {
  const out = new Map<string, TopologyNode[]>();
  for (const n of graph.nodes) {
    if (n.parent) out.set(n.parent, [...(out.get(n.parent) ?? []), n]);
  }
  return out;
}
