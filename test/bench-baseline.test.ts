import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
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

test('the hand-written sides use nothing of the library at run time', () => {
  for (const file of ['baseline.ts', 'baseline-envoy.ts']) {
    const source = fs.readFileSync(path.join(__dirname, '..', 'scripts', 'bench', file), 'utf8');
    const imports = [...source.matchAll(/^import (type )?.*? from '([^']+)';$/gm)].map((m) => ({ typeOnly: m[1] !== undefined, from: m[2] }));
    expect(imports.length).toBeGreaterThan(0);
    for (const i of imports) {
      expect({ file, ...i, allowed: i.typeOnly || ['crypto', 'cdk8s', 'cdk8s-plus-25', 'constructs', './baseline-envoy', './workloads'].includes(i.from) })
        .toEqual({ file, ...i, allowed: true });
    }
  }
  // workloads.ts, which both import, takes the library only as a type
  const workloads = fs.readFileSync(path.join(__dirname, '..', 'scripts', 'bench', 'workloads.ts'), 'utf8');
  expect(workloads).toMatch(/^import type \* as Meshkit from '\.\.\/\.\.\/src';$/m);
  expect(workloads.match(/from '\.\.\/\.\.\/(src|lib)[^']*'/g)).toHaveLength(1);
});
