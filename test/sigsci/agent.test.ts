import { Chart, Duration, Lazy, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import {
  EnvoyConfigValidator, EnvoyDelivery, EnvoySidecar, EnvoySidecarProps, Marin3rDiscoveryService, SigSciAgent, SigSciAgentProps,
  SigSciCredentials, SigSciFailureMode, SigSciImage,
} from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

interface Setup {
  chart: Chart;
  app: kplus.Deployment;
  keys: kplus.ISecret;
}

function setup(securityContext?: kplus.PodSecurityContextProps): Setup {
  const chart = new Chart(Testing.app(), 'test');
  const app = new kplus.Deployment(chart, 'hello', {
    metadata: { name: 'hello', namespace: 'demo' },
    securityContext,
    containers: [{ name: 'helloworld', image: 'signalsciences/example-helloworld:latest', args: ['localhost:8080'], ports: [{ number: 8080, name: 'http' }] }],
  });
  const keys = kplus.Secret.fromSecretName(chart, 'keys', 'sigsci.my-site-name-here');
  return { chart, app, keys };
}

function envoySidecar(s: Setup, props: Partial<EnvoySidecarProps> = {}): EnvoySidecar {
  return new EnvoySidecar(s.chart, 'envoy', { workload: s.app, inbound: { port: 8000, targetPort: 8080 }, ...props });
}

function agent(s: Setup, props: Partial<SigSciAgentProps> = {}): SigSciAgent {
  return new SigSciAgent(s.chart, 'waf', { workload: s.app, credentials: SigSciCredentials.fromSecret(s.keys), ...props });
}

const template = (objects: any[]) => findOne(objects, 'Deployment', 'hello').spec.template;
const agentContainer = (objects: any[]) => template(objects).spec.containers.find((c: any) => c.name === 'sigsci-agent');
const envOf = (c: any): Record<string, any> => Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const bootstrapOf = (objects: any[]) => JSON.parse(findOne(objects, 'ConfigMap', 'hello-envoy').data['envoy.json']);
const inboundHcm = (b: any) => b.static_resources.listeners.find((l: any) => l.name === 'inbound').filter_chains[0].filters[0].typed_config;
const clusterOf = (b: any, name: string) => b.static_resources.clusters.find((c: any) => c.name === name);

describe('SigSciAgent in Envoy gRPC mode (ConfigMap delivery)', () => {
  function wired(props: Partial<SigSciAgentProps> = {}, envoyProps: Partial<EnvoySidecarProps> = {}) {
    const s = setup();
    const envoy = envoySidecar(s, envoyProps);
    const waf = agent(s, { envoy, ...props });
    return { ...s, envoy, waf, objects: synthChart(s.chart) };
  }

  test('adds a sigsci-agent container with the pinned image and IfNotPresent', () => {
    const { objects } = wired();
    const c = agentContainer(objects);
    expect(c.image).toBe('signalsciences/sigsci-agent:4.75.0');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(template(objects).spec.containers.map((x: any) => x.name)).toEqual(['helloworld', 'envoy', 'sigsci-agent']);
    expectSchemaValid(objects);
  });

  test('takes the agent keys from the Secret through secretKeyRef only', () => {
    const env = envOf(agentContainer(wired().objects));
    expect(env.SIGSCI_ACCESSKEYID).toEqual({ secretKeyRef: { name: 'sigsci.my-site-name-here', key: 'accesskeyid' } });
    expect(env.SIGSCI_SECRETACCESSKEY).toEqual({ secretKeyRef: { name: 'sigsci.my-site-name-here', key: 'secretaccesskey' } });
  });

  test('reads the keys from other Secret keys when told to', () => {
    const s = setup();
    new SigSciAgent(s.chart, 'waf', {
      workload: s.app,
      credentials: SigSciCredentials.fromSecret(s.keys, { accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' }),
    });
    const env = envOf(agentContainer(synthChart(s.chart)));
    expect(env.SIGSCI_ACCESSKEYID.secretKeyRef.key).toBe('id');
    expect(env.SIGSCI_SECRETACCESSKEY.secretKeyRef.key).toBe('secret');
  });

  test('listens for Envoy on the loopback only and expects response data from the access log', () => {
    const env = envOf(agentContainer(wired().objects));
    expect(env.SIGSCI_ENVOY_GRPC_ADDRESS).toBe('127.0.0.1:9999');
    expect(env.SIGSCI_ENVOY_EXPECT_RESPONSE_DATA).toBe('1');
  });

  test('runs non-root with a read-only root, hardened, with its own requests and limits', () => {
    const c = agentContainer(wired().objects);
    expect(c.securityContext).toEqual({
      runAsUser: 65532,
      runAsGroup: 65532,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('mounts an emptyDir at /sigsci/tmp and points the socket and cache there', () => {
    const { objects } = wired();
    const c = agentContainer(objects);
    expect(c.volumeMounts).toEqual([{ mountPath: '/sigsci/tmp', name: 'sigsci-tmp' }]);
    expect(template(objects).spec.volumes).toContainEqual({ name: 'sigsci-tmp', emptyDir: { sizeLimit: '256Mi' } });
    const env = envOf(c);
    expect(env.SIGSCI_RPC_ADDRESS).toBe('/sigsci/tmp/sigsci.sock');
    expect(env.SIGSCI_SHARED_CACHE_DIR).toBe('/sigsci/tmp/cache');
  });

  test('moves rpc-address and shared-cache-dir with the temporary volume', () => {
    const { objects } = wired({ tmpDir: '/var/sigsci' });
    const c = agentContainer(objects);
    expect(c.volumeMounts).toEqual([{ mountPath: '/var/sigsci', name: 'sigsci-tmp' }]);
    expect(envOf(c)).toMatchObject({ SIGSCI_RPC_ADDRESS: '/var/sigsci/sigsci.sock', SIGSCI_SHARED_CACHE_DIR: '/var/sigsci/cache' });
  });

  test('tmpSizeLimit sets the emptyDir\'s size limit; one too small for the socket and cache is refused', () => {
    const { objects } = wired({ tmpSizeLimit: Size.gibibytes(1) });
    expect(template(objects).spec.volumes).toContainEqual({ name: 'sigsci-tmp', emptyDir: { sizeLimit: '1024Mi' } });
    expect(() => agent(setup(), { tmpSizeLimit: Size.mebibytes(8) })).toThrow(
      'test/waf: tmpSizeLimit: 8Mi is too small for the agent\'s socket and shared cache; give at least Size.mebibytes(16); the default is Size.mebibytes(256)');
    expect(() => agent(setup(), { tmpSizeLimit: '256Mi' as any })).toThrow('test/waf: tmpSizeLimit: "256Mi" is not a cdk8s Size; give e.g. Size.mebibytes(256)');
    expect(() => agent(setup(), { tmpSizeLimit: Size.kibibytes(100_000) })).toThrow(
      'test/waf: tmpSizeLimit: 97.65625Mi is not a whole number of MiB, which cdk8s-plus-25 writes emptyDir limits in; give the limit in whole MiB or GiB, e.g. Size.mebibytes(256)');
  });

  test('keeps running for Envoy\'s drain time plus 5 seconds before it stops', () => {
    expect(agentContainer(wired().objects).lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(agentContainer(wired({}, { drainTime: Duration.seconds(10) }).objects).lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
  });

  test('has no kubelet probe on the loopback listener, which it could not reach, and still declares the port', () => {
    const { objects } = wired();
    const c = agentContainer(objects);
    expect(c.readinessProbe).toBeUndefined();
    expect(c.livenessProbe).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 9999, name: 'sigsci-grpc' }, { containerPort: 2024, name: 'sigsci-startup' }]);
    expectSchemaValid(objects);
  });

  test('keeps the pod out of traffic until the agent has loaded the site\'s rules (Fastly\'s startup probe)', () => {
    const c = agentContainer(wired().objects);
    expect(envOf(c).SIGSCI_STARTUP_PROBE_LISTENER).toBe('0.0.0.0:2024');
    expect(c.startupProbe).toEqual({ httpGet: { path: '/startup', port: 2024, scheme: 'HTTP' }, periodSeconds: 2, failureThreshold: 90 });
    const other = agentContainer(wired({ startupPort: 3024 }).objects);
    expect(envOf(other).SIGSCI_STARTUP_PROBE_LISTENER).toBe('0.0.0.0:3024');
    expect(other.startupProbe.httpGet.port).toBe(3024);
  });

  test('waitForRules: off by default with FAIL_OPEN (the wiring chose availability), and can be turned off or on', () => {
    const open = agentContainer(wired({ failureMode: SigSciFailureMode.FAIL_OPEN }).objects);
    expect(open.startupProbe).toBeUndefined();
    expect(envOf(open).SIGSCI_STARTUP_PROBE_LISTENER).toBeUndefined();
    expect(open.ports).toEqual([{ containerPort: 9999, name: 'sigsci-grpc' }]);
    expect(agentContainer(wired({ failureMode: SigSciFailureMode.FAIL_OPEN, waitForRules: true }).objects).startupProbe.httpGet.path).toBe('/startup');
    const off = agentContainer(wired({ waitForRules: false }).objects);
    expect(off.startupProbe).toBeUndefined();
    // an old agent is fine when it isn't asked to wait for the rules
    expect(() => wired({ waitForRules: false, image: SigSciImage.pinned('4.40.0') })).not.toThrow();
    expect(() => wired({ waitForRules: false, startupPort: 3024 })).toThrow('test/waf: startupPort: 3024 has no effect without waitForRules; drop startupPort, or set waitForRules: true');
  });

  test('fails when another container of the pod uses the startup port', () => {
    const s = setup();
    s.app.containers[0].addPort({ number: 2024, name: 'debug' });
    expect(() => agent(s, { envoy: envoySidecar(s) })).toThrow('test/waf: startupPort: 2024 is already used by container "helloworld"');
  });

  test('fails on an agent release without the startup endpoint, a privileged startup port, or a startup option set by hand', () => {
    expect(() => wired({ image: SigSciImage.pinned('4.50.2') })).toThrow(
      'test/waf: image: agent 4.50.2 has no startup endpoint (SIGSCI_STARTUP_PROBE_LISTENER, from 4.51.0), which keeps the pod out of traffic until the agent has loaded the site\'s rules; '
      + 'pin 4.51.0 or newer, e.g. SigSciImage.pinned() ("4.75.0"), or set waitForRules: false');
    expect(() => wired({ image: SigSciImage.pinned('4.51.0') })).not.toThrow();
    expect(() => wired({ startupPort: 80 })).toThrow(
      'test/waf: startupPort: 80 is a privileged port, which the agent (not root) can\'t bind without NET_BIND_SERVICE; use a port from 1024 up, e.g. 2024');
    expect(() => wired({ extraOptions: { 'startup-probe-listener': '0.0.0.0:9000' } })).toThrow('startupPort');
  });

  test('takes an exec readiness probe, which runs inside the container', () => {
    const c = agentContainer(wired({ readiness: kplus.Probe.fromCommand(['/bin/true']) }).objects);
    expect(c.readinessProbe.exec).toEqual({ command: ['/bin/true'] });
  });

  test('sets max-procs from the CPU limit', () => {
    const { objects } = wired({
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1500) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
    });
    expect(envOf(agentContainer(objects)).SIGSCI_MAX_PROCS).toBe('2');
  });

  test('adds the sigsci-agent-grpc cluster: STATIC 127.0.0.1, HTTP/2, 0.25s connect timeout', () => {
    const c = clusterOf(bootstrapOf(wired().objects), 'sigsci-agent-grpc');
    expect(c).toMatchObject({ name: 'sigsci-agent-grpc', type: 'STATIC', connect_timeout: '0.25s', lb_policy: 'ROUND_ROBIN' });
    expect(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9999 });
    expect(c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toEqual({ http2_protocol_options: {} });
  });

  test('adds the ext_authz filter before the router, failing closed with 503, a 1s timeout and 8 KiB of body', () => {
    const hcm = inboundHcm(bootstrapOf(wired().objects));
    expect(hcm.http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    expect(hcm.http_filters[0].typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      'transport_api_version': 'V3',
      'grpc_service': { envoy_grpc: { cluster_name: 'sigsci-agent-grpc' }, timeout: '1s' },
      'failure_mode_allow': false,
      'status_on_error': { code: 'ServiceUnavailable' },
      'with_request_body': { max_request_bytes: 8192, allow_partial_message: true },
    });
  });

  test('fails open when told to, marking what passed uninspected for the app', () => {
    const authz = inboundHcm(bootstrapOf(wired({ failureMode: SigSciFailureMode.FAIL_OPEN }).objects)).http_filters[0].typed_config;
    expect(authz.failure_mode_allow).toBe(true);
    expect(authz.failure_mode_allow_header_add).toBe(true);
    expect(authz.status_on_error).toBeUndefined();
  });

  test('uses the given timeout and body size', () => {
    const { objects } = wired({ grpcTimeout: Duration.millis(500), maxRequestBodySize: Size.kibibytes(64) });
    const authz = inboundHcm(bootstrapOf(objects)).http_filters[0].typed_config;
    expect(authz.grpc_service.timeout).toBe('0.5s');
    expect(authz.with_request_body.max_request_bytes).toBe(65536);
  });

  test('sends no body when body inspection is off', () => {
    const authz = inboundHcm(bootstrapOf(wired({ inspectRequestBody: false }).objects)).http_filters[0].typed_config;
    expect(authz.with_request_body).toBeUndefined();
  });

  test('adds the gRPC access logger with the sigsci request and response headers', () => {
    const logs = inboundHcm(bootstrapOf(wired().objects)).access_log;
    expect(logs.map((l: any) => l.name)).toEqual(['envoy.access_loggers.stdout', 'envoy.access_loggers.http_grpc']);
    expect(logs[1].typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig',
      'common_config': { log_name: 'sigsci-agent-grpc', transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: 'sigsci-agent-grpc' } } },
      'additional_request_headers_to_log': ['x-sigsci-request-id', 'x-sigsci-waf-response', 'accept', 'content-type', 'content-length'],
      'additional_response_headers_to_log': ['date', 'server', 'content-type', 'content-length'],
    });
  });

  test('without response data: no access logger and no SIGSCI_ENVOY_EXPECT_RESPONSE_DATA', () => {
    const { objects } = wired({ expectResponseData: false });
    expect(inboundHcm(bootstrapOf(objects)).access_log.map((l: any) => l.name)).toEqual(['envoy.access_loggers.stdout']);
    const env = envOf(agentContainer(objects));
    expect(env.SIGSCI_ENVOY_EXPECT_RESPONSE_DATA).toBeUndefined();
    expect(env.SIGSCI_ENVOY_GRPC_ADDRESS).toBe('127.0.0.1:9999');
  });

  test('uses the same port for the agent listener and the cluster', () => {
    const { objects } = wired({ grpcPort: 9000 });
    expect(envOf(agentContainer(objects)).SIGSCI_ENVOY_GRPC_ADDRESS).toBe('127.0.0.1:9000');
    expect(clusterOf(bootstrapOf(objects), 'sigsci-agent-grpc').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(9000);
  });

  test.each([SigSciFailureMode.FAIL_CLOSED, SigSciFailureMode.FAIL_OPEN])('the wired bootstrap passes Envoy\'s v3 API validation (%s)', (failureMode) => {
    const bootstrap = bootstrapOf(wired({ failureMode }).objects);
    const result = EnvoyConfigValidator.validate(bootstrap, EnvoyConfigValidator.BOOTSTRAP);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('SigSciAgent.of finds the agent of a workload', () => {
    const { app, waf } = wired();
    expect(SigSciAgent.of(app)).toBe(waf);
  });
});

describe('SigSciAgent holds the pod\'s readiness until the agent listens', () => {
  function wiredWith(props: Partial<SigSciAgentProps> = {}) {
    const s = setup();
    const envoy = envoySidecar(s);
    agent(s, { envoy, ...props });
    return bootstrapOf(synthChart(s.chart));
  }
  const statsFilters = (b: any) => b.static_resources.listeners.find((l: any) => l.name === 'stats').filter_chains[0].filters[0].typed_config.http_filters;

  test('failing closed (the default), Envoy checks the agent\'s port every 2 s from the start', () => {
    expect(clusterOf(wiredWith(), 'sigsci-agent-grpc').health_checks).toEqual([{
      timeout: '1s', interval: '2s', no_traffic_interval: '2s', unhealthy_threshold: 2, healthy_threshold: 1, tcp_health_check: {},
    }]);
  });

  test('and /ready on the stats port answers 200 only while the agent cluster is healthy', () => {
    const b = wiredWith();
    expect(statsFilters(b)).toEqual([
      {
        name: 'envoy.filters.http.health_check',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
          'pass_through_mode': false,
          'headers': [{ name: ':path', string_match: { exact: '/ready' } }],
          'cluster_min_healthy_percentages': { 'sigsci-agent-grpc': { value: 100 } },
        },
      },
      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
    ]);
    expect(EnvoyConfigValidator.validate(b, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
  });

  test('the Envoy container\'s readiness probe is that /ready', () => {
    const s = setup();
    agent(s, { envoy: envoySidecar(s) });
    const envoy = template(synthChart(s.chart)).spec.containers.find((c: any) => c.name === 'envoy');
    expect(envoy.readinessProbe.httpGet).toEqual({ path: '/ready', port: 9902, scheme: 'HTTP' });
  });

  test('failing open, or with holdReadiness: false, readiness is Envoy\'s alone and the agent is not health-checked', () => {
    for (const props of [{ failureMode: SigSciFailureMode.FAIL_OPEN }, { holdReadiness: false }]) {
      const b = wiredWith(props);
      expect(clusterOf(b, 'sigsci-agent-grpc').health_checks).toBeUndefined();
      expect(statsFilters(b).map((f: any) => f.name)).toEqual(['envoy.filters.http.router']);
    }
  });

  test('holdReadiness: true holds it when failing open too', () => {
    const b = wiredWith({ failureMode: SigSciFailureMode.FAIL_OPEN, holdReadiness: true });
    expect(statsFilters(b)[0].typed_config.cluster_min_healthy_percentages).toEqual({ 'sigsci-agent-grpc': { value: 100 } });
  });

  test('fails on holdReadiness without an Envoy', () => {
    const s = setup();
    expect(() => agent(s, { holdReadiness: true })).toThrow('test/waf: holdReadiness: is set but there is no Envoy to apply it to (received true); pass envoy, or drop holdReadiness');
  });
});

describe('SigSciAgent in Envoy gRPC mode (marin3r delivery)', () => {
  function marin3r() {
    // marin3r's injected Envoy needs a pod-level user
    const s = setup({ user: 101, group: 101 });
    new Marin3rDiscoveryService(s.chart, 'ds', { namespace: 'demo' });
    const envoy = envoySidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello' }) });
    agent(s, { envoy });
    return { ...s, objects: synthChart(s.chart) };
  }
  const resource = (objects: any[], type: string, name: string) =>
    findOne(objects, 'EnvoyConfig', 'hello').spec.resources.find((r: any) => r.type === type && r.value.name === name).value;

  test('adds the agent container itself; marin3r injects only Envoy', () => {
    const { objects } = marin3r();
    expect(template(objects).spec.containers.map((c: any) => c.name)).toEqual(['helloworld', 'sigsci-agent']);
    expect(envOf(agentContainer(objects)).SIGSCI_ENVOY_GRPC_ADDRESS).toBe('127.0.0.1:9999');
    expectSchemaValid(objects);
  });

  test('serves the agent cluster, filter and access logger from the EnvoyConfig', () => {
    const { objects } = marin3r();
    expect(resource(objects, 'cluster', 'sigsci-agent-grpc').type).toBe('STATIC');
    const hcm = resource(objects, 'listener', 'inbound').filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters[0].name).toBe('envoy.filters.http.ext_authz');
    expect(hcm.access_log[1].typed_config.common_config.log_name).toBe('sigsci-agent-grpc');
  });

  test('every EnvoyConfig resource passes Envoy\'s v3 API validation', () => {
    const { objects } = marin3r();
    const types: Record<string, string> = { cluster: EnvoyConfigValidator.CLUSTER, listener: EnvoyConfigValidator.LISTENER };
    const resources = findOne(objects, 'EnvoyConfig', 'hello').spec.resources.filter((r: any) => types[r.type]);
    expect(resources.length).toBe(5);
    for (const r of resources) {
      const errors = EnvoyConfigValidator.validate(r.value, types[r.type]).errors;
      expect({ name: r.value.name, errors }).toEqual({ name: r.value.name, errors: [] });
    }
  });

  test('leaves readiness to marin3r\'s probes: no health check of the agent', () => {
    const { objects } = marin3r();
    expect(resource(objects, 'cluster', 'sigsci-agent-grpc').health_checks).toBeUndefined();
  });

  test('fails on holdReadiness: true, which marin3r\'s probes would ignore', () => {
    const s = setup({ user: 101, group: 101 });
    const envoy = envoySidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello' }) });
    expect(() => agent(s, { envoy, holdReadiness: true })).toThrow(
      "test/waf: holdReadiness: is true, but Envoy sidecar test/envoy is delivered by marin3r, whose own probes of the admin API decide the pod's readiness; drop holdReadiness, or deliver the Envoy configuration with EnvoyDelivery.configMap()");
  });

  test('leaves its preStop hook to marin3r\'s shutdown manager, whose webhook replaces it with a call that returns once Envoy has drained', () => {
    const objects = marin3r().objects;
    expect(agentContainer(objects)).not.toHaveProperty('lifecycle');
    expect(template(objects).metadata.annotations['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']).toBe('sigsci-agent');
  });

  test('reads no annotation of the pod to find its grace period (a Lazy one is resolved at synth only)', () => {
    const s = setup({ user: 101, group: 101 });
    let synth = false;
    s.app.podMetadata.addAnnotation('example.com/late', Lazy.any({ produce: () => { if (!synth) throw new Error('resolved before synth'); return 'x'; } }));
    const envoy = envoySidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello' }) });
    expect(() => agent(s, { envoy })).not.toThrow();
    synth = true;
    expect(template(synthChart(s.chart)).metadata.annotations['example.com/late']).toBe('x');
  });

  test('refuses a preStopDelay the shutdown manager would replace; without the manager, sleeps through Envoy\'s drain within the grace period', () => {
    const s = setup({ user: 101, group: 101 });
    const envoy = envoySidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello' }), drainTime: Duration.seconds(60) });
    expect(() => agent(s, { envoy, preStopDelay: Duration.seconds(65) })).toThrow(
      "test/waf: preStopDelay: is 65s, but marin3r's shutdown manager (Envoy sidecar test/envoy) replaces the agent's preStop hook with its own, which returns once Envoy has drained; "
      + "drop preStopDelay (the agent stops after Envoy's drain), or turn the shutdown manager off (EnvoyDelivery.marin3r({ shutdownManager: false }))");
    const v = setup({ user: 101, group: 101 });
    agent(v, { envoy: envoySidecar(v, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello', shutdownManager: false }) }) });
    expect(agentContainer(synthChart(v.chart)).lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    const t = setup({ user: 101, group: 101 });
    const plain = envoySidecar(t, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello', shutdownManager: false }) });
    expect(() => agent(t, { envoy: plain, preStopDelay: Duration.seconds(60) })).toThrow(
      "test/waf: preStopDelay: 60s does not fit in the pod's terminationGracePeriod of 30s with 2s to spare for the agent to exit; use a preStopDelay from 1s to 28s (raise the workload's terminationGracePeriod)");
  });

  test('has marin3r\'s shutdown manager hold the agent\'s stop until Envoy drained (the agent is an upstream of Envoy)', () => {
    expect(template(marin3r().objects).metadata.annotations['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']).toBe('sigsci-agent');
    const s = setup({ user: 101, group: 101 });
    agent(s, { envoy: envoySidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'hello', shutdownManager: false }) }) });
    expect(template(synthChart(s.chart)).metadata.annotations).not.toHaveProperty(['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']);
    const c = setup();
    agent(c, { envoy: envoySidecar(c) });
    expect(template(synthChart(c.chart)).metadata.annotations).not.toHaveProperty(['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']);
  });
});

describe('SigSciAgent image policies', () => {
  const imageOf = (image: SigSciImage) => {
    const s = setup();
    agent(s, { image });
    const c = agentContainer(synthChart(s.chart));
    return [c.image, c.imagePullPolicy];
  };

  test('pins a version with IfNotPresent', () => {
    expect(imageOf(SigSciImage.pinned('4.70.0'))).toEqual(['signalsciences/sigsci-agent:4.70.0', 'IfNotPresent']);
  });

  test('pulls latest on every start only when asked, with Always', () => {
    expect(imageOf(SigSciImage.latest())).toEqual(['signalsciences/sigsci-agent:latest', 'Always']);
  });

  test('runs a custom local tag with Never', () => {
    expect(imageOf(SigSciImage.customTag('testing'))).toEqual(['signalsciences/sigsci-agent:testing', 'Never']);
  });

  test('takes the image from a mirror', () => {
    expect(imageOf(SigSciImage.pinned('4.75.0', { repository: 'registry.example.com/sec/sigsci-agent' }))[0]).toBe('registry.example.com/sec/sigsci-agent:4.75.0');
  });

  test('takes a mirror on a registry with a port', () => {
    expect(imageOf(SigSciImage.pinned('4.75.0', { repository: 'registry.local:5000/sigsci-agent' }))[0]).toBe('registry.local:5000/sigsci-agent:4.75.0');
  });

  test.each([
    ['signalsciences/sigsci-agent:4.75.0', '"signalsciences/sigsci-agent:4.75.0" is not an image repository (it carries a tag or digest); give the repository alone, e.g. "registry.example.com/mirror/sigsci-agent"; the tag comes from SigSciImage.pinned(version), latest() or customTag(tag)'],
    ['', '"" is not an image repository; give the repository alone'],
    ['Registry/SigSci', '"Registry/SigSci" is not an image repository; give the repository alone'],
  ])('fails on the repository %p', (repository, message) => {
    expect(() => imageOf(SigSciImage.pinned('4.75.0', { repository }))).toThrow(`: image.repository: ${message}`);
  });
});

describe('SigSciAgent options', () => {
  const envWith = (props: Partial<SigSciAgentProps>) => {
    const s = setup();
    agent(s, props);
    return envOf(agentContainer(synthChart(s.chart)));
  };

  test('turns typed options into SIGSCI_ variables', () => {
    expect(envWith({ options: { maxProcs: 4, clientIpHeader: 'X-Real-IP', serverHostname: 'web', logOut: '/dev/stdout' } })).toMatchObject({
      SIGSCI_MAX_PROCS: '4', SIGSCI_CLIENT_IP_HEADER: 'X-Real-IP', SIGSCI_SERVER_HOSTNAME: 'web', SIGSCI_LOG_OUT: '/dev/stdout',
    });
  });

  test('turns free-form options into SIGSCI_ + upper case with "-" as "_"', () => {
    expect(envWith({ extraOptions: { 'waf-data-log': '/dev/stdout', 'debug-log-blocked-requests': 'true' } })).toMatchObject({
      SIGSCI_WAF_DATA_LOG: '/dev/stdout', SIGSCI_DEBUG_LOG_BLOCKED_REQUESTS: 'true',
    });
  });
});

describe('SigSciAgent in reverse-proxy mode', () => {
  function revproxy(props: Partial<SigSciAgentProps> = {}) {
    const s = setup();
    const waf = agent(s, { reverseProxy: { port: 8000, appPort: 8080 }, ...props });
    return { ...s, waf };
  }

  test('listens on its port and forwards to the app on 127.0.0.1', () => {
    const s = revproxy();
    const c = agentContainer(synthChart(s.chart));
    const env = envOf(c);
    expect(env.SIGSCI_REVPROXY_LISTENER).toBe('app:{listener=http://0.0.0.0:8000,upstreams=http://127.0.0.1:8080/,pass-host-header=true}');
    expect(env.SIGSCI_RPC_ADDRESS).toBeUndefined();
    expect(env.SIGSCI_ENVOY_GRPC_ADDRESS).toBeUndefined();
    // not "http", the app's port name: Kubernetes would resolve the shared name to the app's port
    expect(c.ports).toEqual([{ containerPort: 8000, name: 'sigsci-http' }, { containerPort: 2024, name: 'sigsci-startup' }]);
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 8000 });
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
  });

  test('refuses a port name another container of the pod has', () => {
    const s = setup();
    expect(() => agent(s, { reverseProxy: { port: 8000, appPort: 8080, portName: 'http' } }))
      .toThrow('test/waf: reverseProxy.portName: "http" is already the name of a port of container "helloworld", and Kubernetes resolves a shared name to the first container\'s port; '
        + 'give this port another name, or rename the other port');
    // and, at synth, one that a container added afterwards has
    const t = setup();
    agent(t, { reverseProxy: { port: 8000, appPort: 8080 } });
    t.app.addContainer({ name: 'metrics', image: 'metrics:1.0.0', ports: [{ number: 9100, name: 'sigsci-http' }], securityContext: { user: 1000 } });
    expect(() => runValidations(t.chart)).toThrow('test/waf: reverseProxy.portName: "sigsci-http" is already the name of a port of container "metrics"');
  });

  test('its Service targets the agent, not the app', () => {
    const s = revproxy();
    s.waf.exposeViaService({ name: 'hello' });
    const objects = synthChart(s.chart);
    expect(findOne(objects, 'Service', 'hello').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000 }]);
    expectSchemaValid(objects);
  });
});

describe('SigSciAgent in module mode', () => {
  test('shares the RPC socket with the app container and has no port', () => {
    const s = setup();
    const waf = agent(s);
    waf.mountSocket(s.app.containers[0]);
    const objects = synthChart(s.chart);
    const app = template(objects).spec.containers[0];
    expect(app.volumeMounts).toEqual([{ mountPath: '/sigsci/tmp', name: 'sigsci-tmp' }]);
    const c = agentContainer(objects);
    // only the startup endpoint
    expect(c.ports).toEqual([{ containerPort: 2024, name: 'sigsci-startup' }]);
    expect(c.readinessProbe).toBeUndefined();
    expect(envOf(c).SIGSCI_ENVOY_EXPECT_RESPONSE_DATA).toBeUndefined();
    expect(waf.socketPath).toBe('/sigsci/tmp/sigsci.sock');
    expectSchemaValid(objects);
  });
});

describe('SigSciAgent rejects', () => {
  test('a missing credentials Secret', () => {
    const s = setup();
    expect(() => agent(s, { credentials: undefined as unknown as SigSciCredentials }))
      .toThrow('test/waf: credentials: received undefined; pass credentials: SigSciCredentials.fromSecret(secret) with the Secret holding the site\'s agent keys');
    expect(() => new SigSciAgent(s.chart, 'waf2', { workload: s.app, credentials: SigSciCredentials.fromSecret(undefined as unknown as kplus.ISecret) }))
      .toThrow('test/waf2: credentials: no credentials Secret was given (received undefined); pass SigSciCredentials.fromSecret(secret)');
  });

  test('a gRPC port that another container of the pod uses', () => {
    const s = setup();
    const envoy = envoySidecar(s);
    expect(() => agent(s, { envoy, grpcPort: 8080 }))
      .toThrow('test/waf: grpcPort: 8080 is already used by container "helloworld"; choose a port that no other container in the pod uses');
    expect(() => new SigSciAgent(s.chart, 'waf2', { workload: s.app, envoy, credentials: SigSciCredentials.fromSecret(s.keys), grpcPort: 9901 }))
      .toThrow('test/waf2: grpcPort: 9901 is already used by the Envoy admin API; choose a port that no other container in the pod uses');
  });

  test('a privileged gRPC or reverse-proxy port, which the agent (not root, no capabilities) can\'t bind', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), grpcPort: 999 })).toThrow(
      "test/waf: grpcPort: 999 is a privileged port, which the agent (a non-root user) can't bind without NET_BIND_SERVICE; use a port from 1024 up (e.g. 9999)");
    expect(() => agent(setup(), { reverseProxy: { port: 80, appPort: 8080 } })).toThrow(
      "test/waf: reverseProxy.port: 80 is a privileged port, which the agent (a non-root user) can't bind without NET_BIND_SERVICE; "
      + 'use a port from 1024 up (e.g. 8080; the Service can still offer 80, see exposeViaService)');
    expect(() => agent(setup(), { reverseProxy: { port: 70000, appPort: 8080 } })).toThrow('test/waf: reverseProxy.port: 70000 is not a valid port; use an integer from 1 to 65535');
  });

  test('a container added later on the gRPC port, at synth', () => {
    const s = setup();
    agent(s, { envoy: envoySidecar(s) });
    s.app.addContainer({ name: 'late', image: 'late:1', portNumber: 9999 });
    expect(() => runValidations(s.chart)).toThrow('test/waf: grpcPort: 9999 is already used by container "late"');
  });

  test('a Service that also publishes the app\'s port, around the WAF, at synth whatever the order of the calls', () => {
    const s = setup();
    const envoy = envoySidecar(s);
    envoy.exposeViaService({ name: 'hello', includeAppPort: true });
    agent(s, { envoy });
    expect(() => runValidations(s.chart)).toThrow(
      'test/envoy: exposeViaService.includeAppPort: Service "hello" also publishes the app\'s port 8080, which reaches the app without the inbound listener\'s HTTP filters (envoy.filters.http.ext_authz); '
      + 'drop includeAppPort so that the Service sends every request through Envoy '
      + '(and have the app listen on 127.0.0.1, or admit only Envoy\'s ports with a NetworkPolicy, against pods that call the pod IP directly)');
    const ok = setup();
    envoySidecar(ok).exposeViaService({ name: 'hello', includeAppPort: true });
    expect(() => runValidations(ok.chart)).not.toThrow();
  });

  test('expecting response data without an Envoy to send it', () => {
    expect(() => agent(setup(), { expectResponseData: true }))
      .toThrow('test/waf: expectResponseData: is true but no Envoy sends response data; pass envoy: the EnvoySidecar whose gRPC access log feeds the agent, or leave expectResponseData out');
  });

  test('expect-response-data as a free-form option', () => {
    expect(() => agent(setup(), { extraOptions: { 'envoy-expect-response-data': '1' } }))
      .toThrow('test/waf: extraOptions["envoy-expect-response-data"]: "envoy-expect-response-data" is set by the construct; use expectResponseData instead');
  });

  test('Envoy wiring in reverse-proxy mode', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), reverseProxy: { port: 8000, appPort: 8080 } }))
      .toThrow('test/waf: envoy: Envoy wiring was requested in reverse-proxy mode; give either envoy (the agent answers Envoy over gRPC) or reverseProxy (the agent proxies to the app), not both');
  });

  test('Envoy settings without an Envoy', () => {
    expect(() => agent(setup(), { failureMode: SigSciFailureMode.FAIL_CLOSED }))
      .toThrow('test/waf: failureMode: is set but there is no Envoy to apply it to (received "FAIL_CLOSED"); pass envoy, or drop failureMode');
  });

  test('a custom tag with a pull policy other than Never', () => {
    expect(() => agent(setup(), { image: SigSciImage.customTag('testing', { pullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT }) }))
      .toThrow('test/waf: image.pullPolicy: custom tag "testing" with pull policy IfNotPresent; a custom tag exists only on the nodes where you tagged it: use kplus.ImagePullPolicy.NEVER');
  });

  test('"latest" or a non-version as a pinned version', () => {
    expect(() => agent(setup(), { image: SigSciImage.pinned('latest') }))
      .toThrow('test/waf: image: "latest" is not an agent version; pin a released version such as "4.75.0"; use SigSciImage.latest() for "latest"');
  });

  test('option names not in the agent\'s option format', () => {
    expect(() => agent(setup(), { extraOptions: { SIGSCI_MAX_BACKLOG: '100' } }))
      .toThrow('test/waf: extraOptions["SIGSCI_MAX_BACKLOG"]: "SIGSCI_MAX_BACKLOG" is not an agent option name (lower-case words joined by "-", as in the agent\'s config file); use e.g. "max-backlog"');
    expect(() => agent(setup(), { extraOptions: { debug_log_web_inputs: 'true' } }))
      .toThrow('use e.g. "debug-log-web-inputs"');
    expect(() => agent(setup(), { extraOptions: { 'Server Flavor': 'x' } }))
      .toThrow('use e.g. "server-flavor"');
  });

  test('options that would carry credentials in plain environment variables', () => {
    expect(() => agent(setup(), { extraOptions: { secretaccesskey: 'abc' } }))
      .toThrow('test/waf: extraOptions["secretaccesskey"]: "secretaccesskey" would put a credential into a plain environment variable; agent keys come only from a Secret');
    expect(() => agent(setup(), { extraOptions: { 'anonymous-ip-secret-key': 'abc' } })).toThrow('would put a credential into a plain environment variable');
  });

  test('options the construct sets itself', () => {
    expect(() => agent(setup(), { extraOptions: { 'rpc-address': '/tmp/x.sock' } }))
      .toThrow('test/waf: extraOptions["rpc-address"]: "rpc-address" is set by the construct; use tmpDir (the socket follows the temporary volume) instead');
    expect(() => agent(setup(), { extraOptions: { 'max-procs': '2' } })).toThrow('use options.maxProcs instead');
  });

  test('options that would put TLS on the agent\'s gRPC listener, which the Envoy cluster doesn\'t speak', () => {
    for (const option of ['envoy-grpc-cert', 'envoy-grpc-key']) {
      expect(() => agent(setup(), { extraOptions: { [option]: '/sigsci/tls/x.pem' } })).toThrow(
        `test/waf: extraOptions["${option}"]: "${option}" would make the agent's Envoy gRPC listener speak TLS, while the Envoy cluster that calls it (sigsci-agent-grpc) `
        + 'stays plaintext: every check would fail, and with failureMode FAIL_CLOSED (the default) every request would get 503; leave it out: in a pod the agent '
        + 'listens on 127.0.0.1 only; for SigSciAgentService, encrypt with the mesh (Istio mTLS) instead');
    }
  });

  test('two agents on one workload', () => {
    const s = setup();
    agent(s);
    expect(() => new SigSciAgent(s.chart, 'waf2', { workload: s.app, credentials: SigSciCredentials.fromSecret(s.keys) }))
      .toThrow('test/waf2: workload: workload "hello" already has a SigSci agent (test/waf); run one agent per pod');
  });

  test('an Envoy sidecar of another workload', () => {
    const s = setup();
    const other = new kplus.Deployment(s.chart, 'other', { containers: [{ name: 'o', image: 'o:1', portNumber: 8080 }] });
    const envoy = new EnvoySidecar(s.chart, 'other-envoy', { workload: other, inbound: { port: 8000, targetPort: 8080 } });
    expect(() => agent(s, { envoy })).toThrow('test/waf: envoy: the Envoy sidecar test/other-envoy belongs to workload "other", not "hello"');
  });

  test('an Envoy sidecar without an inbound listener', () => {
    const s = setup();
    const envoy = new EnvoySidecar(s.chart, 'envoy', { workload: s.app });
    expect(() => agent(s, { envoy })).toThrow('test/waf: envoy: the Envoy sidecar test/envoy has no inbound listener to inspect');
  });

  test('a reverse proxy to a port the app does not declare', () => {
    expect(() => agent(setup(), { reverseProxy: { port: 8000, appPort: 3000 } }))
      .toThrow('test/waf: reverseProxy.appPort: no container of workload "hello" declares port 3000 (declared: 8080 (helloworld))');
  });

  test('a reverse-proxy listener on the app port', () => {
    expect(() => agent(setup(), { reverseProxy: { port: 8080, appPort: 8080 } }))
      .toThrow('test/waf: reverseProxy.port: 8080 is already used by container "helloworld"');
  });

  test('a kubelet probe of the loopback gRPC listener', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), readiness: kplus.Probe.fromTcpSocket({ port: 9999 }) }))
      .toThrow("test/waf: readiness: the probe connects to port 9999, but the gRPC listener binds 127.0.0.1:9999, which the kubelet can't reach; drop readiness (with holdReadiness, Envoy's readiness waits for the agent), or give an exec probe (kplus.Probe.fromCommand) that your agent image can run");
  });

  test('a TCP probe with host 127.0.0.1, which the kubelet resolves on the node, not in the pod', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), grpcPort: 9000, readiness: kplus.Probe.fromTcpSocket({ port: 9000, host: '127.0.0.1' }) }))
      .toThrow('test/waf: readiness: the probe connects to port 9000, but the gRPC listener binds 127.0.0.1:9000');
  });

  test('a preStop delay shorter than Envoy\'s drain', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), preStopDelay: Duration.seconds(5) }))
      .toThrow('test/waf: preStopDelay: 5s is shorter than the drain time of Envoy sidecar test/envoy (15s); use at least Duration.seconds(15)');
  });

  test('a preStop delay that does not fit in the grace period', () => {
    expect(() => agent(setup(), { preStopDelay: Duration.seconds(29) }))
      .toThrow("test/waf: preStopDelay: 29s does not fit in the pod's terminationGracePeriod of 30s with 2s to spare for the agent to exit");
  });

  test('a request body buffer above 1 MiB', () => {
    const s = setup();
    expect(() => agent(s, { envoy: envoySidecar(s), maxRequestBodySize: Size.mebibytes(2) }))
      .toThrow('test/waf: maxRequestBodySize: 2097152 bytes is outside 1 byte..1 MiB');
  });

  test('module-mode calls in other modes', () => {
    const s = setup();
    const waf = agent(s, { envoy: envoySidecar(s) });
    expect(() => waf.mountSocket(s.app.containers[0])).toThrow('test/waf: mountSocket: the agent runs in Envoy gRPC mode');
    expect(() => waf.exposeViaService()).toThrow('test/waf: exposeViaService: the agent has no reverse-proxy listener to expose');
  });
});
