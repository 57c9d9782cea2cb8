import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { IstioPodMonitor, IstioPodMonitorProps, IstioPrometheusScrape } from '../../src';
import { expectSchemaValid, findOne, synthChart, validateManifests } from '../harness';

function build(props: Partial<IstioPodMonitorProps> = {}, named = true) {
  const chart = Testing.chart();
  const workload = new kplus.Deployment(chart, 'reviews', {
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    containers: [{ name: 'reviews', image: 'example/reviews:1.0.0', ports: [named ? { number: 9080, name: 'http-metrics' } : { number: 9080 }] }],
  });
  new IstioPodMonitor(chart, 'monitor', { workload, port: 9080, ...props });
  const objects = synthChart(chart);
  return { objects, monitor: findOne(objects, 'PodMonitor'), deployment: findOne(objects, 'Deployment') };
}

describe('IstioPodMonitor (prometheus-operator)', () => {
  const b = build();

  test('refuses its PeerAuthentication for a workload in istio-system, where Istio ignores selector policies', () => {
    const chart = Testing.chart();
    const workload = new kplus.Deployment(chart, 'gw', {
      metadata: { name: 'gw', namespace: 'istio-system' },
      containers: [{ name: 'gw', image: 'example/gw:1.0.0', ports: [{ number: 9080, name: 'http-metrics' }] }],
    });
    expect(() => new IstioPodMonitor(chart, 'monitor', { workload, port: 9080 })).toThrow(
      'test/monitor: peerAuthentication: workload "gw" runs in istio-system, the mesh\'s root namespace');
    expect(() => new IstioPodMonitor(chart, 'unmanaged', { workload, port: 9080, peerAuthentication: false })).not.toThrow();
  });

  test('selects the pods by the address label cdk8s-plus puts on every pod template, also for a workload without a selector of its own', () => {
    const chart = Testing.chart();
    const workload = new kplus.Deployment(chart, 'late', {
      metadata: { name: 'late', namespace: 'bookinfo' },
      select: false,
      containers: [{ name: 'late', image: 'example/late:1.0.0', ports: [{ number: 9080, name: 'http-metrics' }] }],
    });
    new IstioPodMonitor(chart, 'monitor', { workload, port: 9080 });
    const objects = synthChart(chart);
    const podLabels = findOne(objects, 'Deployment').spec.template.metadata.labels;
    expect(findOne(objects, 'PodMonitor').spec.selector).toEqual({ matchLabels: { 'cdk8s.io/metadata.addr': podLabels['cdk8s.io/metadata.addr'] } });
    expect(podLabels['cdk8s.io/metadata.addr']).toMatch(/^test-late-/);
    expect(findOne(objects, 'PeerAuthentication').spec.selector).toEqual(findOne(objects, 'PodMonitor').spec.selector);
  });

  test('passes the prometheus-operator schemas and the v0.93 CRD', () => {
    const report = expectSchemaValid(b.objects);
    // the PodMonitor (v0.93 CRD) and the PeerAuthentication (Istio's CRD)
    expect(report.counts.crd).toBe(2);
    expect(report.counts.models).toBeGreaterThanOrEqual(3);
  });

  test('scrapes the workload\'s pods over https with HTTP/2, through the Istio scrape class', () => {
    expect(b.monitor.metadata).toEqual({ name: 'reviews', namespace: 'bookinfo' });
    expect(b.monitor.spec.scrapeClass).toBe('istio-mtls');
    expect(b.monitor.spec.podMetricsEndpoints).toEqual([{ port: 'http-metrics', path: '/metrics', scheme: 'https', tlsConfig: { insecureSkipVerify: true }, enableHttp2: true }]);
    expect(b.monitor.spec.selector.matchLabels).toEqual(b.deployment.spec.selector.matchLabels);
  });

  test('makes the metrics port STRICT for the workload\'s pods, which a PERMISSIVE sidecar needs to accept Prometheus\'s TLS', () => {
    const policy = findOne(b.objects, 'PeerAuthentication', 'reviews-metrics-mtls');
    expect(policy.apiVersion).toBe('security.istio.io/v1');
    expect(policy.metadata.namespace).toBe('bookinfo');
    expect(policy.spec).toEqual({ selector: { matchLabels: b.deployment.spec.selector.matchLabels }, portLevelMtls: { 9080: { mode: 'STRICT' } } });
    expect(findOne(build({ istioVersion: '1.20' }).objects, 'PeerAuthentication').apiVersion).toBe('security.istio.io/v1beta1');
    expect(build({ peerAuthentication: false }).objects.filter((o: any) => o.kind === 'PeerAuthentication')).toEqual([]);
  });

  test('one PeerAuthentication per workload: a second monitor of another port adds its port to it', () => {
    const chart = Testing.chart();
    const workload = new kplus.Deployment(chart, 'reviews', {
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      containers: [{ name: 'reviews', image: 'example/reviews:1.0.0', ports: [{ number: 9080, name: 'http-metrics' }, { number: 9090, name: 'http-admin' }] }],
    });
    new IstioPodMonitor(chart, 'metrics', { workload, port: 9080 });
    new IstioPodMonitor(chart, 'admin', { workload, port: 9090, name: 'reviews-admin' });
    const policies = synthChart(chart).filter((o: any) => o.kind === 'PeerAuthentication');
    expect(policies.map((p: any) => p.metadata.name)).toEqual(['reviews-metrics-mtls']);
    expect(policies[0].spec.portLevelMtls).toEqual({ 9080: { mode: 'STRICT' }, 9090: { mode: 'STRICT' } });
  });

  test('fails at synth when a Service of the manifests declares the metrics port as TCP to Istio, by port name', () => {
    const chart = Testing.chart();
    const workload = new kplus.Deployment(chart, 'reviews', {
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      containers: [{ name: 'reviews', image: 'example/reviews:1.0.0', ports: [{ number: 9080, name: 'metrics' }] }],
    });
    new kplus.Service(chart, 'svc', { metadata: { name: 'reviews', namespace: 'bookinfo' }, selector: workload, ports: [{ name: 'tcp-metrics', port: 9080, targetPort: 9080 }] });
    new IstioPodMonitor(chart, 'monitor', { workload, port: 9080 });
    expect(() => synthChart(chart)).toThrow('test/monitor: port: Service "bookinfo/reviews" port 9080 (name "tcp-metrics") targets the metrics port 9080, and Istio reads protocol "tcp" from it, not HTTP');
  });

  test('the scrape class names the certificate files the cert-only sidecar writes', () => {
    expect(IstioPodMonitor.scrapeClass()).toEqual({
      name: 'istio-mtls',
      tlsConfig: { caFile: '/etc/prom-certs/root-cert.pem', certFile: '/etc/prom-certs/cert-chain.pem', keyFile: '/etc/prom-certs/key.pem', insecureSkipVerify: true },
    });
  });

  test('in another namespace than the workload, selects the workload\'s namespace (it would select nothing without namespaceSelector)', () => {
    const other = build({ namespace: 'monitoring' });
    expect(other.monitor.metadata.namespace).toBe('monitoring');
    expect(other.monitor.spec.namespaceSelector).toEqual({ matchNames: ['bookinfo'] });
    expect(b.monitor.spec.namespaceSelector).toBeUndefined();
    expectSchemaValid(other.objects);
  });

  test('fails on a zero interval, which Prometheus would replace with its default', () => {
    expect(() => build({ interval: Duration.seconds(0) })).toThrow('test/monitor: interval: received 0ms; give a positive Duration in whole milliseconds');
  });

  test('gives the Prometheus resource the cert-only sidecar, its volume and mount, and the scrape class; the result passes the Prometheus schema', () => {
    const spec = IstioPodMonitor.prometheusSpec();
    expect(spec.podMetadata.labels).toEqual({ 'sidecar.istio.io/inject': 'true' });
    expect(spec.podMetadata.annotations).toEqual({
      'traffic.sidecar.istio.io/includeInboundPorts': '',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"proxyMetadata":{"OUTPUT_CERTS":"/etc/istio-output-certs"}}',
      'sidecar.istio.io/userVolumeMount': '[{"name":"istio-certs","mountPath":"/etc/istio-output-certs"}]',
    });
    expect(spec.volumes).toEqual([{ name: 'istio-certs', emptyDir: { medium: 'Memory' } }]);
    expect(spec.volumeMounts).toEqual([{ name: 'istio-certs', mountPath: '/etc/prom-certs', readOnly: true }]);
    expect(spec.scrapeClasses).toEqual([IstioPodMonitor.scrapeClass()]);
    expect(IstioPodMonitor.prometheusSpec('mesh').scrapeClasses[0].name).toBe('mesh');
    expect(IstioPodMonitor.prometheusSpec('mesh', undefined, 'canary').podMetadata.labels).toEqual({ 'istio.io/rev': 'canary' });
    expect(() => IstioPodMonitor.prometheusSpec('mesh', undefined, '1.30')).toThrow(
      'IstioPodMonitor.prometheusSpec: istioRevision: "1.30" is not a revision name; give the revision as istioctl or the istiod chart named it');

    const sized = IstioPodMonitor.prometheusSpec('mesh', {
      cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(100), limit: Size.mebibytes(300) },
    }).podMetadata.annotations;
    expect([sized['sidecar.istio.io/proxyCPU'], sized['sidecar.istio.io/proxyCPULimit'], sized['sidecar.istio.io/proxyMemory'], sized['sidecar.istio.io/proxyMemoryLimit']])
      .toEqual(['50m', '1', '100Mi', '300Mi']);
    expect(() => IstioPodMonitor.prometheusSpec('mesh', { cpu: { request: kplus.Cpu.millis(50) } }))
      .toThrow('IstioPodMonitor.prometheusSpec: istioProxyResources: has no cpu.limit, memory.request, memory.limit; give CPU and memory requests and limits');
    expect(() => IstioPodMonitor.prometheusSpec('mesh', {
      cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(400), limit: Size.mebibytes(300) },
    })).toThrow('IstioPodMonitor.prometheusSpec: istioProxyResources.memory: request 400Mi is above limit 300Mi; give a request no larger than the limit (Kubernetes refuses the pod otherwise)');
    // the same annotations as IstioPrometheusScrape's own pod
    const chart = Testing.chart();
    new IstioPrometheusScrape(chart, 'prometheus', { namespace: 'monitoring' });
    const own = findOne(synthChart(chart), 'Deployment', 'prometheus').spec.template.metadata.annotations;
    expect(own).toEqual(expect.objectContaining(spec.podMetadata.annotations));
    // ../shared/crds has no Prometheus CRD: the @kubernetes-models/prometheus-operator schema checks the spec
    const prometheus = (extra: any) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { ...spec, podMonitorSelector: {}, ...extra } });
    const findings = (m: any) => validateManifests([m]).objects[0].findings.filter((f: any) => f.source !== 'crd').map((f: any) => `${f.path}: ${f.message}`);
    expect(findings(prometheus({}))).toEqual([]);
    expect(findings(prometheus({ volumeMounts: [{ name: 'istio-certs' }] }))).not.toEqual([]);
  });

  test('an unnamed port is selected by number', () => {
    expect(build({}, false).monitor.spec.podMetricsEndpoints[0].portNumber).toBe(9080);
  });

  test('Prometheus 2.31-2.34 get no enableHttp2 field (HTTP/2 is on by default)', () => {
    expect(build({ prometheusVersion: '2.33.0' }).monitor.spec.podMetricsEndpoints[0].enableHttp2).toBeUndefined();
  });

  test('fails on Prometheus 2.29-2.30, whose fix is an environment variable a PodMonitor cannot set', () => {
    expect(() => build({ prometheusVersion: '2.30.0' })).toThrow(
      'test/monitor: prometheusVersion: Prometheus 2.30.0 needs PROMETHEUS_COMMON_ENABLE_HTTP2 in its environment to scrape Istio mTLS, which a PodMonitor cannot set; use Prometheus 2.35 or later (or set the variable on the Prometheus resource yourself and pass "2.31.0" here)');
  });

  test('fails on a path with a query, which Prometheus would escape into the path', () => {
    expect(() => build({ path: '/metrics?x=1' })).toThrow('test/monitor: path: "/metrics?x=1" holds a query or fragment, which Prometheus would escape into the path (requesting "/metrics%3Fx=1"); '
      + 'give the path alone (a PodMonitor takes query parameters in its endpoints\' params, which this construct doesn\'t set)');
  });

  test('fails on Prometheus 2.21-2.28', () => {
    expect(() => build({ prometheusVersion: '2.27.1' })).toThrow(/^test\/monitor: prometheusVersion: Prometheus 2\.27\.1 cannot scrape Istio mTLS endpoints/);
    // without 2.29-2.30, which need an environment variable a PodMonitor cannot set
    expect(() => build({ prometheusVersion: '2.27.1' })).toThrow(/; use Prometheus [\d.]+ \(the default\) or any release from 2\.35 on \(2\.31-2\.34 by default\)$/);
  });

  test('fails on a port the workload does not declare', () => {
    expect(() => build({ port: 15090 })).toThrow('test/monitor: port: no container of workload "reviews" declares port 15090 (declared: 9080 (reviews))');
  });
});
