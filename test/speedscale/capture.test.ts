import { Chart, Cron, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { SpeedscaleCapture, SpeedscaleCaptureProps, SpeedscaleProxyProtocol, SpeedscaleProxyType } from '../../src';
import { hardenContainer } from '../../src/common/pod';
import { expectSchemaValid, findOne, synthChart } from '../harness';

const A = 'sidecar.speedscale.com/';

interface Setup {
  readonly chart: Chart;
  readonly app: kplus.Deployment;
}

/** A chart with the seed's my-app (one container serving 8080), in namespace `namespace` (null: none). */
function setup(namespace: string | null = 'prod-us1'): Setup {
  const chart = new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
  const app = new kplus.Deployment(chart, 'my-app', {
    metadata: { name: 'my-app' },
    containers: [{ name: 'app', image: 'example/my-app:1.0.0', portNumber: 8080 }],
  });
  return { chart, app };
}

function capture(s: Setup, props: Omit<SpeedscaleCaptureProps, 'workload'> = {}, id = 'capture'): SpeedscaleCapture {
  return new SpeedscaleCapture(s.chart, id, { workload: s.app, ...props });
}

/** Synthesizes and schema-validates the chart, then returns the Deployment and all objects. */
function synth(s: Setup): { deployment: any; objects: any[] } {
  const objects = synthChart(s.chart);
  expectSchemaValid(objects);
  return { deployment: findOne(objects, 'Deployment', 'my-app'), objects };
}

/** The sidecar.speedscale.com/ annotations of the Deployment, after checking the pod template has the same. */
function speedscaleAnnotations(deployment: any): Record<string, string> {
  const ours = (all: Record<string, string> | undefined) => Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => k.startsWith(A)));
  const onWorkload = ours(deployment.metadata.annotations);
  expect(ours(deployment.spec.template.metadata.annotations)).toEqual(onWorkload);
  return onWorkload;
}

function env(deployment: any, container: string): Record<string, string> | undefined {
  const c = deployment.spec.template.spec.containers.find((x: any) => x.name === container);
  return c.env && Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
}

describe('SpeedscaleCapture annotations', () => {
  test('inside Istio it sets the seed\'s non-transparent dual proxy on the Deployment, where the operator reads it, and on its pod template', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {} });
    const { deployment } = synth(s);
    expect(speedscaleAnnotations(deployment)).toEqual({
      [`${A}inject`]: 'true',
      [`${A}capture-mode`]: 'proxy',
      [`${A}proxy-type`]: 'dual',
      [`${A}proxy-protocol`]: 'tcp:http',
      [`${A}proxy-host`]: 'localhost',
      [`${A}proxy-port`]: '8080',
      [`${A}proxy-in-port`]: '4143',
      [`${A}proxy-out-port`]: '4140',
      [`${A}tls-out`]: 'false',
    });
  });

  test('outside a mesh the default is a transparent proxy: no protocol, no app port, no proxy variables', () => {
    const s = setup(null);
    const c = capture(s);
    const { deployment } = synth(s);
    expect(speedscaleAnnotations(deployment)).toEqual({
      [`${A}inject`]: 'true',
      [`${A}capture-mode`]: 'proxy',
      [`${A}proxy-type`]: 'transparent',
      [`${A}proxy-in-port`]: '4143',
      [`${A}proxy-out-port`]: '4140',
      [`${A}tls-out`]: 'false',
    });
    expect(env(deployment, 'app')).toBeUndefined();
    expect(c.proxyUrl).toBeUndefined();
    expect(c.proxyProtocol).toBeUndefined();
  });

  test('a reverse proxy defaults to TCP, forwards to the app port and has no outbound port or proxy variables', () => {
    const s = setup();
    capture(s, { proxyType: SpeedscaleProxyType.REVERSE, appPort: 8080 });
    const { deployment } = synth(s);
    expect(speedscaleAnnotations(deployment)).toEqual({
      [`${A}inject`]: 'true',
      [`${A}capture-mode`]: 'proxy',
      [`${A}proxy-type`]: 'reverse',
      [`${A}proxy-protocol`]: 'tcp',
      [`${A}proxy-host`]: 'localhost',
      [`${A}proxy-port`]: '8080',
      [`${A}proxy-in-port`]: '4143',
    });
    expect(env(deployment, 'app')).toBeUndefined();
  });

  test('a forward proxy has no inbound annotations and defaults to HTTP', () => {
    const s = setup();
    capture(s, { proxyType: SpeedscaleProxyType.FORWARD });
    const { deployment } = synth(s);
    const annotations = speedscaleAnnotations(deployment);
    expect(annotations[`${A}proxy-protocol`]).toBe('http');
    expect(annotations[`${A}proxy-out-port`]).toBe('4140');
    expect(Object.keys(annotations).filter((k) => /proxy-(host|port|in-port)$/.test(k))).toEqual([]);
  });

  test('tlsOut, istio.cni and custom proxy ports appear as string annotations', () => {
    const s = setup();
    capture(s, { appPort: 8080, tlsOut: true, inboundProxyPort: 10000, outboundProxyPort: 10001, istio: { cni: true } });
    const annotations = speedscaleAnnotations(synth(s).deployment);
    expect(annotations[`${A}tls-out`]).toBe('true');
    expect(annotations[`${A}istio-cni`]).toBe('true');
    expect(annotations[`${A}proxy-in-port`]).toBe('10000');
    expect(annotations[`${A}proxy-out-port`]).toBe('10001');
  });

  test('the reverse proxy can forward to another host, whose port the pod need not declare', () => {
    const s = setup();
    capture(s, { proxyType: SpeedscaleProxyType.REVERSE, appHost: 'legacy.internal.example.com', appPort: 9000 });
    const annotations = speedscaleAnnotations(synth(s).deployment);
    expect(annotations[`${A}proxy-host`]).toBe('legacy.internal.example.com');
    expect(annotations[`${A}proxy-port`]).toBe('9000');
  });

  test('works on a StatefulSet\'s pod template too', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'prod-us1' });
    const db = new kplus.StatefulSet(chart, 'db', { containers: [{ name: 'db', image: 'example/db:1', portNumber: 5432 }] });
    new SpeedscaleCapture(chart, 'capture', { workload: db, appPort: 5432, istio: {} });
    const objects = synthChart(chart);
    expectSchemaValid(objects);
    expect(findOne(objects, 'StatefulSet').spec.template.metadata.annotations[`${A}proxy-port`]).toBe('5432');
  });
});

describe('SpeedscaleCapture sidecar resources', () => {
  test('size the injected sidecar through the operator\'s annotations', () => {
    const s = setup();
    capture(s, {
      appPort: 8080,
      istio: {},
      sidecarResources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
        ephemeralStorage: { request: Size.mebibytes(100), limit: Size.mebibytes(100) },
      },
    });
    expect(speedscaleAnnotations(synth(s).deployment)).toMatchObject({
      [`${A}cpu-request`]: '500m',
      [`${A}cpu-limit`]: '500m',
      [`${A}memory-request`]: '1024Mi',
      [`${A}memory-limit`]: '1024Mi',
      [`${A}ephemeral-storage-request`]: '100Mi',
      [`${A}ephemeral-storage-limit`]: '100Mi',
    });
  });

  test('are the operator\'s defaults when not given: no sizing annotation', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {} });
    expect(Object.keys(speedscaleAnnotations(synth(s).deployment)).filter((k) => /(cpu|memory|storage)-/.test(k))).toEqual([]);
  });
});

describe('SpeedscaleCapture review fixes', () => {
  test('refuses a NO_PROXY of "*", which would switch recording off', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, noProxy: ['*'], istio: {} })).toThrow(
      'test/capture: noProxy[0]: "*" makes every client skip the proxy for every host, so the capture would record no outbound traffic; list the hosts, ".domain" suffixes or CIDRs that must bypass the proxy');
  });

  test('refuses an empty sidecarEgressHosts, which would cut the namespace off from everything but Speedscale', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { sidecarEgress: true, sidecarEgressHosts: [] } })).toThrow(
      'test/capture: istio.sidecarEgressHosts: received an empty list, so the namespace\'s Sidecar would let its workloads reach only the Speedscale namespace; '
      + 'list what they call, at least "./*" and "istio-system/*" (the default adds the Kubernetes API, "default/kubernetes.default.svc.cluster.local")');
  });

  test('names the API server in the default Sidecar egress hosts with the cluster domain given', () => {
    const s = setup();
    capture(s, { appPort: 8080, clusterDomain: 'k8s.example.com', istio: { sidecarEgress: true } });
    expect(findOne(synth(s).objects, 'Sidecar').spec.egress[0].hosts).toContain('default/kubernetes.default.svc.k8s.example.com');
  });

  test.each([15001, 15006, 15090])('refuses proxy port %d, which Istio\'s sidecar binds in the pod', (port) => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, outboundProxyPort: port, istio: {} })).toThrow(
      `test/capture: outboundProxyPort: ${port} is a port Istio's sidecar binds in the pod (15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090); leave the default, or choose a port other than 15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090`);
  });
});

describe('SpeedscaleCapture proxy variables', () => {
  // the cloud metadata and credential endpoints never go through a recording proxy
  const metadata = '169.254.169.254,169.254.170.2,169.254.170.23,metadata.google.internal';
  const noProxy = `localhost,127.0.0.1,::1,.svc,.cluster.local,$(KUBERNETES_SERVICE_HOST),${metadata}`;

  test('app containers get HTTP_PROXY and HTTPS_PROXY on the outbound port and NO_PROXY, in both cases', () => {
    const s = setup();
    const c = capture(s, { appPort: 8080, istio: {} });
    expect(env(synth(s).deployment, 'app')).toEqual({
      HTTP_PROXY: 'http://127.0.0.1:4140',
      HTTPS_PROXY: 'http://127.0.0.1:4140',
      NO_PROXY: noProxy,
      http_proxy: 'http://127.0.0.1:4140',
      https_proxy: 'http://127.0.0.1:4140',
      no_proxy: noProxy,
    });
    expect(c.proxyContainers).toEqual(['app']);
  });

  test('a SOCKS forward proxy is given as socks5:// on the custom outbound port', () => {
    const s = setup();
    capture(s, { appPort: 8080, proxyProtocol: SpeedscaleProxyProtocol.TCP_SOCKS, outboundProxyPort: 11000, istio: {} });
    const vars = env(synth(s).deployment, 'app')!;
    expect(vars.HTTP_PROXY).toBe('socks5://127.0.0.1:11000');
    expect(vars.https_proxy).toBe('socks5://127.0.0.1:11000');
  });

  test('NO_PROXY follows the cluster domain and ends with the extra entries', () => {
    const s = setup();
    const c = capture(s, { appPort: 8080, clusterDomain: 'k8s.example.com', noProxy: ['orders', 'orders.shop', '10.0.0.0/8'], istio: {} });
    expect(env(synth(s).deployment, 'app')!.NO_PROXY)
      .toBe(`localhost,127.0.0.1,::1,.svc,.k8s.example.com,$(KUBERNETES_SERVICE_HOST),${metadata},orders,orders.shop,10.0.0.0/8`);
    expect(c.noProxy).toHaveLength(13);
  });

  test('captureClusterTraffic sends cluster names through the proxy, except the Kubernetes API', () => {
    const s = setup();
    capture(s, { appPort: 8080, captureClusterTraffic: true, istio: {} });
    expect(env(synth(s).deployment, 'app')!.no_proxy)
      .toBe(`localhost,127.0.0.1,::1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,$(KUBERNETES_SERVICE_HOST),${metadata}`);
  });

  test('every app container gets the variables by default, but not the sidecars the library added', () => {
    const s = setup();
    s.app.addContainer({ name: 'worker', image: 'example/worker:1.0.0' });
    const sidecar = s.app.addContainer({ name: 'envoy', image: 'envoyproxy/envoy:v1.35.0' });
    hardenContainer(new Construct(s.chart, 'envoy'), s.app, sidecar);
    capture(s, { appPort: 8080, istio: {} });
    const { deployment } = synth(s);
    expect(env(deployment, 'app')!.HTTPS_PROXY).toBe('http://127.0.0.1:4140');
    expect(env(deployment, 'worker')!.HTTPS_PROXY).toBe('http://127.0.0.1:4140');
    expect(env(deployment, 'envoy')).toBeUndefined();
  });

  test('proxyContainers limits the variables to the named containers', () => {
    const s = setup();
    s.app.addContainer({ name: 'log-shipper', image: 'example/shipper:1.0.0' });
    const c = capture(s, { appPort: 8080, proxyContainers: ['app'], istio: {} });
    const { deployment } = synth(s);
    expect(env(deployment, 'app')!.HTTP_PROXY).toBe('http://127.0.0.1:4140');
    expect(env(deployment, 'log-shipper')).toBeUndefined();
    expect(c.proxyContainers).toEqual(['app']);
  });

  test('init containers get no proxy variables: they run before the sidecar', () => {
    const s = setup();
    s.app.addInitContainer({ name: 'migrate', image: 'example/migrate:1.0.0' });
    capture(s, { appPort: 8080, istio: {} });
    const init = synth(s).deployment.spec.template.spec.initContainers[0];
    expect(init.env).toBeUndefined();
  });

  test('the user\'s other variables stay as they are', () => {
    const s = setup();
    s.app.containers[0].env.addVariable('LOG_LEVEL', kplus.EnvValue.fromValue('debug'));
    capture(s, { appPort: 8080, istio: {} });
    expect(env(synth(s).deployment, 'app')!.LOG_LEVEL).toBe('debug');
  });
});

describe('SpeedscaleCapture Istio resources', () => {
  test('registryOnly emits the seed\'s ServiceEntry in the speedscale namespace, exported to every namespace', () => {
    const s = setup();
    const c = capture(s, { appPort: 8080, istio: { registryOnly: true } });
    const { objects } = synth(s);
    const se = findOne(objects, 'ServiceEntry');
    expect(se.apiVersion).toBe('networking.istio.io/v1');
    expect(se.metadata).toEqual({ name: 'speedscale-external-svc-https', namespace: 'speedscale' });
    expect(se.spec).toEqual({
      hosts: SpeedscaleCapture.EGRESS_HOSTS,
      exportTo: ['*'],
      location: 'MESH_EXTERNAL',
      ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
      resolution: 'NONE',
    });
    expect(se.spec.hosts).toContain('*.s3.us-east-1.amazonaws.com');
    expect(se.spec.hosts).toHaveLength(12);
    expect(se.spec.hosts.slice(0, 2)).toEqual(['app.speedscale.com', 'downloads.speedscale.com']);
    expect(se.spec.hosts[11]).toBe('speedscale.github.io');
    expect(c.serviceEntry).toBeDefined();
  });

  test('the ServiceEntry takes other hosts and another namespace', () => {
    const s = setup();
    capture(s, {
      appPort: 8080,
      istio: { registryOnly: true, serviceEntryNamespace: 'istio-egress', egressHosts: [...SpeedscaleCapture.EGRESS_HOSTS, 'proxy.example.com'] },
    });
    const se = findOne(synth(s).objects, 'ServiceEntry');
    expect(se.metadata.namespace).toBe('istio-egress');
    expect(se.spec.hosts[12]).toBe('proxy.example.com');
  });

  test('with sidecarEgress alone, serviceEntryNamespace names the entry another app emits, which the Sidecar imports', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: { sidecarEgress: true, serviceEntryNamespace: 'istio-egress' } });
    const { objects } = synth(s);
    expect(objects.filter((o) => o.kind === 'ServiceEntry')).toEqual([]);
    expect(findOne(objects, 'Sidecar').spec.egress[0].hosts).toEqual(
      ['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local', 'speedscale/*', 'istio-egress/*']);
    expect(() => capture(setup(), { appPort: 8080, istio: { serviceEntryNamespace: 'istio-egress' } })).toThrow(
      'test/capture: istio.serviceEntryNamespace: "istio-egress" has no effect without istio.registryOnly or istio.sidecarEgress; '
      + 'set istio.registryOnly or istio.sidecarEgress: true or remove istio.serviceEntryNamespace');
  });

  test('EGRESS_HOSTS is a copy: changing it changes no default', () => {
    SpeedscaleCapture.EGRESS_HOSTS.push('proxy.example.com');
    try {
      const s = setup();
      capture(s, { appPort: 8080, istio: { registryOnly: true } });
      const hosts = findOne(synth(s).objects, 'ServiceEntry').spec.hosts;
      expect(hosts).not.toContain('proxy.example.com');
      expect(hosts).toHaveLength(12);
    } finally {
      SpeedscaleCapture.EGRESS_HOSTS.pop();
    }
  });

  test('with the ServiceEntry in another namespace, the namespace\'s Sidecar imports that namespace too (the replay pods need the entry)', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: { registryOnly: true, sidecarEgress: true, serviceEntryNamespace: 'istio-egress' } });
    const { objects } = synth(s);
    expect(findOne(objects, 'ServiceEntry').metadata.namespace).toBe('istio-egress');
    expect(findOne(objects, 'Sidecar').spec.egress[0].hosts).toEqual(
      ['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local', 'speedscale/*', 'istio-egress/*']);
  });

  test('sidecarEgress emits the namespace-wide Sidecar with the namespace, istio-system and speedscale as egress hosts', () => {
    const s = setup();
    const c = capture(s, { appPort: 8080, istio: { sidecarEgress: true } });
    const sidecar = findOne(synth(s).objects, 'Sidecar');
    expect(sidecar.apiVersion).toBe('networking.istio.io/v1');
    expect(sidecar.metadata).toEqual({ name: 'default', namespace: 'prod-us1' });
    expect(sidecar.spec).toEqual({ egress: [{ hosts: ['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local', 'speedscale/*'] }] });
    expect(c.sidecar).toBeDefined();
  });

  test('the Sidecar takes the hosts the namespace needs and the speedscale namespace\'s name', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: { sidecarEgress: true, speedscaleNamespace: 'capture', sidecarEgressHosts: ['./*', 'istio-system/*', 'payments/*'] } });
    expect(findOne(synth(s).objects, 'Sidecar').spec.egress[0].hosts).toEqual(['./*', 'istio-system/*', 'payments/*', 'capture/*']);
  });

  test('two captures in one namespace share one ServiceEntry and one Sidecar, whose hosts are merged', () => {
    const s = setup();
    const other = new kplus.Deployment(s.chart, 'orders', { containers: [{ name: 'orders', image: 'example/orders:1.0.0', portNumber: 9090 }] });
    const a = capture(s, { appPort: 8080, istio: { registryOnly: true, sidecarEgress: true } });
    const b = new SpeedscaleCapture(s.chart, 'capture-orders', {
      workload: other, appPort: 9090, istio: { registryOnly: true, sidecarEgress: true, sidecarEgressHosts: ['./*', 'billing/*'] },
    });
    const { objects } = synth(s);
    expect(objects.filter((o) => o.kind === 'ServiceEntry')).toHaveLength(1);
    expect(findOne(objects, 'Sidecar').spec.egress[0].hosts).toEqual(['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local', 'speedscale/*', 'billing/*']);
    expect(a.sidecar).toBe(b.sidecar);
    expect(a.serviceEntry).toBe(b.serviceEntry);
  });

  test('emits the ServiceEntry and the Sidecar as networking.istio.io/v1beta1 for Istio releases before 1.22', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: { istioVersion: '1.21.4', registryOnly: true, sidecarEgress: true } });
    const { objects } = synth(s);
    expect(findOne(objects, 'ServiceEntry').apiVersion).toBe('networking.istio.io/v1beta1');
    expect(findOne(objects, 'Sidecar').apiVersion).toBe('networking.istio.io/v1beta1');
    expect(findOne(objects, 'Sidecar').spec).toEqual({ egress: [{ hosts: ['./*', 'istio-system/*', 'default/kubernetes.default.svc.cluster.local', 'speedscale/*'] }] });
  });

  test('emits networking.istio.io/v1 from Istio 1.22', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: { istioVersion: '1.22', registryOnly: true, sidecarEgress: true } });
    const { objects } = synth(s);
    expect(findOne(objects, 'ServiceEntry').apiVersion).toBe('networking.istio.io/v1');
    expect(findOne(objects, 'Sidecar').apiVersion).toBe('networking.istio.io/v1');
  });

  test('fails when two captures of a chart share the ServiceEntry but not the Istio release', () => {
    const s = setup();
    const other = new kplus.Deployment(s.chart, 'orders', { containers: [{ name: 'orders', image: 'example/orders:1.0.0', portNumber: 9090 }] });
    capture(s, { appPort: 8080, istio: { registryOnly: true } });
    expect(() => new SpeedscaleCapture(s.chart, 'orders-capture', { workload: other, appPort: 9090, istio: { istioVersion: '1.20', registryOnly: true } })).toThrow(
      'test/orders-capture: istio.istioVersion: Istio 1.20 takes networking.istio.io/v1beta1, but the ServiceEntry speedscale/speedscale-external-svc-https already in this chart is networking.istio.io/v1; give every SpeedscaleCapture of the chart the same istio.istioVersion');
  });

  test('fails when two captures of a namespace share the Sidecar but not the Istio release', () => {
    const s = setup();
    const other = new kplus.Deployment(s.chart, 'orders', { containers: [{ name: 'orders', image: 'example/orders:1.0.0', portNumber: 9090 }] });
    capture(s, { appPort: 8080, istio: { istioVersion: '1.20', sidecarEgress: true } });
    expect(() => new SpeedscaleCapture(s.chart, 'orders-capture', { workload: other, appPort: 9090, istio: { sidecarEgress: true } })).toThrow(
      'test/orders-capture: istio.istioVersion: Istio 1.30 takes networking.istio.io/v1, but the Sidecar prod-us1/default already in this chart is networking.istio.io/v1beta1; give every SpeedscaleCapture of the chart the same istio.istioVersion');
  });

  test('fails on an Istio version it cannot read', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { istioVersion: '1.x', registryOnly: true } })).toThrow(
      'test/capture: istio.istioVersion: "1.x" is not an Istio version; give a release such as "1.30" or "1.30.3"');
  });

  test('without registryOnly or sidecarEgress no Istio object is emitted', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {} });
    expect(synth(s).objects.map((o) => o.kind)).toEqual(['Deployment']);
  });
});

describe('SpeedscaleCapture bad input', () => {
  test.each([
    [SpeedscaleProxyType.REVERSE, SpeedscaleProxyProtocol.TCP_HTTP, '"tcp", "http", "socks"'],
    [SpeedscaleProxyType.REVERSE, SpeedscaleProxyProtocol.TCP_SOCKS, '"tcp", "http", "socks"'],
    [SpeedscaleProxyType.FORWARD, SpeedscaleProxyProtocol.TCP, '"http", "socks"'],
    [SpeedscaleProxyType.FORWARD, SpeedscaleProxyProtocol.TCP_HTTP, '"http", "socks"'],
    [SpeedscaleProxyType.DUAL, SpeedscaleProxyProtocol.TCP, '"http", "socks", "tcp:http", "tcp:socks"'],
  ])('fails when a %s proxy is given the protocol %s', (proxyType, proxyProtocol, allowed) => {
    const s = setup();
    expect(() => capture(s, { proxyType, proxyProtocol, appPort: 8080 })).toThrow(
      `test/capture: proxyProtocol: "${proxyProtocol}" is not allowed for proxy type "${proxyType}"; use one of ${allowed} (tcp only applies to reverse proxies, tcp:http and tcp:socks only to dual proxies)`);
  });

  test.each([
    [SpeedscaleProxyType.DUAL, 'use TCP_SOCKS (TCP in, SOCKS out) or TCP_HTTP, as Speedscale\'s Istio guide does'],
    [SpeedscaleProxyType.REVERSE, 'use TCP or HTTP'],
  ])('fails inside Istio when a %s proxy would take inbound traffic as SOCKS, which Envoy never speaks', (proxyType, fix) => {
    const s = setup();
    expect(() => capture(s, { proxyType, proxyProtocol: SpeedscaleProxyProtocol.SOCKS, appPort: 8080, istio: {} })).toThrow(
      `test/capture: proxyProtocol: "socks" makes the ${proxyType} proxy take inbound traffic as SOCKS, but inside Istio it comes from the Envoy sidecar, which forwards plain TCP and never speaks SOCKS; ${fix}`);
    // outside a mesh the protocol is the user's choice, and SOCKS out stays fine inside one
    expect(() => capture(setup(), { proxyType, proxyProtocol: SpeedscaleProxyProtocol.SOCKS, appPort: 8080 })).not.toThrow();
    expect(() => capture(setup(), { proxyType: SpeedscaleProxyType.FORWARD, proxyProtocol: SpeedscaleProxyProtocol.SOCKS, istio: {} })).not.toThrow();
    expect(() => capture(setup(), { proxyProtocol: SpeedscaleProxyProtocol.TCP_SOCKS, appPort: 8080, istio: {} })).not.toThrow();
  });

  test('fails on a bare Pod or a CronJob, which the operator\'s webhook never mutates', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'prod' });
    const pod = new kplus.Pod(chart, 'pod', { containers: [{ name: 'app', image: 'example/my-app:1.0.0', portNumber: 8080 }] });
    expect(() => new SpeedscaleCapture(chart, 'capture', { workload: pod })).toThrow(
      'test/capture: workload: "pod" is a bare Pod, which the Speedscale operator\'s admission webhook doesn\'t mutate (it handles Deployments, StatefulSets, DaemonSets, Jobs and ReplicaSets), so no sidecar would be injected; capture a Deployment (or a Job) that runs the pod');
    const cron = new kplus.CronJob(chart, 'nightly', { schedule: Cron.daily(), containers: [{ name: 'app', image: 'example/my-app:1.0.0' }] });
    expect(() => new SpeedscaleCapture(chart, 'capture2', { workload: cron, proxyType: SpeedscaleProxyType.FORWARD })).toThrow(
      'test/capture2: workload: "nightly" is a CronJob, which the Speedscale operator\'s admission webhook doesn\'t mutate; it sees the Jobs the CronJob creates, '
      + 'whose annotations come from spec.jobTemplate.metadata, which cdk8s-plus-25 doesn\'t render, so no sidecar would be injected; capture a Job, or a Deployment, that runs the same containers');
    const job = new kplus.Job(chart, 'job', { containers: [{ name: 'app', image: 'example/my-app:1.0.0' }] });
    expect(() => new SpeedscaleCapture(chart, 'capture3', { workload: job, proxyType: SpeedscaleProxyType.FORWARD })).not.toThrow();
  });

  test('fails on a transparent proxy in a pod on the host\'s network', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'prod' });
    const app = new kplus.Deployment(chart, 'agent', { hostNetwork: true, containers: [{ name: 'app', image: 'example/my-app:1.0.0', portNumber: 8080 }] });
    expect(() => new SpeedscaleCapture(chart, 'capture', { workload: app })).toThrow(
      'test/capture: proxyType: TRANSPARENT on workload "agent", which uses the host\'s network: the sidecar\'s iptables rules would go into the node\'s network namespace, where Speedscale\'s transparent proxy doesn\'t work; choose SpeedscaleProxyType.DUAL, REVERSE or FORWARD, or run the workload without hostNetwork');
    expect(() => new SpeedscaleCapture(chart, 'capture2', { workload: app, proxyType: SpeedscaleProxyType.DUAL, appPort: 8080 })).not.toThrow();
  });

  test.each([
    ['inboundProxyPort', 80, 'proxy-in-port'],
    ['outboundProxyPort', 443, 'proxy-out-port'],
  ])('takes an %s below 1024 (the injected sidecar runs as root in Speedscale\'s manifests)', (prop, port, annotation) => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {}, [prop]: port });
    const deployment = findOne(synth(s).objects, 'Deployment');
    expect(deployment.spec.template.metadata.annotations[`${A}${annotation}`]).toBe(String(port));
  });

  test('fails on sidecar resources without all four requests and limits', () => {
    const s = setup();
    const cpuOnly = { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) } };
    expect(() => capture(s, { appPort: 8080, istio: {}, sidecarResources: cpuOnly })).toThrow(
      'test/capture: sidecarResources: has no memory.request, memory.limit; give CPU and memory requests and limits');
  });

  test('fails when a transparent proxy is given a protocol', () => {
    const s = setup();
    expect(() => capture(s, { proxyType: SpeedscaleProxyType.TRANSPARENT, proxyProtocol: SpeedscaleProxyProtocol.HTTP })).toThrow(
      'test/capture: proxyProtocol: "http" is ignored by a transparent proxy; leave proxyProtocol out, or choose proxyType REVERSE, FORWARD or DUAL');
  });

  test('fails when the inbound proxy port collides with an app port', () => {
    const s = setup();
    s.app.containers[0].addPort({ number: 4143, name: 'admin' });
    expect(() => capture(s, { appPort: 8080, istio: {} })).toThrow(
      'test/capture: inboundProxyPort: 4143 is already used by container "app"; choose a port that no other container in the pod uses');
  });

  test('fails when the outbound proxy port collides with an app port', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, outboundProxyPort: 8080, istio: {} })).toThrow(
      'test/capture: outboundProxyPort: 8080 is already used by container "app"; choose a port that no other container in the pod uses');
  });

  test('fails at synth when a container added later uses a proxy port', () => {
    const s = setup();
    capture(s, { appPort: 8080, proxyContainers: ['app'], istio: {} });
    s.app.addContainer({ name: 'metrics', image: 'example/metrics:1.0.0', portNumber: 4140 });
    expect(() => synthChart(s.chart)).toThrow(
      'test/capture: outboundProxyPort: 4140 is already used by container "metrics"; choose a port that no other container in the pod uses');
  });

  test('fails when the inbound and outbound proxy ports are the same', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, inboundProxyPort: 4200, outboundProxyPort: 4200, istio: {} })).toThrow(
      'test/capture: outboundProxyPort: 4200 is also the inbound proxy port; give the inbound and outbound proxies two different ports');
  });

  test('fails when no container of the workload serves the app port', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 9090, istio: {} })).toThrow(
      'test/capture: appPort: no container of workload "my-app" declares port 9090 (declared: 8080 (app)); declare the port on the app container (portNumber or addPort) or point at a port it declares');
  });

  test('fails when a dual proxy has no app port', () => {
    const s = setup();
    expect(() => capture(s, { istio: {} })).toThrow(
      'test/capture: appPort: missing for a dual proxy, which forwards inbound traffic to the app\'s port; give the port the app container listens on (Speedscale would otherwise assume 80)');
  });

  test('fails when an app port is given to a proxy without an inbound half', () => {
    const s = setup();
    expect(() => capture(s, { proxyType: SpeedscaleProxyType.FORWARD, appPort: 8080 })).toThrow(
      'test/capture: appPort: 8080 has no effect with a forward proxy (it only applies to reverse and dual proxies); remove appPort or choose another proxyType');
  });

  test('fails when proxy variables are asked for without a forward proxy', () => {
    const s = setup();
    expect(() => capture(s, { proxyType: SpeedscaleProxyType.REVERSE, appPort: 8080, proxyContainers: ['app'] })).toThrow(
      'test/capture: proxyContainers: ["app"] has no effect with a reverse proxy (only forward and dual proxies take outbound traffic from the app); remove proxyContainers or choose another proxyType');
  });

  test('fails in Istio mode when the workload has no namespace', () => {
    const s = setup(null);
    expect(() => capture(s, { appPort: 8080, istio: {} })).toThrow(
      'test/capture: istio: workload "my-app" has no namespace; set metadata.namespace on the workload or a namespace on its Chart: Istio resources and Sidecar egress rules are per namespace');
  });

  test.each(['HTTP_PROXY', 'https_proxy', 'NO_PROXY'])('fails when an app container already sets %s', (name) => {
    const s = setup();
    s.app.containers[0].env.addVariable(name, kplus.EnvValue.fromValue('http://corporate-proxy:3128'));
    expect(() => capture(s, { appPort: 8080, istio: {} })).toThrow(
      `test/capture: proxyContainers: container "app" already sets ${name}; remove it (SpeedscaleCapture sets HTTP_PROXY, HTTPS_PROXY, NO_PROXY, http_proxy, https_proxy, no_proxy; extra NO_PROXY entries go in noProxy), or leave the container out of proxyContainers`);
  });

  test('fails when proxyContainers names a container the workload does not have', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, proxyContainers: ['web'], istio: {} })).toThrow(
      'test/capture: proxyContainers: no container named "web" in workload "my-app" (containers: "app"); name one of the workload\'s containers');
  });

  test('fails when proxyContainers is empty', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, proxyContainers: [], istio: {} })).toThrow(
      'test/capture: proxyContainers: received an empty list; name at least one app container, or leave proxyContainers out to use all of them');
  });

  test('fails at synth when an app container is added after the capture', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {} });
    s.app.addContainer({ name: 'late', image: 'example/late:1.0.0' });
    expect(() => synthChart(s.chart)).toThrow(
      'test/capture: proxyContainers: container "late" was added to workload "my-app" after the SpeedscaleCapture, so its outbound calls bypass the capture; create the SpeedscaleCapture after adding the container, or name the containers to proxy in proxyContainers');
  });

  test('fails when a second capture is attached to the same workload', () => {
    const s = setup();
    capture(s, { appPort: 8080, istio: {} });
    expect(() => capture(s, { appPort: 8080, istio: {} }, 'again')).toThrow(
      'test/again: workload: workload "my-app" already has the Speedscale annotation sidecar.speedscale.com/capture-mode; attach one SpeedscaleCapture per workload and let it set every sidecar.speedscale.com/ annotation');
  });

  test('fails when a NO_PROXY entry holds a list', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, noProxy: ['a.example.com, b.example.com'], istio: {} })).toThrow(
      'test/capture: noProxy[0]: "a.example.com, b.example.com" is not a single NO_PROXY entry; give one host name, ".domain" suffix, IP address or CIDR per entry, without commas or spaces');
  });

  test('fails when ServiceEntry hosts are given without registryOnly', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { egressHosts: ['app.speedscale.com'] } })).toThrow(
      'test/capture: istio.egressHosts: ["app.speedscale.com"] has no effect without istio.registryOnly; set istio.registryOnly: true or remove istio.egressHosts');
  });

  test('fails when the speedscale namespace is given but no Istio object uses it', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { speedscaleNamespace: 'capture' } })).toThrow(
      'test/capture: istio.speedscaleNamespace: "capture" has no effect without istio.registryOnly or istio.sidecarEgress; set istio.registryOnly or istio.sidecarEgress: true or remove istio.speedscaleNamespace');
  });

  test('fails when an egress host is not a host name', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { registryOnly: true, egressHosts: ['https://app.speedscale.com'] } })).toThrow(
      /^test\/capture: istio\.egressHosts\[0\]: "https:\/\/app\.speedscale\.com" is not a valid DNS-1123 subdomain/);
  });

  test('fails when two captures of a chart want ServiceEntries with different hosts', () => {
    const s = setup();
    const other = new kplus.Deployment(s.chart, 'orders', { containers: [{ name: 'orders', image: 'example/orders:1.0.0', portNumber: 9090 }] });
    capture(s, { appPort: 8080, istio: { registryOnly: true } });
    expect(() => new SpeedscaleCapture(s.chart, 'orders-capture', { workload: other, appPort: 9090, istio: { registryOnly: true, egressHosts: ['app.speedscale.com'] } })).toThrow(
      /^test\/orders-capture: istio\.egressHosts: \["app\.speedscale\.com"\] differs from the hosts of the ServiceEntry speedscale\/speedscale-external-svc-https already in this chart/);
  });

  test('fails when a Sidecar egress host lacks its namespace', () => {
    const s = setup();
    expect(() => capture(s, { appPort: 8080, istio: { sidecarEgress: true, sidecarEgressHosts: ['payments.svc.cluster.local'] } })).toThrow(
      'test/capture: istio.sidecarEgressHosts[0]: "payments.svc.cluster.local" is not in Istio\'s "namespace/dnsName" form; write e.g. "./*", "istio-system/*" or "payments/api.payments.svc.cluster.local"');
  });
});
