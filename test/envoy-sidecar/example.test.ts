import { Testing } from 'cdk8s';
import { EnvoyPhasesChart } from '../../examples/envoy-phases';
import { KuardMarin3rChart, KuardTlsChart } from '../../examples/envoy-tls-offload';
import { expectSchemaValid, findOne, synthChart } from '../harness';

describe('seed 003 phases example', () => {
  const objects = synthChart(new EnvoyPhasesChart(Testing.app(), 'envoy-phases'));
  const bootstrap = JSON.parse(findOne(objects, 'ConfigMap', 'restbase-envoy').data['envoy.json']);
  const mathoid = bootstrap.static_resources.clusters.find((c: any) => c.name === 'mathoid');

  test("restbase's Envoy reaches every mathoid pod through a headless Service, so outlier detection has members to eject", () => {
    const headless = findOne(objects, 'Service', 'mathoid-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.selector).toEqual(findOne(objects, 'Deployment', 'mathoid').spec.selector.matchLabels);
    expect(headless.spec.ports).toEqual([{ name: 'envoy-http', port: 10044, targetPort: 10044 }]);
    expect(mathoid.type).toBe('STRICT_DNS');
    const endpoint = mathoid.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(endpoint).toEqual({ address: 'mathoid-headless.envoy-phases.svc.cluster.local', port_value: 10044 });
    expect(mathoid.outlier_detection).toMatchObject({ consecutive_5xx: 5, max_ejection_percent: 50 });
  });

  test("restbase's calls to mathoid retry an attempt that hit its 1.5s per-try timeout (\"reset\") on another pod; all three attempts fit in the 5s route timeout", () => {
    const outbound = bootstrap.static_resources.listeners.find((l: any) => l.name === 'outbound-mathoid');
    const route = outbound.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route;
    expect(route.timeout).toBe('5s');
    expect(route.retry_policy).toEqual({
      retry_on: 'connect-failure,refused-stream,reset',
      num_retries: 2,
      per_try_timeout: '1.5s',
      retry_host_predicate: [expect.objectContaining({ name: 'envoy.retry_host_predicates.previous_hosts' })],
      host_selection_retry_max_attempts: 3,
    });
    expect((route.retry_policy.num_retries + 1) * parseFloat(route.retry_policy.per_try_timeout)).toBeLessThanOrEqual(parseFloat(route.timeout));
  });

  test('kuard, which exits on SIGTERM, keeps serving while each Envoy drains', () => {
    for (const name of ['mathoid', 'restbase']) {
      const app = findOne(objects, 'Deployment', name).spec.template.spec.containers.find((c: any) => c.name === name);
      expect(app.lifecycle).toEqual({ preStop: { sleep: { seconds: 16 } } });
    }
  });

  test('both Envoys are scraped on their stats listener and run two workers', () => {
    for (const name of ['mathoid', 'restbase']) {
      const template = findOne(objects, 'Deployment', name).spec.template;
      expect(template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9902', 'prometheus.io/path': '/stats/prometheus' });
      const envoy = template.spec.containers.find((c: any) => c.name === 'envoy');
      expect(envoy.args.slice(envoy.args.indexOf('--concurrency'), envoy.args.indexOf('--concurrency') + 2)).toEqual(['--concurrency', '2']);
    }
    expectSchemaValid(objects);
  });
});

describe('seed 002 examples', () => {
  test('marin3r: the pod runs as the envoy user, the admin API stays where marin3r probes it', () => {
    const objects = synthChart(new KuardMarin3rChart(Testing.app(), 'kuard-marin3r'));
    const template = findOne(objects, 'Deployment', 'kuard').spec.template;
    // the pod-level user and seccomp profile are those of the containers marin3r injects without a securityContext
    expect(template.spec.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 101, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // kuard keeps its own user
    expect(template.spec.containers[0].securityContext.runAsUser).toBe(65534);
    expect(Object.keys(template.metadata.annotations).filter((k) => k.startsWith('marin3r.3scale.net/admin'))).toEqual(['marin3r.3scale.net/admin.port']);
    expect(template.metadata.annotations['marin3r.3scale.net/ports']).toBe('envoy-https:8443,envoy-stats:9902');
    // kuard exits on SIGTERM: marin3r's shutdown manager holds it until Envoy has drained
    expect(template.metadata.annotations['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']).toBe('kuard');
    // other pods and clients reach the HTTPS listener and the stats port only, not the admin API
    // (9901) or the shutdown manager (8090) that marin3r puts on the pod IP
    const policy = findOne(objects, 'NetworkPolicy', 'kuard-listeners-only');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cdk8s.io/metadata.addr': template.metadata.labels['cdk8s.io/metadata.addr'] } });
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress.map((r: any) => [r.from, r.ports.map((p: any) => p.port)])).toEqual([
      [[{ namespaceSelector: {}, podSelector: {} }], [8443, 9902]],
      [[{ ipBlock: { cidr: '0.0.0.0/0' } }], [8443, 9902]],
      [[{ ipBlock: { cidr: '::/0' } }], [8443, 9902]],
    ]);
    expectSchemaValid(objects);
  });

  test('ConfigMap delivery: Envoy on 8443 behind Service port 443', () => {
    const objects = synthChart(new KuardTlsChart(Testing.app(), 'kuard-tls'));
    expect(findOne(objects, 'Service', 'kuard').spec.ports[0]).toMatchObject({ port: 443, targetPort: 8443 });
    const kuard = findOne(objects, 'Deployment', 'kuard').spec.template.spec.containers.find((c: any) => c.name === 'kuard');
    expect(kuard.lifecycle).toEqual({ preStop: { sleep: { seconds: 16 } } });
    expectSchemaValid(objects);
  });
});
