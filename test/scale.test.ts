import { Chart, Testing } from 'cdk8s';
import { expectSchemaValid, synthChart } from './harness';
import { NAMESPACE, WORKLOAD, buildMeshkitWorkloads, workloadName } from '../scripts/bench/workloads';
import * as meshkit from '../src';

/*
 * The benchmark's workload (scripts/bench/workloads.ts: Envoy sidecar with TLS and two upstreams,
 * the SigSci agent wired into it, scrape annotations, a Service), 200 times in one chart: every
 * workload gets all of its objects, complete, valid and distinct from the others. Not timed
 * (`npm run bench` measures time).
 */
const N = 200;

describe(`${N} workloads in one chart`, () => {
  const names = Array.from({ length: N }, (_, i) => workloadName(i));
  let objects: any[];
  let deployments: Map<string, any>;
  let configMaps: Map<string, any>;
  let services: Map<string, any>;

  beforeAll(() => {
    const chart = new Chart(Testing.app(), 'scale');
    buildMeshkitWorkloads(meshkit, chart, N);
    objects = synthChart(chart);
    const byKind = (kind: string) => new Map(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));
    deployments = byKind('Deployment');
    configMaps = byKind('ConfigMap');
    services = byKind('Service');
  });

  test('synthesizes one Deployment, ConfigMap and Service per workload, and nothing else', () => {
    expect(objects).toHaveLength(3 * N);
    expect([...deployments.keys()].sort()).toEqual(names);
    expect([...configMaps.keys()].sort()).toEqual(names.map((n) => `${n}-envoy`));
    expect([...services.keys()].sort()).toEqual(names);
    expect(objects.every((o) => o.metadata.namespace === NAMESPACE)).toBe(true);
  });

  test('gives every pod its app, Envoy and agent containers, volumes and annotations', () => {
    for (const name of names) {
      const template = deployments.get(name).spec.template;
      expect(template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'envoy', 'sigsci-agent']);
      expect(template.spec.volumes.map((v: any) => v.name)).toEqual(['envoy-config', `tls-${name}-tls`, 'sigsci-tmp']);
      expect(template.spec.volumes[0].configMap.name).toBe(`${name}-envoy`);
      expect(template.metadata.annotations).toEqual({
        [`config-hash.meshkit.dev/${name}-envoy`]: expect.stringMatching(/^[0-9a-f]{64}$/),
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(WORKLOAD.statsPort),
        'prometheus.io/path': '/stats/prometheus',
      });
    }
  });

  test('ships each workload its own bootstrap, which passes Envoy\'s protos, and its own config hash', () => {
    const hashes = new Set<string>();
    for (const name of names) {
      const data = configMaps.get(name + '-envoy').data;
      expect(Object.keys(data).sort()).toEqual(['envoy.json', `sds-${name}-tls.json`]);
      const bootstrap = JSON.parse(data['envoy.json']);
      expect(bootstrap.node.id).toBe(name);
      expect(bootstrap.static_resources.listeners.map((l: any) => l.name)).toEqual(['stats', 'inbound', 'outbound-users', 'outbound-orders']);
      expect(bootstrap.static_resources.clusters.map((c: any) => c.name)).toEqual(['envoy-admin', 'local-app', 'users', 'orders', 'sigsci-agent-grpc']);
      expect(meshkit.EnvoyConfigValidator.validate(bootstrap).errors).toEqual([]);
      hashes.add(deployments.get(name).spec.template.metadata.annotations[`config-hash.meshkit.dev/${name}-envoy`]);
    }
    expect(hashes.size).toBe(N);
  });

  test('points each Service at its own pods and Envoy\'s TLS port', () => {
    for (const name of names) {
      const service = services.get(name);
      expect(service.spec.selector).toEqual(deployments.get(name).spec.selector.matchLabels);
      expect(service.spec.ports).toEqual([{ name: 'envoy-https', port: 443, targetPort: WORKLOAD.inboundPort }]);
    }
    const selectors = new Set([...services.values()].map((s) => JSON.stringify(s.spec.selector)));
    expect(selectors.size).toBe(N);
  });

  test('every object passes the independent schemas', () => {
    expectSchemaValid(objects);
  });
});
