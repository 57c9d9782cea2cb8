import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import {
  EnvoyAccessLog, EnvoyCluster, EnvoyConfigValidator, EnvoyDelivery, EnvoyHashPolicy, EnvoyHttpFilter, EnvoyHttpListener, EnvoyIpFamily,
  EnvoyLoadBalancing, EnvoySidecar, EnvoySidecarProps, EnvoyTls, EnvoyTlsVersion, EnvoyUpstreamProtocol, Marin3rDiscoveryService,
  PrometheusScrapeAnnotations,
} from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

interface Setup {
  chart: Chart;
  app: kplus.Deployment;
  secret: kplus.ISecret;
}

function setup(securityContext?: kplus.PodSecurityContextProps): Setup {
  const chart = new Chart(Testing.app(), 'test');
  const app = new kplus.Deployment(chart, 'kuard', {
    metadata: { name: 'kuard', namespace: 'demo' },
    securityContext,
    containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue', ports: [{ number: 8080, name: 'http' }] }],
  });
  const secret = kplus.Secret.fromSecretName(chart, 'cert', 'kuard-certificate');
  return { chart, app, secret };
}

function sidecar(s: Setup, props: Partial<EnvoySidecarProps> = {}): EnvoySidecar {
  return new EnvoySidecar(s.chart, 'envoy', {
    workload: s.app,
    inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret) },
    ...props,
  });
}

/** The pod-level user marin3r's injected Envoy needs. */
const ENVOY_USER = { user: 101, group: 101 };
const envoyContainer = (objects: any[]) => findOne(objects, 'Deployment', 'kuard').spec.template.spec.containers.find((c: any) => c.name === 'envoy');
const bootstrapOf = (objects: any[]) => JSON.parse(findOne(objects, 'ConfigMap', 'kuard-envoy').data['envoy.json']);
const listener = (bootstrap: any, name: string) => bootstrap.static_resources.listeners.find((l: any) => l.name === name);
const cluster = (bootstrap: any, name: string) => bootstrap.static_resources.clusters.find((c: any) => c.name === name);
const hcm = (l: any) => l.filter_chains[0].filters[0].typed_config;

describe('EnvoySidecar with ConfigMap delivery', () => {
  test('adds a pinned, hardened Envoy container running as uid 101 without the image entrypoint', () => {
    const s = setup();
    sidecar(s);
    const objects = synthChart(s.chart);
    const c = envoyContainer(objects);
    expect(c.image).toBe('envoyproxy/envoy:v1.39.6');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.command).toEqual(['envoy']);
    expect(c.args).toEqual(['-c', '/etc/envoy/envoy.json', '--log-level', 'info', '--concurrency', '2', '--drain-time-s', '15', '--drain-strategy', 'immediate', '--disable-hot-restart']);
    expect(c.securityContext).toEqual({
      runAsUser: 101,
      runAsGroup: 101,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    expect(c.ports).toEqual([{ containerPort: 8443, name: 'envoy-https' }, { containerPort: 9902, name: 'envoy-stats' }]);
    expectSchemaValid(objects);
  });

  test('probes readiness on the stats listener and drains inbound listeners before stopping', () => {
    const s = setup();
    sidecar(s, { drainTime: Duration.seconds(20) });
    const c = envoyContainer(synthChart(s.chart));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 9902, scheme: 'HTTP' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 9902 });
    const [shell, flag, script] = c.lifecycle.preStop.exec.command;
    expect([shell, flag]).toEqual(['/bin/bash', '-c']);
    expect(script).toContain('exec 3<>/dev/tcp/127.0.0.1/9901');
    expect(script).toContain('POST /drain_listeners?inboundonly&graceful&skip_exit HTTP/1.1');
    expect(script).toMatch(/; sleep 20$/);
    expect(c.args).toContain('20');
  });

  test('exposes its drain time for containers that serve Envoy', () => {
    const s = setup();
    expect(sidecar(s, { drainTime: Duration.seconds(12) }).drainTime.toSeconds()).toBe(12);
  });

  test('ships the bootstrap in a ConfigMap whose hash is on the pod template', () => {
    const s = setup();
    sidecar(s);
    const objects = synthChart(s.chart);
    const deployment = findOne(objects, 'Deployment', 'kuard');
    expect(deployment.metadata.annotations).toBeUndefined();
    expect(deployment.spec.template.metadata.annotations['config-hash.meshkit.dev/kuard-envoy']).toMatch(/^[0-9a-f]{64}$/);
    expect(findOne(objects, 'ConfigMap', 'kuard-envoy').metadata.namespace).toBe('demo');
    expect(envoyContainer(objects).volumeMounts).toContainEqual({ mountPath: '/etc/envoy', name: 'envoy-config', readOnly: true });
  });

  test('binds admin to 127.0.0.1 and exposes only /ready and /stats/prometheus of it on the stats port', () => {
    const s = setup();
    sidecar(s);
    const b = bootstrapOf(synthChart(s.chart));
    expect(b.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9901 });
    const stats = listener(b, 'stats');
    expect(stats.address.socket_address).toEqual({ address: '0.0.0.0', port_value: 9902 });
    expect(hcm(stats).route_config.virtual_hosts[0].routes).toEqual([
      { match: { path: '/ready' }, route: { cluster: 'envoy-admin', timeout: '5s' } },
      { match: { path: '/stats/prometheus' }, route: { cluster: 'envoy-admin', timeout: '10s' } },
    ]);
    expect(cluster(b, 'envoy-admin').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9901 });
  });

  test('terminates TLS from the mounted Secret through a watched SDS file', () => {
    const s = setup();
    sidecar(s);
    const objects = synthChart(s.chart);
    const inbound = listener(bootstrapOf(objects), 'inbound');
    expect(inbound.traffic_direction).toBe('INBOUND');
    const tls = inbound.filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(tls.tls_params.tls_minimum_protocol_version).toBe('TLSv1_2');
    expect(tls.tls_certificate_sds_secret_configs).toEqual([{
      name: 'kuard-certificate',
      // the SDS file is re-read on moves into the ConfigMap's mount (Kubernetes swaps its ..data)
      sds_config: { path_config_source: { path: '/etc/envoy/sds-kuard-certificate.json', watched_directory: { path: '/etc/envoy' } }, resource_api_version: 'V3' },
    }]);
    const sds = JSON.parse(findOne(objects, 'ConfigMap', 'kuard-envoy').data['sds-kuard-certificate.json']);
    // the certificate and key on moves into the Secret's mount, read together (a renewal is picked up without a restart)
    expect(sds.resources[0].tls_certificate).toEqual({
      certificate_chain: { filename: '/etc/envoy/tls/kuard-certificate/tls.crt' },
      private_key: { filename: '/etc/envoy/tls/kuard-certificate/tls.key' },
      watched_directory: { path: '/etc/envoy/tls/kuard-certificate' },
    });
    const deployment = findOne(objects, 'Deployment', 'kuard');
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'tls-kuard-certificate', secret: { secretName: 'kuard-certificate' } });
    expect(envoyContainer(objects).volumeMounts).toContainEqual({ mountPath: '/etc/envoy/tls/kuard-certificate', name: 'tls-kuard-certificate', readOnly: true });
  });

  test.each([
    ['a dotted name', 'web.example.com-tls', 'tls-web-example-com-tls-'],
    ['a name too long for a volume', `${'a'.repeat(70)}-tls`, `tls-${'a'.repeat(50)}-`],
  ])('mounts a Secret with %s under a volume name the API server accepts (an RFC 1123 label)', (_what, secretName, prefix) => {
    const s = setup();
    sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(kplus.Secret.fromSecretName(s.chart, 'dotted', secretName)) } });
    const objects = synthChart(s.chart);
    const volume = findOne(objects, 'Deployment', 'kuard').spec.template.spec.volumes.find((v: any) => v.secret?.secretName === secretName);
    expect(volume.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(volume.name.length).toBeLessThanOrEqual(63);
    expect(volume.name.startsWith(prefix)).toBe(true);
    expect(envoyContainer(objects).volumeMounts).toContainEqual({ mountPath: `/etc/envoy/tls/${secretName}`, name: volume.name, readOnly: true });
  });

  test('reports the node id given to EnvoyDelivery.configMap() in the bootstrap, with the workload as the node\'s cluster', () => {
    const s = setup();
    const envoy = sidecar(s, { delivery: EnvoyDelivery.configMap({ nodeId: 'custom-node' }) });
    expect(envoy.nodeId).toBe('custom-node');
    expect(bootstrapOf(synthChart(s.chart)).node).toEqual({ id: 'custom-node', cluster: 'kuard' });
  });

  test('passes WebSocket upgrades and raw connection manager settings through to the inbound listener', () => {
    const s = setup();
    sidecar(s, {
      inbound: {
        port: 8443,
        targetPort: 8080,
        tls: EnvoyTls.fromSecret(s.secret),
        timeout: Duration.hours(1),
        upgradeTypes: ['websocket'],
        connectionManagerOverrides: { stream_idle_timeout: '600s' },
      },
    });
    const inbound = hcm(listener(bootstrapOf(synthChart(s.chart)), 'inbound'));
    expect(inbound.upgrade_configs).toEqual([{ upgrade_type: 'websocket' }]);
    expect(inbound.stream_idle_timeout).toBe('600s');
    expect(inbound.route_config.virtual_hosts[0].routes[0].route.timeout).toBe('3600s');
  });

  test('fails on an upgrade type that is not an HTTP token, and (at synth) on overrides Envoy would refuse', () => {
    const s = setup();
    expect(() => sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), upgradeTypes: ['web socket'] } })).toThrow(
      'test/envoy: inbound.upgradeTypes[0]: "web socket" is not an Upgrade header token; give the protocol name the client sends in Upgrade, e.g. "websocket"');
    const t = setup();
    sidecar(t, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(t.secret), connectionManagerOverrides: { stream_idle_timeoutt: '600s' } } });
    expect(() => runValidations(t.chart)).toThrow('stream_idle_timeoutt');
  });

  test('forwards inbound requests to the app port on 127.0.0.1 with the route timeout', () => {
    const s = setup();
    sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), timeout: Duration.seconds(30) } });
    const b = bootstrapOf(synthChart(s.chart));
    expect(hcm(listener(b, 'inbound')).route_config.virtual_hosts[0].routes).toEqual([{ match: { prefix: '/' }, route: { cluster: 'local-app', timeout: '30s' } }]);
    expect(cluster(b, 'local-app').type).toBe('STATIC');
    expect(cluster(b, 'local-app').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8080 });
  });

  test('closes idle connections to the app after 1 s, before app servers close theirs (5 s in Node.js), unless told otherwise', () => {
    const protocol = (b: any, name: string) => cluster(b, name).typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    const s = setup();
    sidecar(s, {
      outbound: [
        { name: 'users', address: 'users.demo.svc.cluster.local', port: 80, listenPort: 6001, idleTimeout: Duration.seconds(50) },
        { name: 'orders', address: 'orders.demo.svc.cluster.local', port: 80, listenPort: 6002 },
      ],
    });
    const b = bootstrapOf(synthChart(s.chart));
    expect(protocol(b, 'local-app')).toMatchObject({ common_http_protocol_options: { idle_timeout: '1s' }, explicit_http_config: { http_protocol_options: {} } });
    expect(protocol(b, 'users').common_http_protocol_options).toEqual({ idle_timeout: '50s' });
    // remote upstreams keep Envoy's hour unless given one
    expect(protocol(b, 'orders')).toBeUndefined();
    expect(EnvoyConfigValidator.validate(b).errors).toEqual([]);

    const t = setup();
    sidecar(t, { inbound: { port: 8443, targetPort: 8080, appIdleTimeout: Duration.seconds(20) } });
    expect(protocol(bootstrapOf(synthChart(t.chart)), 'local-app').common_http_protocol_options).toEqual({ idle_timeout: '20s' });
    const u = setup();
    expect(() => sidecar(u, { inbound: { port: 8443, targetPort: 8080, appIdleTimeout: Duration.seconds(0) } }))
      .toThrow('test/envoy: inbound.appIdleTimeout: 0 ms is not a positive duration; use a duration of at least 1 ms, e.g. Duration.seconds(5)');
    const v = setup();
    expect(() => sidecar(v, { outbound: [{ name: 'users', address: 'users.demo.svc.cluster.local', port: 80, listenPort: 6001, idleTimeout: Duration.millis(0) }] }))
      .toThrow('test/envoy: outbound["users"].idleTimeout: 0 ms is not a positive duration; use a duration of at least 1 ms, e.g. Duration.seconds(5)');
  });

  test('keeps the x-request-id callers send on the inbound listener (every caller counts as external there); the outbound one adds an id only where none is set', () => {
    const s = setup();
    sidecar(s, { inbound: { port: 8443, targetPort: 8080 }, outbound: [{ name: 'users', address: 'users.default.svc.cluster.local', port: 80, listenPort: 6001 }] });
    const b = bootstrapOf(synthChart(s.chart));
    expect(hcm(listener(b, 'inbound'))).toMatchObject({ use_remote_address: true, preserve_external_request_id: true });
    expect(hcm(listener(b, 'outbound-users')).use_remote_address).toBe(false);
    expect(hcm(listener(b, 'outbound-users'))).not.toHaveProperty('preserve_external_request_id');
    const t = setup();
    sidecar(t, { inbound: { port: 8443, targetPort: 8080, preserveRequestId: false } });
    expect(hcm(listener(bootstrapOf(synthChart(t.chart)), 'inbound'))).not.toHaveProperty('preserve_external_request_id');
  });

  test('plaintext inbound when no TLS is given (seed 003 phase 1), with its own port name', () => {
    const s = setup();
    sidecar(s, { inbound: { port: 8081, targetPort: 8080 } });
    const objects = synthChart(s.chart);
    expect(listener(bootstrapOf(objects), 'inbound').filter_chains[0].transport_socket).toBeUndefined();
    expect(envoyContainer(objects).ports[0]).toEqual({ containerPort: 8081, name: 'envoy-http' });
  });

  test('outbound upstreams listen on 127.0.0.1 with circuit breakers, outlier detection, retries and host rewrite', () => {
    const s = setup();
    sidecar(s, {
      outbound: [{
        name: 'mathoid',
        address: 'mathoid.default.svc.cluster.local',
        port: 10044,
        listenPort: 6500,
        timeout: Duration.seconds(5),
        retries: { numRetries: 2 },
        circuitBreaker: { maxConnections: 100, maxPendingRequests: 50 },
        outlierDetection: { consecutive5xx: 3 },
      }],
    });
    const objects = synthChart(s.chart);
    const b = bootstrapOf(objects);
    const out = listener(b, 'outbound-mathoid');
    expect(out.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 6500 });
    expect(out.traffic_direction).toBe('OUTBOUND');
    expect(hcm(out).route_config.virtual_hosts[0].routes[0].route).toEqual({
      cluster: 'mathoid',
      timeout: '5s',
      auto_host_rewrite: true,
      retry_policy: { retry_on: 'connect-failure,refused-stream,reset-before-request', num_retries: 2, retry_host_predicate: [expect.objectContaining({ name: 'envoy.retry_host_predicates.previous_hosts' })], host_selection_retry_max_attempts: 3 },
    });
    const c = cluster(b, 'mathoid');
    expect(c.type).toBe('STRICT_DNS');
    expect(c.circuit_breakers.thresholds[0]).toEqual({ priority: 'DEFAULT', max_connections: 100, max_pending_requests: 50, max_requests: 1024, max_retries: 3 });
    expect(c.outlier_detection.consecutive_5xx).toBe(3);
    // Envoy 1.31+: one member may be ejected whatever max_ejection_percent (10 %) says, which alone ejects nothing below 10 members
    expect(c.outlier_detection.always_eject_one_host).toBe(true);
    // local listeners are not container ports
    expect(envoyContainer(objects).ports.map((p: any) => p.containerPort)).toEqual([8443, 9902]);
    expectSchemaValid(objects);
  });

  test('ipFamily: the inbound and stats listeners bind IPv4 by default, :: for IPv6-only or dual-stack pods; the local listeners stay on 127.0.0.1', () => {
    const binds = (ipFamily?: EnvoyIpFamily) => {
      const s = setup();
      sidecar(s, { ipFamily, outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 6500 }] });
      const b = bootstrapOf(synthChart(s.chart));
      return ['inbound', 'stats', 'outbound-mathoid'].map((n) => listener(b, n).address.socket_address);
    };
    expect(binds()).toEqual([{ address: '0.0.0.0', port_value: 8443 }, { address: '0.0.0.0', port_value: 9902 }, { address: '127.0.0.1', port_value: 6500 }]);
    expect(binds(EnvoyIpFamily.IPV6)).toEqual([{ address: '::', port_value: 8443 }, { address: '::', port_value: 9902 }, { address: '127.0.0.1', port_value: 6500 }]);
    expect(binds(EnvoyIpFamily.DUAL_STACK)).toEqual([
      { address: '::', port_value: 8443, ipv4_compat: true }, { address: '::', port_value: 9902, ipv4_compat: true }, { address: '127.0.0.1', port_value: 6500 },
    ]);
    expect(() => sidecar(setup(), { ipFamily: 'ipv6' as any })).toThrow('test/envoy: ipFamily: received "ipv6"; use EnvoyIpFamily.IPV4, IPV6 or DUAL_STACK');
    expect(() => new EnvoyHttpListener({ name: 'x', port: 8080, ipv4Compat: true, routes: [{ cluster: 'c' }] }))
      .toThrow('listener "x".ipv4Compat: is true with the IPv4 address "0.0.0.0"; bind an IPv6 address such as "::", or drop ipv4Compat');
  });

  test('outlier detection ejects one member whatever maxEjectionPercent says on Envoy 1.31+, not before (the field is unknown there)', () => {
    const upstream = (outlierDetection: object) => ({ outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 6500, outlierDetection }] });
    const ejection = (image: string | undefined, outlierDetection: object) => {
      const s = setup();
      sidecar(s, { image, ...upstream(outlierDetection) });
      return cluster(bootstrapOf(synthChart(s.chart)), 'mathoid').outlier_detection;
    };
    expect(ejection(undefined, {}).always_eject_one_host).toBe(true);
    expect(ejection(undefined, { alwaysEjectOneHost: false }).always_eject_one_host).toBeUndefined();
    expect(ejection('envoyproxy/envoy:v1.30.4', {})).toEqual({ consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 10 });
    // under marin3r its own protos read the clusters, and predate the field: off unless asked for
    const m = setup(ENVOY_USER);
    new Marin3rDiscoveryService(m.chart, 'ds', { namespace: 'demo' });
    const envoy = sidecar(m, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), ...upstream({}) });
    expect(envoy.bootstrap.toJson().static_resources.clusters.find((c: any) => c.name === 'mathoid').outlier_detection.always_eject_one_host).toBeUndefined();
    expect(() => sidecar(setup(), { image: 'envoyproxy/envoy:v1.30.4', ...upstream({ alwaysEjectOneHost: true }) })).toThrow(
      'test/envoy: outbound["mathoid"].outlierDetection.alwaysEjectOneHost: true with "envoyproxy/envoy:v1.30.4", whose Envoy (1.30) has no always_eject_one_host and would refuse the configuration; '
      + 'use Envoy 1.31 or newer, or drop alwaysEjectOneHost and raise maxEjectionPercent to at least 100 / members');
  });

  test('extension points: a filter before the router, a cluster, an access logger', () => {
    const s = setup();
    const envoy = sidecar(s);
    envoy.addCluster(new EnvoyCluster({ name: 'authz', endpoints: [{ address: '127.0.0.1', port: 9999 }], protocol: EnvoyUpstreamProtocol.HTTP2 }));
    envoy.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.ext_authz', {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      'grpc_service': { envoy_grpc: { cluster_name: 'authz' } },
      'transport_api_version': 'V3',
    }));
    envoy.addAccessLog(EnvoyAccessLog.httpGrpc({ cluster: 'authz', logName: 'authz', additionalRequestHeaders: ['x-request-id'] }));
    const inbound = hcm(listener(bootstrapOf(synthChart(s.chart)), 'inbound'));
    expect(inbound.http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    expect(inbound.access_log.map((l: any) => l.name)).toEqual(['envoy.access_loggers.stdout', 'envoy.access_loggers.http_grpc']);
  });

  test('exposes Envoy (and, when asked, the app port) through a Service with named ports', () => {
    const s = setup();
    sidecar(s).exposeViaService({ name: 'kuard', includeAppPort: true });
    const service = findOne(synthChart(s.chart), 'Service', 'kuard');
    expect(service.metadata.namespace).toBe('demo');
    expect(service.spec.ports).toEqual([
      { name: 'envoy-https', port: 443, targetPort: 8443 },
      { name: 'app-http', port: 8080, targetPort: 8080 },
    ]);
    expect(service.spec.selector).toEqual(findOne(synthChart(s.chart), 'Deployment', 'kuard').spec.selector.matchLabels);
  });

  test('works on a StatefulSet too', () => {
    const chart = new Chart(Testing.app(), 'test');
    const sts = new kplus.StatefulSet(chart, 'db', {
      metadata: { name: 'db' },
      service: new kplus.Service(chart, 'svc', { metadata: { name: 'db' }, ports: [{ port: 8080 }] }),
      containers: [{ name: 'db', image: 'db:1', portNumber: 8080 }],
    });
    new EnvoySidecar(chart, 'envoy', { workload: sts, inbound: { port: 8443, targetPort: 8080 } });
    const objects = synthChart(chart);
    expect(findOne(objects, 'StatefulSet', 'db').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['db', 'envoy']);
    expectSchemaValid(objects);
  });
});

describe('EnvoySidecar sizing, scraping and image policy', () => {
  const args = (objects: any[]) => envoyContainer(objects).args as string[];
  const concurrencyOf = (objects: any[]) => args(objects)[args(objects).indexOf('--concurrency') + 1];

  test('--concurrency follows the CPU limit in whole cores (at least 2)', () => {
    const cpu = (request: kplus.Cpu, limit?: kplus.Cpu) => {
      const s = setup();
      sidecar(s, { resources: { cpu: { request, limit }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } } });
      return concurrencyOf(synthChart(s.chart));
    };
    expect(cpu(kplus.Cpu.millis(100), kplus.Cpu.millis(3500))).toBe('4');
    expect(cpu(kplus.Cpu.millis(100), kplus.Cpu.units(8))).toBe('8');
    expect(cpu(kplus.Cpu.millis(100), kplus.Cpu.millis(500))).toBe('2');
    expect(cpu(kplus.Cpu.millis(100), kplus.Cpu.units(400))).toBe('256');
    const s = setup();
    sidecar(s, { concurrency: 1 });
    expect(concurrencyOf(synthChart(s.chart))).toBe('1');
  });

  test('resources without CPU and memory requests and limits', () => {
    expect(() => sidecar(setup(), { resources: { cpu: { request: kplus.Cpu.units(3) }, memory: { limit: Size.mebibytes(128) } } })).toThrow(
      'test/envoy: resources: has no cpu.limit, memory.request; give CPU and memory requests and limits, e.g. { cpu: { request: Cpu.millis(100), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } }');
  });

  test('marks the pod for Prometheus on the stats listener, unless scrape is false', () => {
    const s = setup();
    const envoy = sidecar(s);
    const annotations = findOne(synthChart(s.chart), 'Deployment', 'kuard').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(envoy.statsPort), 'prometheus.io/path': '/stats/prometheus' });
    // asking again for the same endpoint is fine
    PrometheusScrapeAnnotations.addTo(s.app, { port: 9902, path: '/stats/prometheus' });

    const off = setup();
    sidecar(off, { scrape: false });
    PrometheusScrapeAnnotations.addTo(off.app, { port: 8080 });
    expect(findOne(synthChart(off.chart), 'Deployment', 'kuard').spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
  });

  test('a second scrape endpoint names the sidecar that took the annotations and how to opt out', () => {
    const s = setup();
    sidecar(s);
    expect(() => PrometheusScrapeAnnotations.addTo(s.app, { port: 8080 })).toThrow(
      'test/kuard: port: 8080 /metrics was asked for, but the workload is already marked for scraping on 9902 /stats/prometheus by test/envoy; '
      + 'the prometheus.io annotations hold one port and path per pod: serve all metrics on one endpoint, or add a scrape job for the second one; '
      + 'to keep the annotations for the other endpoint, give the EnvoySidecar scrape: false');
    const first = setup();
    PrometheusScrapeAnnotations.addTo(first.app, { port: 8080 });
    expect(() => sidecar(first)).toThrow(
      'test/envoy: scrape.port: 9902 /stats/prometheus was asked for, but workload "kuard" is already marked for scraping on 8080 /metrics by an earlier call; '
      + 'the prometheus.io annotations hold one port and path per pod: serve all metrics on one endpoint, or add a scrape job for the second one; '
      + 'to keep the annotations for the other endpoint, give the EnvoySidecar scrape: false');
  });

  test('a floating image is pulled Always, a pinned one or a digest IfNotPresent', () => {
    const policy = (image: string) => {
      const s = setup();
      sidecar(s, { image });
      return envoyContainer(synthChart(s.chart)).imagePullPolicy;
    };
    expect(policy('envoyproxy/envoy:v1.39.6')).toBe('IfNotPresent');
    expect(policy('registry.local:5000/envoy@sha256:' + 'a'.repeat(64))).toBe('IfNotPresent');
    expect(policy('envoyproxy/envoy:latest')).toBe('Always');
    expect(policy('registry.local:5000/envoy')).toBe('Always');
  });
});

describe('EnvoySidecar overload manager', () => {
  const cpu = { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) };
  const monitors = (bootstrap: any) => Object.fromEntries(bootstrap.overload_manager.resource_monitors.map((m: any) => [m.name, m.typed_config]));
  const withMemory = (limit: Size) => ({ resources: { cpu, memory: { request: limit, limit } } });

  test('by default bounds the heap at 80 % of the memory limit and holds 10000 connections; probes and scrapes bypass it', () => {
    const s = setup();
    sidecar(s, { outbound: [{ name: 'mathoid', address: 'mathoid.demo.svc.cluster.local', port: 80, listenPort: 9000 }] });
    const b = bootstrapOf(synthChart(s.chart));
    const m = monitors(b);
    // 80 % of the default 256Mi limit
    expect(m['envoy.resource_monitors.fixed_heap'].max_heap_size_bytes).toBe(Math.floor(256 * 1024 * 1024 * 0.8));
    expect(m['envoy.resource_monitors.global_downstream_max_connections'].max_active_downstream_connections).toBe(10000);
    expect(b.overload_manager.refresh_interval).toBe('0.25s');
    expect(b.overload_manager.actions.map((a: any) => [a.name, a.triggers[0].threshold.value])).toEqual([
      ['envoy.overload_actions.disable_http_keepalive', 0.92],
      ['envoy.overload_actions.shrink_heap', 0.92],
      ['envoy.overload_actions.stop_accepting_requests', 0.95],
    ]);
    // the default image (1.39) has the fix for the connection count of shed connections: new connections stop at 95 % too
    expect(b.overload_manager.loadshed_points).toEqual([
      { name: 'envoy.load_shed_points.tcp_listener_accept', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.95 } }] },
    ]);
    expect(b.admin.ignore_global_conn_limit).toBe(true);
    expect(listener(b, 'stats').bypass_overload_manager).toBe(true);
    // the app's own calls and the clients' are under the overload manager
    expect(listener(b, 'outbound-mathoid').bypass_overload_manager).toBeUndefined();
    expect(listener(b, 'inbound').bypass_overload_manager).toBeUndefined();
    for (const l of b.static_resources.listeners) expect(l.ignore_global_conn_limit).toBeUndefined();
    expect(EnvoyConfigValidator.validate(b, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
  });

  test('sheds new connections only on Envoy 1.38 or newer (earlier releases leaked the connection count of shed connections)', () => {
    const shed = (image: string) => {
      const s = setup();
      sidecar(s, { image });
      return bootstrapOf(synthChart(s.chart)).overload_manager.loadshed_points;
    };
    expect(shed('envoyproxy/envoy:v1.38.0')).toHaveLength(1);
    expect(shed('envoyproxy/envoy:v1.37.4')).toBeUndefined();
    expect(shed('envoyproxy/envoy:v1.31.10')).toBeUndefined();
    // a tag that doesn't say its release gets none
    expect(shed('registry.example.com/envoy:stable')).toBeUndefined();
  });

  test('follows the memory limit, heapPercent and maxConnections', () => {
    const s = setup();
    sidecar(s, { ...withMemory(Size.gibibytes(1)), overload: { heapPercent: 70, maxConnections: 50000 } });
    const m = monitors(bootstrapOf(synthChart(s.chart)));
    expect(m['envoy.resource_monitors.fixed_heap'].max_heap_size_bytes).toBe(Math.floor(1024 * 1024 * 1024 * 0.7));
    expect(m['envoy.resource_monitors.global_downstream_max_connections'].max_active_downstream_connections).toBe(50000);
  });

  test('enabled: false leaves the overload manager and the bypass out', () => {
    const s = setup();
    sidecar(s, { overload: { enabled: false } });
    const b = bootstrapOf(synthChart(s.chart));
    expect(b.overload_manager).toBeUndefined();
    expect(b.admin.ignore_global_conn_limit).toBeUndefined();
    expect(listener(b, 'stats').bypass_overload_manager).toBeUndefined();
  });

  test('a bootstrap override merges into it (objects merge, lists replace), and null removes it', () => {
    const merged = setup();
    sidecar(merged).bootstrap.addOverride({ overload_manager: { refresh_interval: '1s', actions: [] } });
    const b = bootstrapOf(synthChart(merged.chart));
    expect([b.overload_manager.refresh_interval, b.overload_manager.actions, b.overload_manager.resource_monitors.length]).toEqual(['1s', [], 2]);
    const removed = setup();
    sidecar(removed).bootstrap.addOverride({ overload_manager: null });
    expect(bootstrapOf(synthChart(removed.chart)).overload_manager).toBeUndefined();
  });

  test('none under marin3r, whose bootstrap is its own; given explicitly there, it is refused', () => {
    const s = setup(ENVOY_USER);
    const envoy = sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    expect(envoy.bootstrap.toJson().overload_manager).toBeUndefined();
    expect(listener(envoy.bootstrap.toJson(), 'stats').bypass_overload_manager).toBeUndefined();
    expect(() => sidecar(setup(ENVOY_USER), { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), overload: { maxConnections: 100 } })).toThrow(
      'test/envoy: overload: given, but marin3r writes its own bootstrap (node, admin, ADS), and only the listeners and clusters reach Envoy, through the EnvoyConfig, '
      + "so Envoy would never see an overload manager; drop overload (size the container's memory limit for the peak instead), or deliver the bootstrap by ConfigMap");
    expect(() => sidecar(setup(ENVOY_USER), { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), overload: { enabled: false } })).not.toThrow();
  });

  test('needs a heap bound of at least 16 MiB: 80 % of 20Mi, 90 % of 18Mi', () => {
    expect(() => sidecar(setup(), withMemory(Size.mebibytes(20)))).not.toThrow();
    expect(() => sidecar(setup(), { ...withMemory(Size.mebibytes(18)), overload: { heapPercent: 90 } })).not.toThrow();
    expect(() => sidecar(setup(), withMemory(Size.mebibytes(19)))).toThrow(
      'test/envoy: overload.heapPercent: 80 % of the memory limit (19Mi) is 15938355 bytes of heap, below 16 MiB: '
      + "Envoy's heap at rest takes several MiB, so it would shed load from the start; "
      + 'raise the memory limit of resources (the default is 256Mi), or heapPercent');
    expect(() => sidecar(setup(), { ...withMemory(Size.mebibytes(16)), overload: { enabled: false } })).not.toThrow();
  });

  test('rejects a heapPercent outside 10..90, a connection limit that is not a whole number from 1, and options beside enabled: false', () => {
    for (const heapPercent of [95, 5, 80.5]) {
      expect(() => sidecar(setup(), { overload: { heapPercent } })).toThrow(
        `test/envoy: overload.heapPercent: received ${heapPercent}; give a whole percentage from 10 to 90 of the memory limit `
        + '(above 90 the memory outside the heap can reach the limit before Envoy sheds load)');
    }
    for (const maxConnections of [0, 100.5]) {
      expect(() => sidecar(setup(), { overload: { maxConnections } })).toThrow(
        `test/envoy: overload.maxConnections: ${maxConnections} is not a whole number of at least 1; give the number of connections, e.g. 10000`);
    }
    expect(() => sidecar(setup(), { overload: { enabled: false, heapPercent: 50, maxConnections: 10 } })).toThrow(
      'test/envoy: overload.enabled: false, with overload.heapPercent and overload.maxConnections given, which would have no effect; drop them, or enabled: false');
  });
});

describe('EnvoySidecar.addReadinessDependency', () => {
  const checked = () => new EnvoyCluster({ name: 'authz', endpoints: [{ address: '127.0.0.1', port: 9191 }], healthCheck: { interval: Duration.seconds(2) } });
  const statsHcm = (objects: any[]) => hcm(listener(bootstrapOf(objects), 'stats'));

  test('answers /ready on the stats port from the health of the clusters, one filter for all of them', () => {
    const s = setup();
    const envoy = sidecar(s);
    envoy.addReadinessDependency(envoy.addCluster(checked()));
    const other = envoy.addCluster(new EnvoyCluster({ name: 'cache', endpoints: [{ address: '127.0.0.1', port: 6379 }], healthCheck: {} }));
    envoy.addReadinessDependency(other, 50);
    const objects = synthChart(s.chart);
    const filters = statsHcm(objects).http_filters;
    expect(filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.health_check', 'envoy.filters.http.router']);
    expect(filters[0].typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
      'pass_through_mode': false,
      'headers': [{ name: ':path', string_match: { exact: '/ready' } }],
      'cluster_min_healthy_percentages': { authz: { value: 100 }, cache: { value: 50 } },
    });
    // /stats/prometheus still goes through to the admin API
    expect(statsHcm(objects).route_config.virtual_hosts[0].routes.map((r: any) => r.match.path)).toEqual(['/ready', '/stats/prometheus']);
    expect(EnvoyConfigValidator.validate(bootstrapOf(objects), EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
    expect(() => runValidations(s.chart)).not.toThrow();
  });

  test('without dependencies /ready goes to the admin API, with no health_check filter', () => {
    const s = setup();
    sidecar(s);
    expect(statsHcm(synthChart(s.chart)).http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.router']);
  });

  test.each<[string, (envoy: EnvoySidecar) => void, string]>([
    ['a cluster the sidecar does not have', (envoy) => envoy.addReadinessDependency(checked()),
      'test/envoy: addReadinessDependency("authz"): cluster "authz" is not a cluster of this sidecar; add it first with addCluster or addUpstream, and pass the cluster returned'],
    ['a cluster without health checks', (envoy) => envoy.addReadinessDependency(envoy.addCluster(new EnvoyCluster({ name: 'plain', endpoints: [{ address: '127.0.0.1', port: 9191 }] }))),
      'test/envoy: addReadinessDependency("plain"): cluster "plain" has no healthCheck, so Envoy counts all its members as healthy and readiness would never wait for it; give the cluster healthCheck options (no path: a TCP connect check)'],
    ['a cluster with outlier detection', (envoy) => envoy.addReadinessDependency(envoy.addCluster(new EnvoyCluster({
      name: 'ejecting', endpoints: [{ address: '127.0.0.1', port: 9191 }], healthCheck: {}, outlierDetection: {},
    }))),
    'test/envoy: addReadinessDependency("ejecting"): cluster "ejecting" has outlierDetection, and the health_check filter counts ejected members as unhealthy, so a burst of upstream errors would take every replica out of its Services at once; depend on a cluster without outlierDetection (add a second cluster to the same endpoints for the health check if the traffic needs ejection)'],
    ['a percentage of 0', (envoy) => envoy.addReadinessDependency(envoy.addCluster(checked()), 0),
      'test/envoy: addReadinessDependency("authz").minHealthyPercent: received 0; give a whole percentage from 1 to 100'],
    ['a percentage above 100', (envoy) => envoy.addReadinessDependency(envoy.addCluster(checked()), 101),
      'test/envoy: addReadinessDependency("authz").minHealthyPercent: received 101; give a whole percentage from 1 to 100'],
  ])('fails on %s', (_what, call, message) => {
    const s = setup();
    const envoy = sidecar(s);
    expect(() => call(envoy)).toThrow(message);
  });

  test('fails under marin3r, whose probes call the admin API', () => {
    const s = setup(ENVOY_USER);
    const envoy = sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    expect(() => envoy.addReadinessDependency(envoy.addCluster(checked()))).toThrow(
      "test/envoy: addReadinessDependency(\"authz\"): the sidecar is delivered by marin3r, whose injected container is probed by marin3r on the admin API's /ready, not on this sidecar's statsPort; use EnvoyDelivery.configMap() for a readiness that waits for the cluster, or leave readiness to marin3r's probes");
  });
});

describe('EnvoySidecar with marin3r delivery', () => {
  function marin3r(): Setup & { envoy: EnvoySidecar } {
    const s = setup(ENVOY_USER);
    const envoy = sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    new Marin3rDiscoveryService(s.chart, 'ds', { namespace: 'demo' });
    return { ...s, envoy };
  }

  test('adds no Envoy container, and asks marin3r to inject one through the pod template', () => {
    const s = marin3r();
    const objects = synthChart(s.chart);
    const template = findOne(objects, 'Deployment', 'kuard').spec.template;
    expect(template.spec.containers.map((c: any) => c.name)).toEqual(['kuard']);
    expect(template.metadata.labels['marin3r.3scale.net/status']).toBe('enabled');
    expect(template.metadata.annotations).toEqual({
      'marin3r.3scale.net/node-id': 'kuard',
      'marin3r.3scale.net/envoy-api-version': 'v3',
      'marin3r.3scale.net/envoy-image': 'envoyproxy/envoy:v1.39.6',
      'marin3r.3scale.net/ports': 'envoy-https:8443,envoy-stats:9902',
      'marin3r.3scale.net/admin.port': '9901',
      'marin3r.3scale.net/envoy-extra-args': '--log-level info --concurrency 2',
      'marin3r.3scale.net/shutdown-manager.enabled': 'true',
      // marin3r's webhook makes this the pod's grace period: the drain's allowance (the 15s wait, a 5s poll),
      // then the template's 30s for the containers whose stop the shutdown manager holds
      'marin3r.3scale.net/shutdown-manager.drain-time': '50',
      'marin3r.3scale.net/resources.requests.cpu': '100m',
      'marin3r.3scale.net/resources.limits.cpu': '1',
      'marin3r.3scale.net/resources.requests.memory': '64Mi',
      'marin3r.3scale.net/resources.limits.memory': '256Mi',
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9902',
      'prometheus.io/path': '/stats/prometheus',
    });
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    expect(s.envoy.container).toBeUndefined();
    // the pod-level user that keeps the injected container off root
    expect(template.spec.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 101, runAsNonRoot: true });
    expectSchemaValid(objects);
  });

  test('serves the same listeners and clusters from an EnvoyConfig, with the certificate from the Secret over SDS', () => {
    const s = marin3r();
    const config = findOne(synthChart(s.chart), 'EnvoyConfig', 'kuard');
    expect(config.metadata.namespace).toBe('demo');
    expect(config.spec).toMatchObject({ nodeID: 'kuard', envoyAPI: 'v3', serialization: 'json' });
    const resources = config.spec.resources;
    expect(resources[0]).toEqual({ type: 'secret', generateFromTlsSecret: 'kuard-certificate' });
    expect(resources.filter((r: any) => r.type === 'cluster').map((r: any) => r.value.name)).toEqual(['envoy-admin', 'local-app']);
    expect(resources.filter((r: any) => r.type === 'listener').map((r: any) => r.value.name)).toEqual(['stats', 'inbound']);
    const inbound = resources.find((r: any) => r.type === 'listener' && r.value.name === 'inbound').value;
    expect(inbound.filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs)
      .toEqual([{ name: 'kuard-certificate', sds_config: { ads: {}, resource_api_version: 'V3' } }]);
  });

  test('times idle client connections out after 8 s on every listener, so that the shutdown manager\'s drain, which waits for all of them, ends', () => {
    const s = setup(ENVOY_USER);
    sidecar(s, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      outbound: [{ name: 'mathoid', address: 'mathoid.demo.svc.cluster.local', port: 80, listenPort: 9000 }],
    });
    new Marin3rDiscoveryService(s.chart, 'ds', { namespace: 'demo' });
    const listeners = findOne(synthChart(s.chart), 'EnvoyConfig', 'kuard').spec.resources.filter((r: any) => r.type === 'listener').map((r: any) => r.value);
    expect(Object.fromEntries(listeners.map((l: any) => [l.name, hcm(l).common_http_protocol_options?.idle_timeout])))
      .toEqual({ 'stats': '8s', 'inbound': '8s', 'outbound-mathoid': '8s' });
    // merged with the client hardening's options, not instead of them
    expect(hcm(listeners.find((l: any) => l.name === 'inbound')).common_http_protocol_options).toEqual({ headers_with_underscores_action: 'DROP_HEADER', idle_timeout: '8s' });
    // without the shutdown manager (Envoy stops on SIGTERM), and with ConfigMap delivery (a drain of
    // fixed length), Envoy's own hour stays
    const plain = setup(ENVOY_USER);
    sidecar(plain, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard', shutdownManager: false }) });
    new Marin3rDiscoveryService(plain.chart, 'ds', { namespace: 'demo' });
    const plainListeners = findOne(synthChart(plain.chart), 'EnvoyConfig', 'kuard').spec.resources.filter((r: any) => r.type === 'listener');
    expect(plainListeners.map((r: any) => hcm(r.value).common_http_protocol_options?.idle_timeout)).toEqual([undefined, undefined]);
    const configMap = setup();
    sidecar(configMap);
    expect(hcm(listener(bootstrapOf(synthChart(configMap.chart)), 'inbound')).common_http_protocol_options.idle_timeout).toBeUndefined();
    // connectionManagerOverrides still win
    const own = setup(ENVOY_USER);
    sidecar(own, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(own.secret), connectionManagerOverrides: { common_http_protocol_options: { idle_timeout: '3s' } } },
    });
    new Marin3rDiscoveryService(own.chart, 'ds', { namespace: 'demo' });
    const ownInbound = findOne(synthChart(own.chart), 'EnvoyConfig', 'kuard').spec.resources.find((r: any) => r.type === 'listener' && r.value.name === 'inbound').value;
    expect(hcm(ownInbound).common_http_protocol_options.idle_timeout).toBe('3s');
  });

  test('keeps the TLS options given with the Secret', () => {
    const s = setup(ENVOY_USER);
    sidecar(s, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret, { minimumProtocolVersion: EnvoyTlsVersion.TLS_V1_3, alpnProtocols: ['http/1.1'] }) },
    });
    new Marin3rDiscoveryService(s.chart, 'ds', { namespace: 'demo' });
    const resources = findOne(synthChart(s.chart), 'EnvoyConfig', 'kuard').spec.resources;
    const context = resources.find((r: any) => r.type === 'listener' && r.value.name === 'inbound').value.filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(context.tls_params).toEqual({ tls_minimum_protocol_version: 'TLSv1_3' });
    expect(context.alpn_protocols).toEqual(['http/1.1']);
  });

  test('fails on an inbound port named "admin", which marin3r\'s injected container already has', () => {
    const s = setup(ENVOY_USER);
    expect(() => sidecar(s, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), portName: 'admin' },
    })).toThrow('test/envoy: inbound.portName: "admin" (port 8443) is the name marin3r gives the admin port of the container it injects, so the pod would have two ports of that name; choose another name, e.g. "envoy-https"');
  });

  test('claims the shutdown manager port of the pod', () => {
    const chart = new Chart(Testing.app(), 'test');
    const app = new kplus.Deployment(chart, 'app', { securityContext: ENVOY_USER, containers: [{ name: 'app', image: 'app:1', ports: [{ number: 8080 }, { number: 8090 }] }] });
    expect(() => new EnvoySidecar(chart, 'envoy', { workload: app, delivery: EnvoyDelivery.marin3r({ nodeId: 'app' }), inbound: { port: 8443, targetPort: 8080 } }))
      .toThrow('test/envoy: delivery: 8090 is already used by container "app"; choose a port that no other container in the pod uses');
  });

  test('creates the namespace DiscoveryService with requests and limits', () => {
    const s = marin3r();
    const ds = findOne(synthChart(s.chart), 'DiscoveryService');
    expect(ds.metadata).toEqual({ name: 'discoveryservice', namespace: 'demo' });
    expect(ds.spec.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  test('writes a DiscoveryService memory size that is not a whole number of MiB in Ki', () => {
    const chart = new Chart(Testing.app(), 'test');
    new Marin3rDiscoveryService(chart, 'ds', {
      namespace: 'demo',
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.kibibytes(1536), limit: Size.mebibytes(512) },
      },
    });
    expect(findOne(synthChart(chart), 'DiscoveryService').spec.resources.requests.memory).toBe('1536Ki');
  });
});

describe('marin3r wiring that its operator or webhook would refuse', () => {
  test('two workloads of one namespace with one node id (marin3r serves one configuration per node id)', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'demo' });
    const pod = (name: string) => new kplus.Deployment(chart, name, { securityContext: ENVOY_USER, containers: [{ name, image: 'kuard:1', ports: [{ number: 8080 }] }] });
    new EnvoySidecar(chart, 'a-envoy', { workload: pod('a'), delivery: EnvoyDelivery.marin3r({ nodeId: 'shared' }) });
    expect(() => new EnvoySidecar(chart, 'b-envoy', { workload: pod('b'), delivery: EnvoyDelivery.marin3r({ nodeId: 'shared' }) })).toThrow(
      'test/b-envoy: delivery.nodeId: "shared" is already the node id of test/a-envoy in namespace "demo"; give each workload its own node id');
    // another namespace may use it
    const other = new Chart(chart.node.root as any, 'other', { namespace: 'other' });
    const c = new kplus.Deployment(other, 'c', { securityContext: ENVOY_USER, containers: [{ name: 'c', image: 'kuard:1', ports: [{ number: 8080 }] }] });
    expect(() => new EnvoySidecar(other, 'c-envoy', { workload: c, delivery: EnvoyDelivery.marin3r({ nodeId: 'shared' }) })).not.toThrow();
  });

  test('a second DiscoveryService in a namespace, and a name the operator\'s Service "marin3r-<name>" can\'t take', () => {
    const chart = new Chart(Testing.app(), 'test');
    new Marin3rDiscoveryService(chart, 'ds', { namespace: 'demo' });
    expect(() => new Marin3rDiscoveryService(chart, 'ds2', { namespace: 'demo', name: 'second' })).toThrow(
      'test/ds2: namespace: "demo" already has the DiscoveryService of test/ds; create one Marin3rDiscoveryService per namespace');
    expect(() => new Marin3rDiscoveryService(chart, 'ds3', { namespace: 'other' })).not.toThrow();
    expect(() => new Marin3rDiscoveryService(chart, 'ds4', { namespace: 'x1', name: 'ds.v1' })).toThrow(
      'test/ds4: name: "ds.v1" does not fit the Service the operator creates for it, "marin3r-<name>"; use a DNS-1035 label of at most 55 characters');
    expect(() => new Marin3rDiscoveryService(chart, 'ds5', { namespace: 'x2', name: 'a'.repeat(56) })).toThrow('does not fit the Service');
    expect(() => new Marin3rDiscoveryService(chart, 'ds6', { namespace: 'x3', name: 'a'.repeat(55) })).not.toThrow();
  });

  test('charts of one app are checked apart: an app may hold a chart per cluster, each with the same namespace', () => {
    const app = Testing.app();
    for (const region of ['us', 'eu']) {
      const chart = new Chart(app, region, { namespace: 'shop' });
      new Marin3rDiscoveryService(chart, 'ds', { namespace: 'shop' });
      const pod = new kplus.Deployment(chart, 'web', { securityContext: ENVOY_USER, containers: [{ name: 'web', image: 'web:1', ports: [{ number: 8080 }] }] });
      expect(() => new EnvoySidecar(chart, 'envoy', { workload: pod, delivery: EnvoyDelivery.marin3r({ nodeId: 'web' }) })).not.toThrow();
    }
  });
});

describe('EnvoySidecar validates its Envoy config against Envoy\'s protos at synth', () => {
  test('the generated bootstrap, and each marin3r resource, pass', () => {
    const s = setup();
    sidecar(s, { outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 6500, outlierDetection: {}, healthCheck: { path: '/healthz' } }] });
    expect(() => runValidations(s.chart)).not.toThrow();
    const m = setup(ENVOY_USER);
    sidecar(m, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    expect(() => runValidations(m.chart)).not.toThrow();
  });

  test('raw overrides that Envoy would reject fail synth with the JSON path (ConfigMap delivery)', () => {
    const s = setup();
    const envoy = sidecar(s);
    envoy.addCluster(new EnvoyCluster({ name: 'authz', endpoints: [{ address: '127.0.0.1', port: 9999 }], overrides: { lb_policy: 'ROUND_ROBBIN', conect_timeout: '1s' } }));
    expect(() => runValidations(s.chart)).toThrow(/test\/envoy: ConfigMap "kuard-envoy" key envoy\.json: Envoy would reject this envoy\.config\.bootstrap\.v3\.Bootstrap \(2 errors, checked against Envoy's v3 API\):/);
    expect(() => runValidations(s.chart)).toThrow(/static_resources\.clusters\[2\]\.lb_policy: /);
    expect(() => runValidations(s.chart)).toThrow(/static_resources\.clusters\[2\]\.conect_timeout: /);
  });

  test('a misspelled field in a bootstrap override fails synth', () => {
    const s = setup();
    sidecar(s).bootstrap.addOverride({ admin: { acces_log_path: '/dev/stdout' } });
    expect(() => runValidations(s.chart)).toThrow(/admin\.acces_log_path: /);
  });

  test('checks the bootstrap as Envoy reads the ConfigMap text, not as the object it was serialized from', () => {
    const s = setup();
    // serialized as "kuard-override"; as an object it would not be a string
    sidecar(s).bootstrap.addOverride({ node: { id: { toJSON: () => 'kuard-override' } } });
    const objects = synthChart(s.chart);
    expect(bootstrapOf(objects).node.id).toBe('kuard-override');
  });

  test('checks each Envoy document once per synth, although cdk8s runs validations for the app and again for each chart', () => {
    const app = Testing.app();
    const charts = [new Chart(app, 'one'), new Chart(app, 'two')];
    for (const chart of charts) {
      const workload = new kplus.Deployment(chart, 'kuard', { containers: [{ image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue', portNumber: 8080 }] });
      new EnvoySidecar(chart, 'envoy', { workload, inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(kplus.Secret.fromSecretName(chart, 'cert', 'kuard-certificate')) } });
    }
    const validate = jest.spyOn(EnvoyConfigValidator, 'validate');
    try {
      app.synthYaml();
      // two sidecars, two documents each (envoy.json and the SDS file)
      expect(validate).toHaveBeenCalledTimes(4);
    } finally {
      validate.mockRestore();
    }
  });

  test('an invalid filter added through the extension point fails synth (marin3r delivery names the resource)', () => {
    const s = setup(ENVOY_USER);
    const envoy = sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    envoy.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.ext_authz', {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      'grpc_service': { envoy_grpc: { cluster_name: 'authz' } },
      'transport_api_version': 'V3',
      'failure_mode_alow': true,
    }));
    expect(() => runValidations(s.chart)).toThrow(/test\/envoy: EnvoyConfig "kuard" listener "inbound": Envoy would reject this envoy\.config\.listener\.v3\.Listener \(1 error/);
    expect(() => runValidations(s.chart)).toThrow(/http_filters\[0\]\.typed_config\.failure_mode_alow: /);
  });
});

describe('EnvoySidecar consistent-hash upstreams', () => {
  const build = (up: any) => {
    const s = setup();
    sidecar(s, { outbound: [{ name: 'cache', address: 'cache.default.svc.cluster.local', port: 8080, listenPort: 6500, ...up }] });
    return bootstrapOf(synthChart(s.chart));
  };

  test('RING_HASH and MAGLEV get the route\'s hash_policy, in order, valid against Envoy\'s protos', () => {
    const b = build({
      loadBalancing: EnvoyLoadBalancing.RING_HASH,
      hashPolicies: [EnvoyHashPolicy.header('X-User-Id'), EnvoyHashPolicy.cookie('session', Duration.hours(1))],
    });
    expect(cluster(b, 'cache').lb_policy).toBe('RING_HASH');
    const route = hcm(listener(b, 'outbound-cache')).route_config.virtual_hosts[0].routes[0].route;
    expect(route.hash_policy).toEqual([{ header: { header_name: 'x-user-id' } }, { cookie: { name: 'session', ttl: '3600s', path: '/' } }]);
    expect(EnvoyConfigValidator.validate(b).errors).toEqual([]);
    const maglev = build({ loadBalancing: EnvoyLoadBalancing.MAGLEV, hashPolicies: [EnvoyHashPolicy.sourceIp()] });
    expect(hcm(listener(maglev, 'outbound-cache')).route_config.virtual_hosts[0].routes[0].route.hash_policy).toEqual([{ connection_properties: { source_ip: true } }]);
  });

  test('a consistent-hash balancer without a hash policy is refused: it would pick a random member for every request', () => {
    expect(() => build({ loadBalancing: EnvoyLoadBalancing.MAGLEV })).toThrow(
      'test/envoy: outbound["cache"].hashPolicies: missing with loadBalancing MAGLEV, which then sends every request to a random member; '
      + 'give what to hash on, e.g. hashPolicies: [EnvoyHashPolicy.header("x-user-id")], or use ROUND_ROBIN or LEAST_REQUEST');
  });

  test('hash policies for a balancer that ignores them are refused', () => {
    expect(() => build({ hashPolicies: [EnvoyHashPolicy.header('x-user-id')] })).toThrow(
      'test/envoy: outbound["cache"].hashPolicies: given with loadBalancing ROUND_ROBIN, which ignores them; use loadBalancing RING_HASH or MAGLEV, or drop hashPolicies');
  });

  test('bad header and cookie names fail where they are given', () => {
    expect(() => EnvoyHashPolicy.header('x user')).toThrow('hashPolicy.header: "x user" is not an HTTP header name; give a header name such as "x-user-id"');
    expect(() => EnvoyHashPolicy.cookie('a;b')).toThrow('hashPolicy.cookie: "a;b" is not a cookie name');
    // zero is Envoy's session cookie (cdk8s refuses negative durations itself)
    expect(EnvoyHashPolicy.cookie('s', Duration.seconds(0)).toJson()).toEqual({ cookie: { name: 's', ttl: '0s', path: '/' } });
    expect(EnvoyHashPolicy.cookie('s').toJson()).toEqual({ cookie: { name: 's' } });
  });
});

describe('EnvoySidecar upstream Host header', () => {
  const route = (up: any) => {
    const s = setup();
    sidecar(s, { outbound: [{ name: 'api', port: 443, listenPort: 6500, ...up }] });
    return hcm(listener(bootstrapOf(synthChart(s.chart)), 'outbound-api')).route_config.virtual_hosts[0].routes[0].route;
  };

  test('an upstream given by IP address keeps the Host header unless rewriteHost asks for its TLS name', () => {
    expect(route({ address: '203.0.113.10' }).auto_host_rewrite).toBeUndefined();
    expect(route({ address: '203.0.113.10' }).host_rewrite_literal).toBeUndefined();
    const r = route({ address: '203.0.113.10', tls: { sni: 'api.example.com' }, rewriteHost: true });
    expect(r.host_rewrite_literal).toBe('api.example.com');
    expect(r.auto_host_rewrite).toBeUndefined();
  });

  test('a DNS upstream rewrites to its name by default, and not with rewriteHost: false', () => {
    expect(route({ address: 'api.example.com' }).auto_host_rewrite).toBe(true);
    expect(route({ address: 'api.example.com', rewriteHost: false }).auto_host_rewrite).toBeUndefined();
  });

  test('a refused upstream leaves nothing behind in the bootstrap', () => {
    const s = setup();
    const envoy = sidecar(s);
    expect(() => envoy.addUpstream({ name: 'api', address: '203.0.113.10', port: 443, listenPort: 6500, rewriteHost: true })).toThrow('rewriteHost');
    const b = bootstrapOf(synthChart(s.chart));
    expect(b.static_resources.clusters.map((c: any) => c.name)).not.toContain('api');
  });

  test('rewriteHost: true for an IP address without a TLS name is refused, not dropped', () => {
    expect(() => route({ address: '203.0.113.10', rewriteHost: true })).toThrow(
      'test/envoy: outbound["api"].rewriteHost: is true for the IP address "203.0.113.10", which has no name to write into the Host header; '
      + "give tls.sni (the name is then written), use the upstream's DNS name as its address, or drop rewriteHost");
  });
});

describe('EnvoySidecar rejects', () => {
  test('an upstream name that is not a valid Envoy name, or too long for its listener "outbound-<name>"', () => {
    const fix = 'use 1 to 119 letters, digits, ".", "_", "-" or "|", starting with a letter or digit (Envoy\'s listener is named "outbound-<name>", at most 128 characters)';
    expect(() => sidecar(setup(), { outbound: [{ name: 'bad name', address: 'm.svc', port: 80, listenPort: 6500 }] }))
      .toThrow(`test/envoy: outbound["bad name"].name: "bad name" is not a valid upstream name; ${fix}`);
    const long = 'a'.repeat(120);
    expect(() => sidecar(setup(), { outbound: [{ name: long, address: 'm.svc', port: 80, listenPort: 6500 }] }))
      .toThrow(`test/envoy: outbound["${long}"].name: "${long}" is not a valid upstream name`);
    expect(() => sidecar(setup(), { outbound: [{ name: 'a'.repeat(119), address: 'm.svc', port: 80, listenPort: 6500 }] })).not.toThrow();
  });

  test('ports below 1024, which Envoy (uid 101, no NET_BIND_SERVICE) cannot bind', () => {
    const fix = 'use a port from 1024 up (e.g. 8443 or 8080; a Service can still offer 443 or 80, see exposeViaService)';
    expect(() => sidecar(setup(), { inbound: { port: 443, targetPort: 8080 } }))
      .toThrow(`test/envoy: inbound.port: 443 is a privileged port, which Envoy (uid 101) can't bind without NET_BIND_SERVICE; ${fix}`);
    expect(() => sidecar(setup(), { outbound: [{ name: 'm', address: 'm.svc', port: 80, listenPort: 80 }] }))
      .toThrow('test/envoy: outbound["m"].listenPort: 80 is a privileged port');
    expect(() => sidecar(setup(), { statsPort: 999 })).toThrow('test/envoy: statsPort: 999 is a privileged port');
    expect(() => sidecar(setup(), { adminPort: 1 })).toThrow('test/envoy: adminPort: 1 is a privileged port');
  });

  test('marin3r delivery on a pod without a pod-level user (the injected Envoy would start as root)', () => {
    expect(() => sidecar(setup(), { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) })).toThrow(
      'test/envoy: delivery: marin3r injects the Envoy container without a securityContext and "envoyproxy/envoy:v1.39.6" starts as root, '
      + 'but the pod of workload "kuard" sets no user (the kubelet refuses to start a root container in a runAsNonRoot pod); '
      + "give the workload a pod-level securityContext: { user: 101, group: 101 } (the image's envoy user); app containers that need another uid set their own");
    expect(() => sidecar(setup({ user: 0 }), { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) })).toThrow('sets user 0');
  });

  test("marin3r's shutdown manager with another admin port", () => {
    expect(() => sidecar(setup(ENVOY_USER), { adminPort: 15000, delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) })).toThrow(
      "test/envoy: adminPort: 15000 with marin3r's shutdown manager, which always calls the admin API on localhost:9901; "
      + 'leave adminPort at 9901 (EnvoyDelivery.marin3r({ nodeId, shutdownManager: false }) would allow another port, but then Envoy stops without draining)');
    expect(() => sidecar(setup(ENVOY_USER), { adminPort: 15000, delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard', shutdownManager: false }) })).not.toThrow();
  });

  test("marin3r's shutdown manager: the drain-time annotation, which marin3r's webhook makes the pod's grace period, never cuts the template's", () => {
    const chart = new Chart(Testing.app(), 'test');
    /** A workload of marin3r-ready pods (a pod-level user) with the template's grace period. */
    const pod = (name: string, graceSeconds: number) => new kplus.Deployment(chart, name, {
      metadata: { name },
      securityContext: ENVOY_USER,
      terminationGracePeriod: Duration.seconds(graceSeconds),
      containers: [{ name: 'kuard', image: 'kuard:1', ports: [{ number: 8080 }] }],
    });
    const drainTime = (name: string) => findOne(synthChart(chart), 'Deployment', name).spec.template.metadata.annotations['marin3r.3scale.net/shutdown-manager.drain-time'];
    new EnvoySidecar(chart, 'envoy', { workload: pod('kuard', 20), drainTime: Duration.seconds(60), delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    // the drain: 60s and a 5s poll, then the template's 20s
    expect(drainTime('kuard')).toBe('85');
    // a long drain gets what it needs
    new EnvoySidecar(chart, 'envoy-slow', { workload: pod('slow', 20), drainTime: Duration.seconds(291), delivery: EnvoyDelivery.marin3r({ nodeId: 'slow' }) });
    expect(drainTime('slow')).toBe('316');
    // a template's longer grace period is added whole: the held containers count on it after the drain
    new EnvoySidecar(chart, 'envoy-long', { workload: pod('long', 120), delivery: EnvoyDelivery.marin3r({ nodeId: 'long' }) });
    expect(drainTime('long')).toBe('140');
    // without the shutdown manager the template's 20s count
    expect(() => new EnvoySidecar(chart, 'envoy-other', { workload: pod('other', 20), drainTime: Duration.seconds(60), delivery: EnvoyDelivery.marin3r({ nodeId: 'other', shutdownManager: false }) }))
      .toThrow("test/envoy-other: drainTime: 60s does not fit in the pod's terminationGracePeriod of 20s with 5s to spare");
  });

  test('a certificate Secret of another namespace than the pods, which neither a Secret volume nor marin3r can read', () => {
    for (const delivery of [EnvoyDelivery.configMap(), EnvoyDelivery.marin3r({ nodeId: 'kuard' })]) {
      const s = setup(ENVOY_USER);
      const secret = new kplus.Secret(s.chart, 'elsewhere', { metadata: { name: 'kuard-certificate', namespace: 'certs' }, type: 'kubernetes.io/tls' });
      expect(() => sidecar(s, { delivery, inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(secret) } })).toThrow(
        'test/envoy: inbound.tls: Secret "kuard-certificate" is in namespace "certs", but the pods of workload "kuard" run in "demo", and Secrets are read from the pod\'s own namespace; '
        + 'create the certificate Secret in namespace "demo"');
      const t = setup(ENVOY_USER);
      const same = new kplus.Secret(t.chart, 'here', { metadata: { name: 'kuard-certificate', namespace: 'demo' }, type: 'kubernetes.io/tls' });
      expect(() => sidecar(t, { delivery, inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(same) } })).not.toThrow();
    }
  });

  test('marin3r delivery: the pod-user error says what happens without runAsNonRoot too', () => {
    expect(() => sidecar(setup({ ensureNonRoot: false }), { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) }))
      .toThrow('sets no user (Envoy would run as root)');
  });

  test('a worker count that is not a positive integer', () => {
    expect(() => sidecar(setup(), { concurrency: 0 }))
      .toThrow('test/envoy: concurrency: 0 is not a worker count; use an integer from 1 to 256, usually the cores of the CPU limit');
    expect(() => sidecar(setup(), { concurrency: 1.5 })).toThrow('test/envoy: concurrency: 1.5 is not a worker count');
  });

  test('an inbound port out of range', () => {
    const s = setup();
    expect(() => sidecar(s, { inbound: { port: 70000, targetPort: 8080 } })).toThrow('test/envoy: inbound.port: 70000 is not a valid port; use an integer from 1 to 65535');
  });

  test('an inbound port that the app container already uses', () => {
    const s = setup();
    expect(() => sidecar(s, { inbound: { port: 8080, targetPort: 8080 } }))
      .toThrow('test/envoy: inbound.port: 8080 is already used by container "kuard"; choose a port that no other container in the pod uses');
  });

  test('an outbound listener on a port another Envoy listener uses', () => {
    const s = setup();
    expect(() => sidecar(s, { outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 8443 }] }))
      .toThrow('test/envoy: outbound["mathoid"].listenPort: 8443 is already used by listener "inbound"; give each listener its own port');
  });

  test('an outbound listener on the admin port', () => {
    const s = setup();
    expect(() => sidecar(s, { outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 9901 }] }))
      .toThrow('test/envoy: outbound["mathoid"].listenPort: 9901 is the admin port; give the listener another port');
  });

  test('TLS without a certificate source', () => {
    const s = setup();
    expect(() => sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(undefined as unknown as kplus.ISecret) } }))
      .toThrow('test/envoy: inbound.tls: no certificate Secret was given (received undefined); pass EnvoyTls.fromSecret(secret) with a kubernetes.io/tls Secret');
  });

  test('an upstream with an empty or invalid address', () => {
    expect(() => sidecar(setup(), { outbound: [{ name: 'mathoid', address: '', port: 80, listenPort: 6500 }] }))
      .toThrow('test/envoy: outbound["mathoid"].address: received ""');
    expect(() => sidecar(setup(), { outbound: [{ name: 'mathoid', address: 'mathoid.svc:10044', port: 80, listenPort: 6500 }] }))
      .toThrow('test/envoy: outbound["mathoid"].address: "mathoid.svc:10044" is neither an IP address nor a DNS name');
  });

  test('a distroless Envoy image, which lacks the bash of the preStop drain hook', () => {
    expect(() => sidecar(setup(), { image: 'envoyproxy/envoy:distroless-v1.39.6' })).toThrow(
      'test/envoy: image: "envoyproxy/envoy:distroless-v1.39.6" is a distroless image, without the /bin/bash the preStop drain hook runs (the hook would fail and Envoy would stop without draining); '
      + 'use the standard envoyproxy/envoy image of the same version, e.g. "envoyproxy/envoy:v1.39.6"');
  });

  test('an upstream retry condition Envoy would ignore, named by the upstream\'s prop', () => {
    expect(() => sidecar(setup(), { outbound: [{ name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 6500, retries: { retryOn: ['5XX'] } }] }))
      .toThrow('test/envoy: outbound["mathoid"].retries.retryOn: "5XX" is not a retry condition Envoy knows (it ignores unknown words, and would not retry on it); write "5xx"');
  });

  test('duplicate upstream names', () => {
    const s = setup();
    expect(() => sidecar(s, {
      outbound: [
        { name: 'mathoid', address: 'mathoid.svc', port: 80, listenPort: 6500 },
        { name: 'mathoid', address: 'other.svc', port: 80, listenPort: 6501 },
      ],
    })).toThrow('test/envoy: outbound["mathoid"]: a cluster with this name already exists; give each cluster its own name');
  });

  test('an upstream named like a cluster the sidecar owns', () => {
    expect(() => sidecar(setup(), { outbound: [{ name: 'local-app', address: 'x.svc', port: 80, listenPort: 6500 }] }))
      .toThrow('test/envoy: outbound["local-app"]: a cluster with this name already exists');
  });

  test('zero timeouts', () => {
    expect(() => sidecar(setup(), { outbound: [{ name: 'm', address: 'm.svc', port: 80, listenPort: 6500, timeout: Duration.seconds(0) }] }))
      .toThrow('test/envoy: outbound["m"].timeout: 0 ms is not a positive duration; use a duration of at least 1 ms');
    const s = setup();
    expect(() => sidecar(s, { inbound: { port: 8443, targetPort: 8080, timeout: Duration.millis(0) } }))
      .toThrow('test/envoy: inbound.timeout: 0 ms is not a positive duration');
  });

  test('circuit-breaker thresholds below 1', () => {
    expect(() => sidecar(setup(), { outbound: [{ name: 'm', address: 'm.svc', port: 80, listenPort: 6500, circuitBreaker: { maxRequests: 0 } }] }))
      .toThrow('test/envoy: outbound["m"].circuitBreaker.maxRequests: 0 is below 1; use an integer of at least 1');
  });

  test('marin3r delivery without a node id, or with an invalid one', () => {
    expect(() => sidecar(setup(), { delivery: EnvoyDelivery.marin3r({ nodeId: '' }) }))
      .toThrow('test/envoy: delivery.nodeId: received ""; give EnvoyDelivery.marin3r() the node id shared by the pods and the EnvoyConfig');
    expect(() => sidecar(setup(), { delivery: EnvoyDelivery.marin3r({ nodeId: 'Kuard_1' }) }))
      .toThrow('test/envoy: delivery.nodeId: "Kuard_1" is not a valid DNS-1123 label');
  });

  test('a workload without a container serving the target port', () => {
    expect(() => sidecar(setup(), { inbound: { port: 8443, targetPort: 9090 } }))
      .toThrow('test/envoy: inbound.targetPort: no container of workload "kuard" declares port 9090 (declared: 8080 (kuard)); declare the port on the app container');
  });

  test('a second sidecar on the same workload', () => {
    const s = setup();
    sidecar(s);
    expect(() => new EnvoySidecar(s.chart, 'envoy2', { workload: s.app }))
      .toThrow('test/envoy2: workload: workload "kuard" already has an Envoy sidecar (test/envoy); configure one EnvoySidecar per workload');
  });

  test('a fractional drain time rounds up to whole seconds for Envoy', () => {
    const s = setup();
    sidecar(s, { drainTime: Duration.millis(12500) });
    expect(envoyContainer(synthChart(s.chart)).args).toEqual(expect.arrayContaining(['--drain-time-s', '13']));
  });

  test('a drain time that does not fit in the termination grace period', () => {
    expect(() => sidecar(setup(), { drainTime: Duration.seconds(28) }))
      .toThrow("test/envoy: drainTime: 28s does not fit in the pod's terminationGracePeriod of 30s with 5s to spare; use a drainTime from 1s to 25s, or raise the workload's terminationGracePeriod");
  });

  test('a container added later on a port Envoy binds, at synth', () => {
    const s = setup();
    sidecar(s);
    s.app.addContainer({ name: 'late', image: 'late:1', portNumber: 9902 });
    expect(() => runValidations(s.chart)).toThrow('test/envoy: statsPort: 9902 is already used by container "late"');
  });

  test('filters or access logs on a sidecar without an inbound listener', () => {
    const s = setup();
    const envoy = new EnvoySidecar(s.chart, 'envoy', { workload: s.app });
    expect(() => envoy.addHttpFilter(EnvoyHttpFilter.router())).toThrow('test/envoy: addHttpFilter: the sidecar has no inbound listener');
    expect(() => envoy.exposeViaService()).toThrow('test/envoy: exposeViaService: the sidecar has no inbound listener to expose');
  });

  test('holdApp under marin3r: the shutdown manager holds the app until Envoy has drained; refused where it would replace the app\'s hooks or Envoy doesn\'t drain', () => {
    const s = setup(ENVOY_USER);
    sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), holdApp: true } });
    const template = findOne(synthChart(s.chart), 'Deployment', 'kuard').spec.template;
    expect(template.metadata.annotations['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']).toBe('kuard');
    // marin3r's hook replaces the lifecycle: no sleep of the library's
    expect(template.spec.containers[0].lifecycle).toBeUndefined();
    // not asked for: the app is left alone
    const d = setup(ENVOY_USER);
    sidecar(d, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    expect(findOne(synthChart(d.chart), 'Deployment', 'kuard').spec.template.metadata.annotations).not.toHaveProperty(['marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks']);
    const n = setup(ENVOY_USER);
    expect(() => sidecar(n, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard', shutdownManager: false }), inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(n.secret), holdApp: true } })).toThrow(
      "test/envoy: inbound.holdApp: true, but Envoy doesn't drain here (marin3r without its shutdown manager stops it on SIGTERM), so there is no drain to hold the app through; drop holdApp, or leave marin3r's shutdown manager on");
    const chart = Testing.chart();
    const app = new kplus.Deployment(chart, 'kuard', {
      metadata: { name: 'kuard', namespace: 'demo' },
      securityContext: { user: 101, group: 101 },
      containers: [{
        name: 'kuard',
        image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue',
        portNumber: 8080,
        lifecycle: { postStart: kplus.Handler.fromCommand(['/app/warm-up']) },
      }],
    });
    expect(() => new EnvoySidecar(chart, 'envoy', { workload: app, inbound: { port: 8443, targetPort: 8080, holdApp: true }, delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) })).toThrow(
      'test/envoy: inbound.holdApp: true, but container "kuard" has lifecycle hooks of its own, which marin3r\'s shutdown manager would replace with its own preStop hook; '
      + 'drop holdApp and have the container\'s own preStop hook keep it serving while Envoy drains');
  });

  test('holdApp: the app container sleeps through the drain in a preStop hook (Kubernetes\' sleep action), and the result passes the Kubernetes schema', () => {
    const s = setup();
    sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), holdApp: true }, drainTime: Duration.seconds(20) });
    const objects = synthChart(s.chart);
    const kuard = findOne(objects, 'Deployment', 'kuard').spec.template.spec.containers.find((c: any) => c.name === 'kuard');
    expect(kuard.lifecycle).toEqual({ preStop: { sleep: { seconds: 21 } } });
    expectSchemaValid(objects);
    // off by default: the app's container is left alone
    const t = setup();
    sidecar(t);
    expect(findOne(synthChart(t.chart), 'Deployment', 'kuard').spec.template.spec.containers.find((c: any) => c.name === 'kuard').lifecycle).toBeUndefined();
  });

  test('holdApp finds the app container by name in any workload kind, and refuses a preStop hook a JSON patch gave it', () => {
    const chart = Testing.chart();
    const job = new kplus.Job(chart, 'migrate', {
      containers: [
        { name: 'init-schema', image: 'example/tool:1.0.0' },
        { name: 'api', image: 'example/api:1.0.0', portNumber: 8080 },
      ],
    });
    new EnvoySidecar(chart, 'envoy', { workload: job, inbound: { port: 8443, targetPort: 8080, holdApp: true } });
    const containers = findOne(synthChart(chart), 'Job').spec.template.spec.containers;
    expect(containers.find((c: any) => c.name === 'api').lifecycle).toEqual({ preStop: { sleep: { seconds: 16 } } });
    expect(containers.find((c: any) => c.name === 'init-schema').lifecycle).toBeUndefined();
    const s = setup();
    sidecar(s, { inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(s.secret), holdApp: true } });
    ApiObject.of(s.app).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { exec: { command: ['/drain'] } } }));
    expect(() => synthChart(s.chart)).toThrow('test/envoy: inbound.holdApp: container "kuard" got a preStop hook of its own (a JSON patch), which the sleep would replace; drop holdApp, or the patch');
  });

  test('holdApp is refused for an app container with its own preStop hook', () => {
    const chart = Testing.chart();
    const app = new kplus.Deployment(chart, 'kuard', {
      containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue', portNumber: 8080, lifecycle: { preStop: kplus.Handler.fromCommand(['/app/drain']) } }],
    });
    expect(() => new EnvoySidecar(chart, 'envoy', { workload: app, inbound: { port: 8443, targetPort: 8080, holdApp: true } })).toThrow(
      'test/envoy: inbound.holdApp: true, but container "kuard" has a preStop hook of its own; drop holdApp and have that hook keep the app serving for the drain time (15s)');
  });

  test('refuses a drainTime without the shutdown manager, under which Envoy does not drain', () => {
    const s = setup(ENVOY_USER);
    expect(() => sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard', shutdownManager: false }), drainTime: Duration.seconds(20) })).toThrow(
      "test/envoy: drainTime: 20s, but without marin3r's shutdown manager Envoy doesn't drain: it stops on SIGTERM and drops its connections; "
      + "drop drainTime, or leave marin3r's shutdown manager on (EnvoyDelivery.marin3r({ nodeId }))");
  });

  test('fails at synth on a bootstrap override that marin3r would drop (it writes its own bootstrap)', () => {
    const s = setup(ENVOY_USER);
    const envoy = sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }) });
    envoy.bootstrap.addOverride({ overload_manager: { refresh_interval: '0.25s' }, static_resources: { clusters: [] } });
    expect(() => runValidations(s.chart)).toThrow(
      'test/envoy: bootstrap.addOverride: sets overload_manager, which would never reach Envoy: marin3r writes its own bootstrap (node, admin, ADS), and only the listeners and clusters reach Envoy, through the EnvoyConfig; '
      + 'drop the override, put the setting in a listener or cluster (their overrides), or use EnvoyDelivery.configMap()');
  });

  test('refuses a certificate Secret of the chart that is not of type kubernetes.io/tls, which marin3r would not read', () => {
    const s = setup(ENVOY_USER);
    const opaque = new kplus.Secret(s.chart, 'opaque-cert', { metadata: { name: 'kuard-tls', namespace: 'demo' }, stringData: { 'tls.crt': 'x', 'tls.key': 'y' } });
    expect(() => sidecar(s, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(opaque) } })).toThrow(
      'test/envoy: inbound.tls: Secret "kuard-tls" has type "Opaque", but marin3r reads certificates only from Secrets of type "kubernetes.io/tls" and would publish none of the node\'s configuration; '
      + 'create it as a kplus.TlsSecret (or with type "kubernetes.io/tls"), as cert-manager does');
    const t = setup(ENVOY_USER);
    const tls = new kplus.TlsSecret(t.chart, 'tls-cert', { metadata: { name: 'kuard-tls', namespace: 'demo' }, tlsCert: 'x', tlsKey: 'y' });
    expect(() => sidecar(t, { delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }), inbound: { port: 8443, targetPort: 8080, tls: EnvoyTls.fromSecret(tls) } })).not.toThrow();
  });

  test('custom resources and memory sizes in marin3r annotations', () => {
    const s = setup(ENVOY_USER);
    sidecar(s, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard', shutdownManager: false }),
      resources: {
        cpu: { request: kplus.Cpu.millis(200), limit: kplus.Cpu.millis(800) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
      },
    });
    const a = findOne(synthChart(s.chart), 'Deployment', 'kuard').spec.template.metadata.annotations;
    expect(a['marin3r.3scale.net/resources.requests.memory']).toBe('1024Mi');
    expect(a['marin3r.3scale.net/resources.limits.memory']).toBe('2048Mi');
    expect(a['marin3r.3scale.net/shutdown-manager.enabled']).toBe('false');
    expect(a['marin3r.3scale.net/shutdown-manager.drain-time']).toBeUndefined();
  });

  test('a memory size that is not a whole number of MiB is written in Ki', () => {
    const s = setup(ENVOY_USER);
    sidecar(s, {
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.kibibytes(1536), limit: Size.mebibytes(256) },
      },
    });
    const a = findOne(synthChart(s.chart), 'Deployment', 'kuard').spec.template.metadata.annotations;
    expect(a['marin3r.3scale.net/resources.requests.memory']).toBe('1536Ki');
    expect(a['marin3r.3scale.net/resources.limits.memory']).toBe('256Mi');
  });
});
