import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import {
  EnvoyConfigValidator, EnvoyDelivery, EnvoySidecar, SigSciAgentService, SigSciAgentServiceProps, SigSciCredentials, SigSciFailureMode,
} from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

function setup(props: Partial<SigSciAgentServiceProps> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const app = new kplus.Deployment(chart, 'web', {
    metadata: { name: 'web' },
    containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ number: 8080 }] }],
  });
  const envoy = new EnvoySidecar(chart, 'envoy', { workload: app, inbound: { port: 8000, targetPort: 8080 } });
  const keys = kplus.Secret.fromSecretName(chart, 'keys', 'sigsci.shop');
  const agents = new SigSciAgentService(chart, 'waf', { credentials: SigSciCredentials.fromSecret(keys), ...props });
  return { chart, app, envoy, agents };
}

const bootstrapOf = (objects: any[]) => JSON.parse(findOne(objects, 'ConfigMap', 'web-envoy').data['envoy.json']);

describe('SigSciAgentService', () => {
  test('runs the agents as their own Deployment with replicas, listening on 0.0.0.0', () => {
    const s = setup({ replicas: 3 });
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    const deployment = findOne(objects, 'Deployment', 'sigsci-agent');
    expect(deployment.metadata.namespace).toBe('shop');
    expect(deployment.spec.replicas).toBe(3);
    const c = deployment.spec.template.spec.containers[0];
    expect(c.name).toBe('sigsci-agent');
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.SIGSCI_ENVOY_GRPC_ADDRESS).toBe('0.0.0.0:9999');
    expect(env.SIGSCI_ENVOY_EXPECT_RESPONSE_DATA).toBe('1');
    expect(env.SIGSCI_ACCESSKEYID).toEqual({ secretKeyRef: { name: 'sigsci.shop', key: 'accesskeyid' } });
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 9999 });
    expect(c.startupProbe.httpGet).toEqual({ path: '/startup', port: 2024, scheme: 'HTTP' });
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    expectSchemaValid(objects);
  });

  test('exposes the agents through a Service on the gRPC port', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    const service = findOne(synthChart(s.chart), 'Service', 'sigsci-agent');
    expect(service.spec.ports).toEqual([{ name: 'grpc-sigsci', port: 9999, targetPort: 9999 }]);
    expect(s.agents.host).toBe('sigsci-agent.shop.svc.cluster.local');
  });

  test('the Service host ends with the cluster domain given, in the Envoy cluster and the DestinationRule', () => {
    const s = setup({ clusterDomain: 'corp.internal', istioAffinity: {} });
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    expect(s.agents.host).toBe('sigsci-agent.shop.svc.corp.internal');
    const cluster = bootstrapOf(objects).static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc');
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address).toBe('sigsci-agent.shop.svc.corp.internal');
    expect(findOne(objects, 'DestinationRule').spec.host).toBe('sigsci-agent.shop.svc.corp.internal');
  });

  test('keeps TCP keepalive on the connections to the agents, so a connection to an agent that died is closed instead of timing out every check', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    const cluster = bootstrapOf(synthChart(s.chart)).static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc');
    expect(cluster.upstream_connection_options).toEqual({ tcp_keepalive: { keepalive_probes: 3, keepalive_time: 10, keepalive_interval: 5 } });
    // no HTTP/2 PINGs, which a gRPC server may take as abuse on the access-log stream
    expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config)
      .toEqual({ http2_protocol_options: {} });
  });

  test('keeps each client pod on one agent, so a request\'s check and its response data meet', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    const service = findOne(objects, 'Service', 'sigsci-agent');
    expect(service.spec.sessionAffinity).toBe('ClientIP');
    expect(service.spec.type).toBe('ClusterIP');
    expectSchemaValid(objects);
  });

  test('makes no DestinationRule unless asked for Istio affinity', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    expect(synthChart(s.chart).filter((o: any) => o.kind === 'DestinationRule')).toEqual([]);
    expect(s.agents.destinationRule).toBeUndefined();
  });

  test('inside an Istio mesh, hashes clients onto agents by source IP with a DestinationRule', () => {
    const s = setup({ istioAffinity: {} });
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    const rule = findOne(objects, 'DestinationRule', 'sigsci-agent');
    expect(rule.apiVersion).toBe('networking.istio.io/v1');
    expect(rule.metadata.namespace).toBe('shop');
    expect(rule.spec).toEqual({
      host: 'sigsci-agent.shop.svc.cluster.local',
      trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } },
    });
    expect(s.agents.destinationRule).toBeDefined();
    expectSchemaValid(objects);
  });

  test('writes the DestinationRule as v1beta1 for Istio before 1.22', () => {
    const s = setup({ istioAffinity: { istioVersion: '1.21' } });
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    expect(findOne(objects, 'DestinationRule', 'sigsci-agent').apiVersion).toBe('networking.istio.io/v1beta1');
    expectSchemaValid(objects);
  });

  test('does not hold the pods\' readiness on the shared agents unless asked', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    expect(bootstrapOf(synthChart(s.chart)).static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc').health_checks).toBeUndefined();
    const asked = setup();
    asked.agents.addEnvoy(asked.envoy, { holdReadiness: true });
    const b = bootstrapOf(synthChart(asked.chart));
    expect(b.static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc').health_checks[0].tcp_health_check).toEqual({});
    const stats = b.static_resources.listeners.find((l: any) => l.name === 'stats').filter_chains[0].filters[0].typed_config;
    expect(stats.http_filters[0].typed_config.cluster_min_healthy_percentages).toEqual({ 'sigsci-agent-grpc': { value: 100 } });
  });

  test('points each Envoy at the Service with a STRICT_DNS cluster, the filter and the access log', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy, { failureMode: SigSciFailureMode.FAIL_CLOSED, grpcTimeout: Duration.seconds(2) });
    const b = bootstrapOf(synthChart(s.chart));
    const cluster = b.static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc');
    expect(cluster.type).toBe('STRICT_DNS');
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'sigsci-agent.shop.svc.cluster.local', port_value: 9999 });
    const hcm = b.static_resources.listeners.find((l: any) => l.name === 'inbound').filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters[0].typed_config).toMatchObject({ failure_mode_allow: false, grpc_service: { envoy_grpc: { cluster_name: 'sigsci-agent-grpc' }, timeout: '2s' } });
    expect(hcm.access_log.map((l: any) => l.name)).toContain('envoy.access_loggers.http_grpc');
    expect(EnvoyConfigValidator.validate(b, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
  });

  test('admits only the connected workloads to the gRPC port', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    const policy = findOne(objects, 'NetworkPolicy', 'sigsci-agent');
    expect(policy.spec.podSelector.matchLabels).toEqual(findOne(objects, 'Deployment', 'sigsci-agent').spec.selector.matchLabels);
    expect(policy.spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: findOne(objects, 'Deployment', 'web').spec.selector.matchLabels }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }],
      ports: [{ port: 9999, protocol: 'TCP' }],
    }]);
    expectSchemaValid(objects);
  });

  test('works with marin3r-delivered Envoys, whose EnvoyConfig passes validation', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const app = new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      securityContext: { user: 101, group: 101 },
      containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ number: 8080 }] }],
    });
    const envoy = new EnvoySidecar(chart, 'envoy', { workload: app, inbound: { port: 8000, targetPort: 8080 }, delivery: EnvoyDelivery.marin3r({ nodeId: 'web' }) });
    new SigSciAgentService(chart, 'waf', { credentials: SigSciCredentials.fromSecret(kplus.Secret.fromSecretName(chart, 'keys', 'sigsci.shop')), envoys: [envoy] });
    const objects = synthChart(chart);
    const resources = findOne(objects, 'EnvoyConfig', 'web').spec.resources;
    const cluster = resources.find((r: any) => r.type === 'cluster' && r.value.name === 'sigsci-agent-grpc').value;
    expect(cluster.type).toBe('STRICT_DNS');
    expect(EnvoyConfigValidator.validate(cluster, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    const inbound = resources.find((r: any) => r.type === 'listener' && r.value.name === 'inbound').value;
    expect(EnvoyConfigValidator.validate(inbound, EnvoyConfigValidator.LISTENER).errors).toEqual([]);
    expectSchemaValid(objects);
  });

  test('without response data, Envoys get no access logger and the agents no expectation', () => {
    const s = setup({ expectResponseData: false });
    s.agents.addEnvoy(s.envoy);
    const objects = synthChart(s.chart);
    const hcm = bootstrapOf(objects).static_resources.listeners.find((l: any) => l.name === 'inbound').filter_chains[0].filters[0].typed_config;
    expect(hcm.access_log.map((l: any) => l.name)).toEqual(['envoy.access_loggers.stdout']);
    const env = findOne(objects, 'Deployment', 'sigsci-agent').spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).not.toContain('SIGSCI_ENVOY_EXPECT_RESPONSE_DATA');
  });
});

describe('SigSciAgentService rejects', () => {
  test('no connected Envoy, at synth', () => {
    const s = setup();
    expect(() => runValidations(s.chart))
      .toThrow('test/waf: envoys: no Envoy sidecar sends requests to agent service "sigsci-agent"; pass envoys or call addEnvoy(envoy) for each');
  });

  test('a privileged gRPC port, which the agent (not root, no capabilities) can\'t bind', () => {
    expect(() => setup({ grpcPort: 443 })).toThrow(
      "test/waf: grpcPort: 443 is a privileged port, which the agent (a non-root user) can't bind without NET_BIND_SERVICE; use a port from 1024 up (e.g. 9999)");
  });

  test('a cluster domain that is not a DNS name', () => {
    expect(() => setup({ clusterDomain: 'corp internal' })).toThrow('test/waf: clusterDomain: "corp internal"');
  });

  test('an agent service of unknown namespace for an Envoy in a known one (the bare Service name would resolve in the Envoy\'s namespace)', () => {
    const chart = new Chart(Testing.app(), 'test');
    const app = new kplus.Deployment(chart, 'web', { metadata: { name: 'web', namespace: 'shop' }, containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ number: 8080 }] }] });
    const envoy = new EnvoySidecar(chart, 'envoy', { workload: app, inbound: { port: 8000, targetPort: 8080 } });
    const agents = new SigSciAgentService(chart, 'waf', { credentials: SigSciCredentials.fromSecret(kplus.Secret.fromSecretName(chart, 'keys', 'sigsci')) });
    expect(() => agents.addEnvoy(envoy)).toThrow(
      'test/waf: namespace: is not known, so the agents\' host is the bare name "sigsci-agent", which Envoy sidecar test/envoy in namespace "shop" would resolve in its own namespace; '
      + 'give the agent service a namespace (or put it in a chart with one)');
  });

  test('connecting the same Envoy twice', () => {
    const s = setup();
    s.agents.addEnvoy(s.envoy);
    expect(() => s.agents.addEnvoy(s.envoy)).toThrow('test/waf: addEnvoy: Envoy sidecar test/envoy is already connected; connect each Envoy sidecar once');
  });

  test('an Istio version that is not one', () => {
    expect(() => setup({ istioAffinity: { istioVersion: 'latest' } }))
      .toThrow('test/waf: istioAffinity.istioVersion: "latest" is not an Istio version; give a release such as "1.30" or "1.30.3"');
  });

  test('zero replicas', () => {
    expect(() => setup({ replicas: 0 })).toThrow('test/waf: replicas: 0 is not a replica count; use an integer of at least 1');
  });

  test('no credentials', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new SigSciAgentService(chart, 'waf', { credentials: undefined as unknown as SigSciCredentials }))
      .toThrow('test/waf: credentials: received undefined');
  });
});
