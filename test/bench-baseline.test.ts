import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as ts from 'typescript';
import { EnvoyFiles, buildPlainWorkloads, envoyTemplates, givenSource, literalSource, templateSource } from '../scripts/bench/baseline';
import { BenchVariant, buildMeshkitWorkloads, workloadName } from '../scripts/bench/workloads';
import * as meshkit from '../src';

/*
 * `npm run bench` times the library (side a) against hand-written cdk8s-plus-25 code whose Envoy
 * JSON comes from object literals (side b), from a text template (side t) or ready-made (side g).
 * The comparison means something only while they all synthesize the same objects: the benchmark
 * checks it before it times anything, and this test keeps it checked whenever the library's
 * output changes, so that a changed default shows up here, not only on the next benchmark run.
 */
const N = 12;

function synth(build: (chart: Chart) => void): any[] {
  const chart = new Chart(Testing.app(), 'bench');
  build(chart);
  return chart.toJson();
}

/** Side a's Envoy documents, as the benchmark's `files` mode writes them for side g. */
function envoyFiles(objects: any[]): EnvoyFiles[] {
  return Array.from({ length: N }, (_, i) => {
    const name = workloadName(i);
    const data = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${name}-envoy`).data;
    return { bootstrap: data['envoy.json'], sds: data[`sds-${name}-tls.json`] };
  });
}

describe.each<BenchVariant>(['full', 'envoy'])('the benchmark\'s sides, workload variant %s', (variant) => {
  let a: any[];
  beforeAll(() => {
    a = synth((chart) => buildMeshkitWorkloads(meshkit, chart, N, variant));
  });

  test('side a synthesizes a Deployment, a ConfigMap and a Service per workload', () => {
    expect(a.map((o) => o.kind).sort()).toEqual([...Array(N).fill('ConfigMap'), ...Array(N).fill('Deployment'), ...Array(N).fill('Service')]);
    const containers = a.find((o) => o.kind === 'Deployment').spec.template.spec.containers.map((c: any) => c.name);
    expect(containers).toEqual(variant === 'full' ? ['app', 'envoy', 'sigsci-agent'] : ['app', 'envoy']);
  });

  test('side b (Envoy JSON from object literals) synthesizes what side a does, byte for byte', () => {
    const b = synth((chart) => buildPlainWorkloads(chart, N, literalSource(), variant));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test('side t (Envoy JSON from a template) synthesizes what side a does, byte for byte', () => {
    const templates = envoyTemplates(envoyFiles(a)[0]);
    expect(templates.bootstrap).toContain('"id": "{{name}}"');
    expect(templates.bootstrap).toContain('"address": "users-{{shard}}.bench.svc.cluster.local"');
    const t = synth((chart) => buildPlainWorkloads(chart, N, templateSource(templates), variant));
    expect(JSON.stringify(t)).toBe(JSON.stringify(a));
  });

  test('side g (the Envoy JSON given as strings) synthesizes what side a does, byte for byte', () => {
    const g = synth((chart) => buildPlainWorkloads(chart, N, givenSource(envoyFiles(a)), variant));
    expect(JSON.stringify(g)).toBe(JSON.stringify(a));
  });

  test('a changed Envoy document changes what a hand-written side synthesizes (the comparison can fail)', () => {
    const files = envoyFiles(a).map((f) => ({ ...f, bootstrap: f.bootstrap.replace('"port_value": 9901', '"port_value": 9900') }));
    const changed = synth((chart) => buildPlainWorkloads(chart, N, givenSource(files), variant));
    expect(JSON.stringify(changed)).not.toBe(JSON.stringify(a));
  });
});

/** The modules a file loads at run time: its imports and exports that are not type-only, and its require() and import() calls. */
function runtimeModules(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.importClause?.namedBindings;
      const allTypes = named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)
        && node.importClause?.name === undefined;
      if (!allTypes) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword
      || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const arg = node.arguments[0];
      found.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the hand-written sides use nothing of the library at run time', () => {
  const dir = path.join(__dirname, '..', 'scripts', 'bench');
  const allowed = ['crypto', 'cdk8s', 'cdk8s-plus-25', 'constructs', './baseline-envoy', './workloads'];
  for (const file of ['baseline.ts', 'baseline-envoy.ts', 'workloads.ts']) {
    const modules = runtimeModules(path.join(dir, file));
    expect(modules.length).toBeGreaterThan(0);
    expect({ file, modules: modules.filter((m) => !allowed.includes(m)) }).toEqual({ file, modules: [] });
  }
  // the check sees what it must: a value import of the library, and a require() of it
  expect(runtimeModules(path.join(__dirname, 'scale.test.ts'))).toContain('../src');
  expect(runtimeModules(path.join(dir, 'worker.ts'))).toEqual(expect.arrayContaining(['./baseline', './workloads', 'cdk8s']));
});
