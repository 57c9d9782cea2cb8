import { Chart, Testing } from 'cdk8s';
import { EnvoyFiles, buildPlainWorkloads } from '../scripts/bench/baseline';
import { BenchVariant, buildMeshkitWorkloads, workloadName } from '../scripts/bench/workloads';
import * as meshkit from '../src';

/*
 * `npm run bench` times the library (side a) against hand-written cdk8s-plus-25 code building its
 * Envoy JSON from object literals (side b) and the same code handed the library's Envoy JSON as
 * strings (side g). The comparison means something only while the three synthesize the same
 * objects: the benchmark checks it before it times anything, and this test keeps it checked
 * whenever the library's output changes, so that a changed default shows up here, not only on the
 * next benchmark run.
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

  test('side b (hand-written Envoy JSON) synthesizes what side a does, byte for byte', () => {
    const b = synth((chart) => buildPlainWorkloads(chart, N, undefined, variant));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test('side g (the Envoy JSON given as strings) synthesizes what side a does, byte for byte', () => {
    const g = synth((chart) => buildPlainWorkloads(chart, N, envoyFiles(a), variant));
    expect(JSON.stringify(g)).toBe(JSON.stringify(a));
  });

  test('the comparison fails when side b\'s Envoy JSON differs', () => {
    const files = envoyFiles(a).map((f) => ({ ...f, bootstrap: f.bootstrap.replace('"port_value": 9901', '"port_value": 9900') }));
    const changed = synth((chart) => buildPlainWorkloads(chart, N, files, variant));
    expect(JSON.stringify(changed)).not.toBe(JSON.stringify(a));
  });
});
