import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import * as YAML from 'yaml';
import { checkPrometheusConfig } from './promtool';
import {
  IstioPrometheusScrape, IstioPrometheusScrapeProps, IstioScrapeMode, KubernetesSdRole, PrometheusScrapeAnnotations, PrometheusStorage,
  RelabelAction, ScrapeProtocol, ScrapeTargets,
} from '../../src';
import { expectSchemaValid, findOne, synthChart } from '../harness';

interface Built {
  readonly chart: Chart;
  readonly prom: IstioPrometheusScrape;
  readonly objects: any[];
  readonly deployment: any;
  readonly podTemplate: any;
  readonly container: any;
  readonly configText: string;
  readonly config: any;
}

function build(props: IstioPrometheusScrapeProps = {}, more?: (prom: IstioPrometheusScrape, chart: Chart) => void): Built {
  const chart = Testing.chart();
  const prom = new IstioPrometheusScrape(chart, 'prometheus', props);
  more?.(prom, chart);
  const objects = synthChart(chart);
  const deployment = findOne(objects, 'Deployment', props.name ?? 'prometheus');
  const configText = findOne(objects, 'ConfigMap', props.name ?? 'prometheus').data['prometheus.yml'];
  return {
    chart,
    prom,
    objects,
    deployment,
    podTemplate: deployment.spec.template,
    container: deployment.spec.template.spec.containers.find((c: any) => c.name === 'prometheus'),
    configText,
    config: YAML.parse(configText),
  };
}

const job = (b: Built, name: string) => b.config.scrape_configs.find((j: any) => j.job_name === name);
const jobNames = (b: Built) => b.config.scrape_configs.map((j: any) => j.job_name);

function app(chart: Chart, id = 'app', port = 8080) {
  return new kplus.Deployment(chart, id, {
    metadata: { name: id, namespace: 'shop' },
    containers: [{ name: id, image: 'example/app:1.0.0', portNumber: port, securityContext: { user: 1000 } }],
  });
}

describe('IstioPrometheusScrape, mutual TLS mode (default)', () => {
  const b = build();

  test('every object passes the independent schemas and prometheus.yml passes promtool', () => {
    expectSchemaValid(b.objects);
    const check = checkPrometheusConfig(b.configText);
    expect(check.output).toMatch(/SUCCESS/);
    expect(check.ok).toBe(true);
  });

  test('asks Istio for a sidecar with the label on the pod template, not on the Deployment', () => {
    expect(b.podTemplate.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(b.podTemplate.metadata.annotations['sidecar.istio.io/inject']).toBeUndefined();
    expect(b.deployment.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
    expect(b.deployment.metadata.annotations).toBeUndefined();
  });

  test('istioRevision asks that revision\'s injector with istio.io/rev instead of the inject label; refused without a sidecar', () => {
    const r = build({ istioRevision: '1-30-3' });
    expect(r.podTemplate.metadata.labels['istio.io/rev']).toBe('1-30-3');
    expect(r.podTemplate.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
    expectSchemaValid(r.objects);
    expect(() => build({ istioRevision: 'Canary!' })).toThrow('test/prometheus: istioRevision: "Canary!" is not a valid DNS-1123 label');
    expect(() => build({ istioRevision: 'canary', mode: IstioScrapeMode.METRICS_MERGING })).toThrow(
      'test/prometheus: istioRevision: "canary" given in METRICS_MERGING mode, where Prometheus runs without an Istio sidecar; drop istioRevision, or use IstioScrapeMode.MUTUAL_TLS');
  });

  test('fails where Istio injects no sidecar, which writes the certificates: a system namespace, a Namespace of the app without injection, a pod opting out', () => {
    expect(() => build({ namespace: 'kube-system' })).toThrow('test/prometheus: namespace: "kube-system", where Istio never injects a sidecar, in MUTUAL_TLS mode, whose certificates the sidecar writes; '
      + 'run Prometheus in another namespace (e.g. "istio-system" or "monitoring"), or use IstioScrapeMode.METRICS_MERGING');
    expect(build({ namespace: 'kube-system', mode: IstioScrapeMode.METRICS_MERGING }).objects.length).toBeGreaterThan(0);
    const disabled = (value: string) => build({ namespace: 'monitoring' }, (_prom, chart) => {
      new kplus.Namespace(chart, 'ns', { metadata: { name: 'monitoring', labels: { 'istio-injection': value } } });
    });
    expect(() => disabled('disabled')).toThrow('test/prometheus: namespace: Istio would inject no sidecar into the Prometheus pods (its Namespace "monitoring" is labelled istio-injection: "disabled", '
      + 'which only "enabled" injects), and in MUTUAL_TLS mode the sidecar writes the certificates the secure scrape job reads, so Prometheus would not load its configuration; '
      + 'label the namespace istio-injection: enabled (or drop the label), or use IstioScrapeMode.METRICS_MERGING');
    expect(disabled('enabled').objects.map((o) => o.kind)).toContain('Namespace');
    const optOut = (chartNamespace: boolean) => build({ namespace: 'monitoring' }, (prom, chart) => {
      if (chartNamespace) new kplus.Namespace(chart, 'ns', { metadata: { name: 'monitoring', labels: { 'istio-injection': 'enabled' } } });
      prom.deployment.podMetadata.addLabel('sidecar.istio.io/inject', 'false');
    });
    for (const withNamespace of [false, true]) {
      expect(() => optOut(withNamespace)).toThrow('test/prometheus: namespace: Istio would inject no sidecar into the Prometheus pods '
        + '(its pod template opts out of injection (sidecar.istio.io/inject: "false")), and in MUTUAL_TLS mode the sidecar writes the certificates the secure scrape job reads, '
        + 'so Prometheus would not load its configuration; remove the sidecar.istio.io/inject override from the pod template, or use IstioScrapeMode.METRICS_MERGING');
    }
    // both: both named
    const both = () => build({ namespace: 'monitoring' }, (prom, chart) => {
      new kplus.Namespace(chart, 'ns', { metadata: { name: 'monitoring', labels: { 'istio-injection': 'disabled' } } });
      prom.deployment.podMetadata.addLabel('sidecar.istio.io/inject', 'false');
    });
    expect(both).toThrow('(its pod template opts out of injection (sidecar.istio.io/inject: "false"); its Namespace "monitoring" is labelled istio-injection: "disabled", which only "enabled" injects)');
    expect(both).toThrow('; remove the sidecar.istio.io/inject override from the pod template and label the namespace istio-injection: enabled (or drop the label), or use');
  });

  test('the sidecar intercepts nothing and writes its certificates through OUTPUT_CERTS', () => {
    const a = b.podTemplate.metadata.annotations;
    expect(a['traffic.sidecar.istio.io/includeInboundPorts']).toBe('');
    expect(a['traffic.sidecar.istio.io/includeOutboundIPRanges']).toBe('');
    // Prometheus starts once the proxy is ready, so the certificate files exist when it builds the secure job
    expect(YAML.parse(a['proxy.istio.io/config'])).toEqual({ holdApplicationUntilProxyStarts: true, proxyMetadata: { OUTPUT_CERTS: '/etc/istio-output-certs' } });
    expect(JSON.parse(a['sidecar.istio.io/userVolumeMount'])).toEqual([{ name: 'istio-certs', mountPath: '/etc/istio-output-certs' }]);
  });

  test('the injected istio-proxy gets the requests and limits given through the injector\'s annotations, else the mesh\'s', () => {
    const a = b.podTemplate.metadata.annotations;
    expect(Object.keys(a).filter((k) => k.startsWith('sidecar.istio.io/proxy'))).toEqual([]);
    const custom = build({
      istioProxyResources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(96), limit: Size.gibibytes(2) },
      },
    }).podTemplate.metadata.annotations;
    expect([custom['sidecar.istio.io/proxyCPU'], custom['sidecar.istio.io/proxyCPULimit'], custom['sidecar.istio.io/proxyMemory'], custom['sidecar.istio.io/proxyMemoryLimit']])
      .toEqual(['50m', '500m', '96Mi', '2048Mi']);
  });

  test('istio-proxy resources need all four requests and limits, each request within its limit (Kubernetes refuses the injected pod otherwise)', () => {
    expect(() => build({ istioProxyResources: { cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) } } }))
      .toThrow('test/prometheus: istioProxyResources: has no memory.request, memory.limit; give CPU and memory requests and limits');
    const resources = (cpu: [number, number], memory: [number, number]) => ({
      cpu: { request: kplus.Cpu.millis(cpu[0]), limit: kplus.Cpu.millis(cpu[1]) },
      memory: { request: Size.mebibytes(memory[0]), limit: Size.mebibytes(memory[1]) },
    });
    expect(() => build({ istioProxyResources: resources([1500, 1000], [64, 128]) }))
      .toThrow('test/prometheus: istioProxyResources.cpu: request 1500m is above limit 1000m; give a request no larger than the limit (Kubernetes refuses the pod otherwise)');
    expect(() => build({ resources: resources([100, 100], [256, 128]) }))
      .toThrow('test/prometheus: resources.memory: request 256Mi is above limit 128Mi; give a request no larger than the limit (Kubernetes refuses the pod otherwise)');
    expect(build({ istioProxyResources: resources([100, 100], [128, 128]) }).objects.length).toBeGreaterThan(0);
  });

  test('the certificates volume is in memory and mounted read-only into Prometheus at /etc/prom-certs', () => {
    expect(b.podTemplate.spec.volumes).toContainEqual({ name: 'istio-certs', emptyDir: { medium: 'Memory' } });
    expect(b.container.volumeMounts).toContainEqual({ name: 'istio-certs', mountPath: '/etc/prom-certs', readOnly: true });
  });

  test('the Istio sidecar itself is left to the injector', () => {
    expect(b.podTemplate.spec.containers.map((c: any) => c.name)).toEqual(['prometheus']);
  });

  test('has the self, plain pods, secure pods and Envoy statistics jobs', () => {
    expect(jobNames(b)).toEqual(['prometheus', 'kubernetes-pods', 'kubernetes-pods-istio-secure', 'istio-envoy-stats']);
  });

  test('the secure job scrapes https with the sidecar certificates and HTTP/2 on', () => {
    const secure = job(b, 'kubernetes-pods-istio-secure');
    expect(secure.scheme).toBe('https');
    expect(secure.enable_http2).toBe(true);
    expect(secure.tls_config).toEqual({
      ca_file: '/etc/prom-certs/root-cert.pem',
      cert_file: '/etc/prom-certs/cert-chain.pem',
      key_file: '/etc/prom-certs/key.pem',
      insecure_skip_verify: true,
    });
    expect(secure.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
  });

  test('the secure job keeps only annotated pods with a sidecar and follows their prometheus.io annotations', () => {
    const rules = job(b, 'kubernetes-pods-istio-secure').relabel_configs;
    expect(rules[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' });
    expect(rules).toContainEqual({ source_labels: ['__meta_kubernetes_pod_annotation_sidecar_istio_io_status'], regex: '.+', target_label: '__tmp_istio_mtls', replacement: 'true', action: 'replace' });
    expect(rules).toContainEqual({ source_labels: ['__tmp_istio_mtls'], regex: 'true', action: 'keep' });
    expect(rules).toContainEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__', replacement: '$1', action: 'replace' });
    expect(rules).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '([^:]+);(\\d+)', target_label: '__address__', replacement: '$1:$2', action: 'replace',
    });
  });

  test('pods whose annotations point at the sidecar\'s merged-metrics port stay in the plain job', () => {
    for (const name of ['kubernetes-pods', 'kubernetes-pods-istio-secure']) {
      expect(job(b, name).relabel_configs).toContainEqual({
        source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '15020', target_label: '__tmp_istio_mtls', replacement: 'false', action: 'replace',
      });
    }
  });

  test('the plain job drops the pods the secure job takes', () => {
    const rules = job(b, 'kubernetes-pods').relabel_configs;
    expect(rules).toContainEqual({ source_labels: ['__tmp_istio_mtls'], regex: 'true', action: 'drop' });
    expect(job(b, 'kubernetes-pods').scheme).toBeUndefined();
    expect(job(b, 'kubernetes-pods').tls_config).toBeUndefined();
  });

  test('the Envoy statistics job scrapes the sidecars\' envoy-prom ports in plain text', () => {
    const envoy = job(b, 'istio-envoy-stats');
    expect(envoy.metrics_path).toBe('/stats/prometheus');
    expect(envoy.relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: 'true;15020', action: 'drop',
    });
    expect(envoy.relabel_configs[1]).toEqual({ source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '.*-envoy-prom', action: 'keep' });
  });

  test('in-mesh clients reach the server in plain text through a DestinationRule', () => {
    const dr = findOne(b.objects, 'DestinationRule');
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.spec).toEqual({ host: 'prometheus', trafficPolicy: { tls: { mode: 'DISABLE' } } });
    expect(dr.metadata.namespace).toBe('istio-system');
  });

  test('the ClusterRole grants only what pod discovery needs, and the binding names the ServiceAccount with its namespace', () => {
    const role = findOne(b.objects, 'ClusterRole');
    expect(role.metadata.namespace).toBeUndefined();
    expect(role.metadata.name).toBe('istio-system-prometheus');
    expect(role.rules.map((r: any) => [r.apiGroups, r.resources, r.verbs])).toEqual([[[''], ['pods'], ['get', 'list', 'watch']]]);
    const binding = findOne(b.objects, 'ClusterRoleBinding');
    expect(binding.metadata.name).toBe('istio-system-prometheus');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-system-prometheus' });
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: 'prometheus', namespace: 'istio-system' })]);
    expect(b.podTemplate.spec.serviceAccountName).toBe('prometheus');
    expect(b.podTemplate.spec.automountServiceAccountToken).toBe(true);
  });

  test('the container runs the pinned image as nobody with a read-only root file system', () => {
    expect(b.container.image).toBe(`prom/prometheus:v${IstioPrometheusScrape.DEFAULT_PROMETHEUS_VERSION}`);
    expect(b.container.imagePullPolicy).toBe('IfNotPresent');
    expect(b.container.securityContext).toMatchObject({
      runAsUser: 65534,
      runAsGroup: 65534,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // OnRootMismatch: the kubelet doesn't walk a whole TSDB volume to change its group at every start
    expect(b.podTemplate.spec.securityContext).toMatchObject({ fsGroup: 65534, runAsNonRoot: true, fsGroupChangePolicy: 'OnRootMismatch' });
  });

  test('the TSDB is the only writable path, on the storage volume', () => {
    expect(b.container.args).toContain('--storage.tsdb.path=/prometheus');
    expect(b.container.volumeMounts).toContainEqual({ name: 'storage', mountPath: '/prometheus' });
    expect(b.podTemplate.spec.volumes).toContainEqual({ name: 'storage', emptyDir: { sizeLimit: '10240Mi' } });
    expect(b.container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/prometheus', readOnly: true });
  });

  test('retention defaults to 15 days and 80% of the storage', () => {
    expect(b.container.args).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=15d', '--storage.tsdb.retention.size=8192MB']));
  });

  test('the lifecycle API stays off: configuration changes roll the pod instead', () => {
    expect(b.container.args.some((a: string) => a.includes('enable-lifecycle'))).toBe(false);
    expect(b.podTemplate.metadata.annotations['config-hash.meshkit.dev/prometheus']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('has requests, limits and probes on /-/ready and /-/healthy', () => {
    expect(b.container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2048Mi' } });
    expect(b.container.readinessProbe.httpGet).toMatchObject({ path: '/-/ready', port: 9090 });
    expect(b.container.livenessProbe.httpGet).toMatchObject({ path: '/-/healthy', port: 9090 });
  });

  test('the Service exposes port 9090 as "http" and selects the pod', () => {
    const service = findOne(b.objects, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 9090, targetPort: 9090 }]);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(b.podTemplate.metadata.labels[k]).toBe(v);
  });
});

describe('the HTTP/2 fix follows prometheusVersion', () => {
  const secure = (b: Built) => job(b, 'kubernetes-pods-istio-secure');
  const envOf = (b: Built) => b.container.env ?? [];

  test.each(['2.21.0', '2.25.2', '2.28.1'])('refuses %s, which cannot scrape Istio mTLS, and says which version to use', (version) => {
    expect(() => build({ prometheusVersion: version })).toThrow(
      new RegExp(`^test/prometheus: prometheusVersion: Prometheus ${version.replace(/\./g, '\\.')} cannot scrape Istio mTLS endpoints: .*; use Prometheus 3\\.13\\.3 \\(the default\\) or any release from 2\\.35 on`));
  });

  test.each(['2.29.0', '2.30.3'])('%s gets PROMETHEUS_COMMON_ENABLE_HTTP2 and no enable_http2 field', (version) => {
    const b = build({ prometheusVersion: version });
    expect(envOf(b)).toEqual([{ name: 'PROMETHEUS_COMMON_ENABLE_HTTP2', value: '1' }]);
    expect(secure(b).enable_http2).toBeUndefined();
    expect(checkPrometheusConfig(b.configText).ok).toBe(true);
  });

  test.each(['2.20.1', '2.31.0', '2.34.0'])('%s needs nothing: HTTP/2 is on by default', (version) => {
    const b = build({ prometheusVersion: version });
    expect(envOf(b)).toEqual([]);
    expect(secure(b).enable_http2).toBeUndefined();
    expect(checkPrometheusConfig(b.configText).ok).toBe(true);
  });

  test.each(['2.35.0', '2.53.4', '3.0.0', '3.13.3'])('%s gets enable_http2: true on the secure job only', (version) => {
    const b = build({ prometheusVersion: version });
    expect(envOf(b)).toEqual([]);
    expect(secure(b).enable_http2).toBe(true);
    expect(job(b, 'kubernetes-pods').enable_http2).toBeUndefined();
    expect(checkPrometheusConfig(b.configText).ok).toBe(true);
  });

  test('the secure job is exactly what promtool refuses when enable_http2 is misspelt', () => {
    // guards the promtool check itself: a field Prometheus doesn't know must fail it
    const b = build();
    const broken = b.configText.replace('enable_http2: true', 'enable_http_2: true');
    const check = checkPrometheusConfig(broken);
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/field enable_http_2 not found/);
  });
});

describe('metrics merging mode', () => {
  const b = build({ mode: IstioScrapeMode.METRICS_MERGING });

  test('runs without a sidecar, even in an injection-enabled namespace', () => {
    expect(b.podTemplate.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(b.podTemplate.metadata.annotations['proxy.istio.io/config']).toBeUndefined();
    expect(b.podTemplate.spec.volumes.map((v: any) => v.name)).not.toContain('istio-certs');
    expect(b.objects.filter((o) => o.kind === 'DestinationRule')).toEqual([]);
  });

  test('scrapes every annotated pod in plain text, as the sidecars rewrite the annotations to :15020', () => {
    expect(jobNames(b)).toEqual(['prometheus', 'kubernetes-pods']);
    const pods = job(b, 'kubernetes-pods');
    expect(pods.scheme).toBeUndefined();
    expect(pods.relabel_configs.some((r: any) => r.target_label === '__tmp_istio_mtls')).toBe(false);
    expectSchemaValid(b.objects);
    expect(checkPrometheusConfig(b.configText).ok).toBe(true);
  });

  test('refuses istio-proxy resources, as there is no sidecar', () => {
    expect(() => build({
      mode: IstioScrapeMode.METRICS_MERGING,
      istioProxyResources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(96), limit: Size.mebibytes(256) },
      },
    })).toThrow('test/prometheus: istioProxyResources: given in METRICS_MERGING mode, where Prometheus runs without an Istio sidecar; drop istioProxyResources, or use IstioScrapeMode.MUTUAL_TLS');
  });

  test('allows Prometheus 2.21-2.28, which scrape plain HTTP fine', () => {
    expect(build({ mode: IstioScrapeMode.METRICS_MERGING, prometheusVersion: '2.25.0' }).container.image).toBe('prom/prometheus:v2.25.0');
  });

  test('fails when a job asks for Istio mutual TLS', () => {
    expect(() => build({ mode: IstioScrapeMode.METRICS_MERGING }, (prom) => prom.addScrapeJob({
      name: 'secure', targets: ScrapeTargets.kubernetes(KubernetesSdRole.POD), istioMutualTls: true,
    }))).toThrow('test/prometheus: addScrapeJob.istioMutualTls: Istio mutual TLS was asked for, but this Prometheus runs in METRICS_MERGING mode, which has no sidecar and so no Istio certificates; use IstioScrapeMode.MUTUAL_TLS, or scrape this job over plain HTTP (metrics merging serves plain text on :15020)');
  });
});

describe('Istio versions', () => {
  test('Istio 1.7-1.9 get the injection annotation instead of the label', () => {
    const b = build({ istioVersion: '1.9.5', mode: IstioScrapeMode.METRICS_MERGING });
    expect(b.podTemplate.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(b.podTemplate.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
  });

  test('Istio 1.10 gets the cert-only sidecar with the label', () => {
    const b = build({ istioVersion: '1.10' });
    expect(b.podTemplate.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(b.podTemplate.metadata.annotations['sidecar.istio.io/inject']).toBeUndefined();
  });

  test('mutual TLS mode fails before Istio 1.10, whose agent may write the certificates readable only by uid 1337', () => {
    expect(() => build({ istioVersion: '1.9.5' })).toThrow('test/prometheus: istioVersion: IstioPrometheusScrape in MUTUAL_TLS mode needs Istio 1.10 or newer (before 1.10 the cert-only sidecar may write the certificates readable only by its own uid 1337, so Prometheus could not load them), but istioVersion is "1.9.5"; upgrade Istio, e.g. to "1.30", or use IstioScrapeMode.METRICS_MERGING');
  });

  test('Istio before 1.22 gets a v1beta1 DestinationRule', () => {
    const b = build({ istioVersion: '1.21' });
    expect(findOne(b.objects, 'DestinationRule').apiVersion).toBe('networking.istio.io/v1beta1');
    expectSchemaValid(b.objects);
  });

  test.each([
    ['1.6.14', 'test/prometheus: istioVersion: IstioPrometheusScrape needs Istio 1.7 or newer (the per-pod prometheus.istio.io/merge-metrics annotation it sets is read from Istio 1.7), but istioVersion is "1.6.14"; upgrade Istio, e.g. to "1.30"'],
    ['2.0', 'test/prometheus: istioVersion: Istio 2.0 is not supported: this library knows the objects of Istio 1.6 to 1.x; give the Istio 1.x release of the mesh, e.g. "1.30"'],
    ['latest', 'test/prometheus: istioVersion: "latest" is not an Istio version; give a release such as "1.30" or "1.30.3"'],
  ])('fails on Istio %s', (version, message) => {
    expect(() => build({ istioVersion: version, mode: IstioScrapeMode.METRICS_MERGING })).toThrow(message);
  });
});

describe('bad Prometheus versions', () => {
  test.each([
    ['latest', 'test/prometheus: prometheusVersion: "latest" is not a Prometheus release version; give the full release number of a prom/prometheus image tag, e.g. "3.13.3"'],
    ['2.53', 'test/prometheus: prometheusVersion: "2.53" is not a Prometheus release version; give the full release number of a prom/prometheus image tag, e.g. "3.13.3"'],
    ['1.8.2', 'test/prometheus: prometheusVersion: Prometheus 1.8.2 is not supported (this library knows the configuration and HTTP/2 behaviour of 2.19 to 3.x); use Prometheus 3.13.3 (the default) or another release from 2.35 on'],
    ['4.0.0', 'test/prometheus: prometheusVersion: Prometheus 4.0.0 is not supported (this library knows the configuration and HTTP/2 behaviour of 2.19 to 3.x); use Prometheus 3.13.3 (the default) or another release from 2.35 on'],
  ])('fails on %s', (version, message) => {
    expect(() => build({ prometheusVersion: version })).toThrow(message);
  });

  test('accepts a leading v', () => {
    expect(build({ prometheusVersion: 'v3.5.0' }).container.image).toBe('prom/prometheus:v3.5.0');
  });
});

describe('fallback_scrape_protocol (Prometheus 3 fails a scrape without a known Content-Type, which 2.x read as text)', () => {
  test('the jobs that follow pod annotations fall back to the text format on Prometheus 3; the others and 2.x get none', () => {
    const fallbacks = (b: Built) => Object.fromEntries(b.config.scrape_configs.map((j: any) => [j.job_name, j.fallback_scrape_protocol]));
    expect(fallbacks(build())).toEqual({
      'prometheus': undefined,
      'kubernetes-pods': 'PrometheusText0.0.4',
      'kubernetes-pods-istio-secure': 'PrometheusText0.0.4',
      'istio-envoy-stats': undefined,
    });
    expect(fallbacks(build({ mode: IstioScrapeMode.METRICS_MERGING }))['kubernetes-pods']).toBe('PrometheusText0.0.4');
    const v2 = build({ prometheusVersion: '2.55.1' });
    expect(Object.values(fallbacks(v2)).every((f) => f === undefined)).toBe(true);
    expect(checkPrometheusConfig(v2.configText).ok).toBe(true);
  });

  test('addScrapeJob takes one on Prometheus 3 and refuses it on 2.x, or a value that is not a ScrapeProtocol', () => {
    const targets = ScrapeTargets.fromAddresses(['app.shop.svc:8080']);
    const b = build({}, (prom) => prom.addScrapeJob({ name: 'legacy', targets, fallbackScrapeProtocol: ScrapeProtocol.OPEN_METRICS_TEXT_1_0_0 }));
    expect(job(b, 'legacy').fallback_scrape_protocol).toBe('OpenMetricsText1.0.0');
    expect(() => build({ prometheusVersion: '2.55.1' }, (prom) => prom.addScrapeJob({ name: 'legacy', targets, fallbackScrapeProtocol: ScrapeProtocol.PROMETHEUS_TEXT_0_0_4 })))
      .toThrow('test/prometheus: addScrapeJob.fallbackScrapeProtocol: "PrometheusText0.0.4" given for Prometheus 2.55.1, which has no fallback_scrape_protocol '
        + '(2.x reads a response without a known Content-Type as text already) and would refuse the configuration; drop fallbackScrapeProtocol, or use Prometheus 3');
    expect(() => build({}, (prom) => prom.addScrapeJob({ name: 'legacy', targets, fallbackScrapeProtocol: 'text' as ScrapeProtocol })))
      .toThrow('test/prometheus: addScrapeJob.fallbackScrapeProtocol: received "text"; use a ScrapeProtocol (PrometheusText0.0.4, ');
  });
});

describe('addScrapeJob', () => {
  const withJob = build({}, (prom) => {
    prom.addScrapeJob({
      name: 'kube-state-metrics',
      targets: ScrapeTargets.kubernetes(KubernetesSdRole.ENDPOINT_SLICE, { namespaces: ['kube-system'] }),
      scrapeInterval: Duration.seconds(30),
      relabelings: [
        { action: RelabelAction.KEEP, sourceLabels: ['__meta_kubernetes_service_name'], regex: 'kube-state-metrics' },
        { action: RelabelAction.LOWERCASE, sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'ns' },
      ],
      metricRelabelings: [{ action: RelabelAction.LABEL_DROP, regex: 'pod_template_hash' }],
    });
    prom.addScrapeJob({ name: 'istiod', targets: ScrapeTargets.kubernetes(KubernetesSdRole.POD, { namespaces: ['istio-system'] }), istioMutualTls: true });
  });

  test('renders the job after the built-in ones, as typed', () => {
    expect(jobNames(withJob).slice(-2)).toEqual(['kube-state-metrics', 'istiod']);
    expect(job(withJob, 'kube-state-metrics')).toEqual({
      job_name: 'kube-state-metrics',
      scrape_interval: '30s',
      kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['kube-system'] } }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_service_name'], regex: 'kube-state-metrics', action: 'keep' },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'ns', action: 'lowercase' },
      ],
      metric_relabel_configs: [{ regex: 'pod_template_hash', action: 'labeldrop' }],
    });
  });

  test('a job with istioMutualTls gets the certificates and the HTTP/2 setting', () => {
    expect(job(withJob, 'istiod')).toMatchObject({ scheme: 'https', enable_http2: true, tls_config: { cert_file: '/etc/prom-certs/cert-chain.pem' } });
  });

  test('the ClusterRole grows with the roles the jobs discover', () => {
    const rules = findOne(withJob.objects, 'ClusterRole').rules;
    expect(rules.flatMap((r: any) => r.resources).sort()).toEqual(['endpointslices', 'pods', 'services']);
    expect(rules.find((r: any) => r.resources.includes('endpointslices')).apiGroups).toEqual(['discovery.k8s.io']);
  });

  test('the result passes promtool and the schemas', () => {
    const check = checkPrometheusConfig(withJob.configText);
    expect(check.output).toMatch(/SUCCESS/);
    expect([check.ok, check.output]).toEqual([true, check.output]);
    expectSchemaValid(withJob.objects);
  });

  test('the config hash changes when a job is added after the constructor', () => {
    expect(withJob.podTemplate.metadata.annotations['config-hash.meshkit.dev/prometheus'])
      .not.toEqual(build().podTemplate.metadata.annotations['config-hash.meshkit.dev/prometheus']);
  });

  test('a job faster than the server\'s timeout inherits the timeout, which Prometheus cuts to the interval', () => {
    const b = build({}, (prom) => prom.addScrapeJob({ name: 'fast', targets: ScrapeTargets.fromAddresses(['10.0.0.1:9100']), scrapeInterval: Duration.seconds(5) }));
    expect(job(b, 'fast')).toEqual({ job_name: 'fast', scrape_interval: '5s', static_configs: [{ targets: ['10.0.0.1:9100'] }] });
    expect(b.config.global).toEqual({ scrape_interval: '15s', scrape_timeout: '10s' });
    const check = checkPrometheusConfig(b.configText);
    expect([check.ok, check.output]).toEqual([true, expect.stringMatching(/SUCCESS/)]);
  });

  test('jobs given as props are added too', () => {
    const b = build({ scrapeJobs: [{ name: 'static', targets: ScrapeTargets.fromAddresses(['10.0.0.1:9100']), metricsPath: '/probe' }] });
    expect(job(b, 'static')).toEqual({ job_name: 'static', metrics_path: '/probe', static_configs: [{ targets: ['10.0.0.1:9100'] }] });
  });

  test('label names are UTF-8 on Prometheus 3 (its default validation scheme) and letters, digits and "_" on 2.x', () => {
    const otel = {
      name: 'otel',
      targets: pods,
      metricRelabelings: [
        { action: RelabelAction.REPLACE, sourceLabels: ['service.name'], targetLabel: 'k8s.namespace.name' },
        { action: RelabelAction.LABEL_MAP, regex: 'label_(.+)', replacement: 'app.$1' },
      ],
    };
    expect(job(build({}, (prom) => prom.addScrapeJob(otel)), 'otel').metric_relabel_configs.map((r: any) => r.target_label ?? r.replacement))
      .toEqual(['k8s.namespace.name', 'app.$1']);
    expect(() => build({ prometheusVersion: '2.55.1' }, (prom) => prom.addScrapeJob(otel))).toThrow(
      'test/prometheus: addScrapeJob.metricRelabelings[0].sourceLabels[0]: "service.name" is not a label name; use letters, digits and "_", not starting with a digit (Prometheus 3 takes any UTF-8 name)');
    const target = { ...otel, metricRelabelings: [otel.metricRelabelings[0]].map((r) => ({ ...r, sourceLabels: ['service_name'] })) };
    expect(() => build({ prometheusVersion: '2.55.1' }, (prom) => prom.addScrapeJob(target))).toThrow(
      'test/prometheus: addScrapeJob.metricRelabelings[0].targetLabel: "k8s.namespace.name" is not a valid target label for "replace"; use letters, digits and "_" (and $1-style references for replace; Prometheus 3 takes any UTF-8 name)');
    const labelmap = { ...otel, metricRelabelings: [otel.metricRelabelings[1]] };
    expect(() => build({ prometheusVersion: '2.55.1' }, (prom) => prom.addScrapeJob(labelmap))).toThrow(
      'test/prometheus: addScrapeJob.metricRelabelings[0].replacement: "app.$1" is not a valid label name for "labelmap"');
  });

  test('a relabel regex with a (?<name>...) group is accepted for Prometheus 3.x and refused for 2.x', () => {
    const rule = { action: RelabelAction.REPLACE, sourceLabels: ['__address__'], regex: '(?<host>[^:]+):.*', targetLabel: 'host', replacement: '$1' };
    const targets = ScrapeTargets.kubernetes(KubernetesSdRole.POD);
    expect(() => build({}, (prom) => prom.addScrapeJob({ name: 'named', targets, relabelings: [rule] }))).not.toThrow();
    expect(() => build({ prometheusVersion: '2.45.0', mode: IstioScrapeMode.METRICS_MERGING }, (prom) => prom.addScrapeJob({ name: 'named', targets, relabelings: [rule] })))
      .toThrow('addScrapeJob.relabelings[0].regex: "(?<host>[^:]+):.*" does not compile as Prometheus\'s anchored RE2 expression: named capture "(?<host>" needs the "(?P<host>" form in Prometheus 2.x');
  });

  const pods = ScrapeTargets.kubernetes(KubernetesSdRole.POD);
  test.each<[string, any, string]>([
    ['a job name used twice', { name: 'kubernetes-pods', targets: pods },
      'test/prometheus: addScrapeJob.name: the job name "kubernetes-pods" is already used; give every scrape job its own name (Prometheus refuses duplicate job names)'],
    ['a lookahead', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.KEEP, sourceLabels: ['a'], regex: 'foo(?=bar)' }] },
      'test/prometheus: addScrapeJob.relabelings[0].regex: "foo(?=bar)" does not compile as Prometheus\'s anchored RE2 expression: lookahead "(?=" is not supported by RE2; rewrite it in RE2 syntax (no lookarounds or backreferences; Prometheus adds ^ and $ itself)'],
    ['a backreference', { name: 'x', targets: pods, metricRelabelings: [{ action: RelabelAction.DROP, sourceLabels: ['a', 'b'], regex: '(.+);\\1' }] },
      'test/prometheus: addScrapeJob.metricRelabelings[0].regex: "(.+);\\\\1" does not compile as Prometheus\'s anchored RE2 expression: backreference "\\1" is not supported by RE2; rewrite it in RE2 syntax (no lookarounds or backreferences; Prometheus adds ^ and $ itself)'],
    ['an unbalanced group', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.KEEP, sourceLabels: ['a'], regex: '(a' }] },
      'test/prometheus: addScrapeJob.relabelings[0].regex: "(a" does not compile as Prometheus\'s anchored RE2 expression: missing ")" (unbalanced parentheses); rewrite it in RE2 syntax (no lookarounds or backreferences; Prometheus adds ^ and $ itself)'],
    ['a replace rule without a target', { name: 'x', targets: pods, relabelings: [{ sourceLabels: ['a'] }] },
      'test/prometheus: addScrapeJob.relabelings[0].targetLabel: a "replace" rule has no targetLabel; name the label the rule writes'],
    ['a hashmod rule without a modulus', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.HASH_MOD, sourceLabels: ['a'], targetLabel: 'shard' }] },
      'test/prometheus: addScrapeJob.relabelings[0].modulus: received undefined; a hashmod rule needs a positive integer modulus'],
    ['a labeldrop rule with source labels', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.LABEL_DROP, sourceLabels: ['a'], regex: 'b' }] },
      'test/prometheus: addScrapeJob.relabelings[0].sourceLabels: a "labeldrop" rule does not take sourceLabels; remove it (Prometheus refuses the rule otherwise)'],
    ['a source label that is not a label name', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.KEEP, sourceLabels: [''] }] },
      'test/prometheus: addScrapeJob.relabelings[0].sourceLabels[0]: "" is not a label name; give a non-empty name'],
    ['a labelmap replacement that is no label name', { name: 'x', targets: pods, relabelings: [{ action: RelabelAction.LABEL_MAP, regex: 'x', replacement: '' }] },
      'test/prometheus: addScrapeJob.relabelings[0].replacement: "" is not a valid label name for "labelmap"; give a non-empty name'],
    ['a timeout longer than the interval', { name: 'x', targets: pods, scrapeInterval: Duration.seconds(10), scrapeTimeout: Duration.seconds(30) },
      'test/prometheus: addScrapeJob.scrapeTimeout: 30s is longer than the scrape interval 10s; give a timeout no longer than the interval (Prometheus refuses the configuration otherwise)'],
    ['a timeout longer than the server\'s interval', { name: 'x', targets: pods, scrapeTimeout: Duration.seconds(20) },
      'test/prometheus: addScrapeJob.scrapeTimeout: 20s is longer than the scrape interval 15s; give a timeout no longer than the interval (Prometheus refuses the configuration otherwise)'],
    ['a zero interval', { name: 'x', targets: pods, scrapeInterval: Duration.seconds(0) },
      'test/prometheus: addScrapeJob.scrapeInterval: received 0ms; give a positive Duration in whole milliseconds, e.g. Duration.seconds(15) (a zero interval would make Prometheus fall back to its default)'],
    ['a fraction of a millisecond', { name: 'x', targets: pods, scrapeTimeout: Duration.millis(0.5) },
      'test/prometheus: addScrapeJob.scrapeTimeout: received 0.5ms; give a positive Duration in whole milliseconds'],
    ['an address with a scheme', { name: 'x', targets: ScrapeTargets.fromAddresses(['http://host:9100']) },
      'test/prometheus: addScrapeJob.targets[0]: "http://host:9100" is not a scrape address; give "host:port" without a scheme or path (set the path with metricsPath)'],
  ])('fails on %s', (_what, options, message) => {
    expect(() => build({}, (prom) => prom.addScrapeJob(options))).toThrow(message);
  });

  test('fails on an action the chosen version does not have', () => {
    expect(() => build({ prometheusVersion: '2.35.0' }, (prom) => prom.addScrapeJob({
      name: 'x',
      targets: ScrapeTargets.kubernetes(KubernetesSdRole.POD),
      relabelings: [{ action: RelabelAction.KEEP_EQUAL, sourceLabels: ['a'], targetLabel: 'b' }],
    }))).toThrow('test/prometheus: addScrapeJob.relabelings[0].action: "keepequal" needs Prometheus 2.41 or later (this is 2.35.0); choose a newer prometheusVersion or another action');
  });
});

describe('addScrapeTarget', () => {
  test('annotates the pod template for the secure job and opts the pod out of metrics merging', () => {
    let workload!: kplus.Deployment;
    const b = build({}, (prom, chart) => {
      workload = app(chart);
      prom.addScrapeTarget(workload, { port: 8080, path: '/stats' });
    });
    const pod = findOne(b.objects, 'Deployment', 'app').spec.template.metadata.annotations;
    expect(pod).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/stats', 'prometheus.istio.io/merge-metrics': 'false',
    });
    expect(findOne(b.objects, 'Deployment', 'app').metadata.annotations).toBeUndefined();
  });

  test('makes the metrics port STRICT for the workload\'s pods (a PERMISSIVE sidecar doesn\'t terminate TLS without Istio\'s ALPN), leaving the rest of the pod alone', () => {
    const b = build({}, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080 }));
    const policy = findOne(b.objects, 'PeerAuthentication', 'app-metrics-mtls');
    expect(policy.apiVersion).toBe('security.istio.io/v1');
    expect(policy.metadata.namespace).toBe('shop');
    expect(policy.spec).toEqual({
      selector: { matchLabels: findOne(b.objects, 'Deployment', 'app').spec.selector.matchLabels },
      portLevelMtls: { 8080: { mode: 'STRICT' } },
    });
    expect(policy.spec).not.toHaveProperty('mtls');
    expectSchemaValid(b.objects);
    const old = build({ istioVersion: '1.21' }, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080 }));
    expect(findOne(old.objects, 'PeerAuthentication', 'app-metrics-mtls').apiVersion).toBe('security.istio.io/v1beta1');
  });

  test('fails at synth when a Service of the manifests declares the metrics port as something else than HTTP to Istio', () => {
    const withService = (port: Partial<kplus.ServicePort>, namespace = 'shop') => () => build({}, (prom, chart) => {
      const w = app(chart);
      new kplus.Service(chart, 'svc', { metadata: { name: 'app', namespace }, selector: w, ports: [{ port: 80, targetPort: 8080, ...port }] });
      prom.addScrapeTarget(w, { port: 8080 });
    });
    expect(withService({ name: 'metrics' })).toThrow(
      'test/prometheus: addScrapeTarget.port: Service "shop/app" port 80 (name "metrics") targets the metrics port 8080, and Istio knows no protocol "metrics" (it sniffs the port), not HTTP: '
      + 'it then serves the port through its TCP filter chain, which offers h2 by ALPN and passes the bytes on, so Prometheus\'s HTTP/2 scrape reaches an HTTP/1.1 application as HTTP/2 and fails ("unexpected EOF"); '
      + 'name the Service port "http-<name>" (e.g. "http-metrics") or give it appProtocol "http"');
    expect(withService({ name: 'tcp-web' })).toThrow('Istio reads protocol "tcp" from it, not HTTP');
    expect(withService({})).toThrow('port 80 (no name) targets the metrics port 8080, and Istio reads no protocol from it (it sniffs the port), not HTTP');
    // HTTP by name or appProtocol, or a Service of another namespace, pass
    expect(withService({ name: 'http-web' })).not.toThrow();
    expect(withService({ name: 'grpc' })).not.toThrow();
    expect(withService({ name: 'grpc-web-ui' })).not.toThrow();
    expect(withService({ name: 'https-web' })).toThrow('Istio reads protocol "https" from it, not HTTP');
    // appProtocol wins over the name (cdk8s-plus-25's ServicePort has no prop for it)
    expect(() => build({}, (prom, chart) => {
      const w = app(chart);
      const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'app', namespace: 'shop' }, selector: w, ports: [{ name: 'web', port: 80, targetPort: 8080 }] });
      ApiObject.of(svc).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', 'http'));
      prom.addScrapeTarget(w, { port: 8080 });
    })).not.toThrow();
    for (const [appProtocol, ok] of [['kubernetes.io/h2c', true], ['kubernetes.io/ws', true], ['http-metrics', true], ['kubernetes.io/wss', false], ['tcp', false]] as const) {
      const run = () => build({}, (prom, chart) => {
        const w = app(chart);
        const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'app', namespace: 'shop' }, selector: w, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
        ApiObject.of(svc).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', appProtocol));
        prom.addScrapeTarget(w, { port: 8080 });
      });
      if (ok) expect(run).not.toThrow();
      else expect(run).toThrow(`(appProtocol "${appProtocol}")`);
    }
    // Kubernetes' standard names are Istio's from 1.18, spelled exactly
    const standard = (istioVersion: string, appProtocol: string) => () => build({ istioVersion }, (prom, chart) => {
      const w = app(chart);
      const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'app', namespace: 'shop' }, selector: w, ports: [{ name: 'web', port: 80, targetPort: 8080 }] });
      ApiObject.of(svc).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', appProtocol));
      prom.addScrapeTarget(w, { port: 8080 });
    });
    expect(standard('1.17', 'kubernetes.io/h2c')).toThrow('Istio knows no protocol "kubernetes.io/h2c" (it sniffs the port)');
    expect(standard('1.18', 'kubernetes.io/h2c')).not.toThrow();
    expect(standard('1.18', 'Kubernetes.io/H2C')).toThrow('Istio knows no protocol');
    expect(withService({ name: 'metrics' }, 'other')).not.toThrow();
    // METRICS_MERGING scrapes the sidecar's own plain-text port
    expect(() => build({ mode: IstioScrapeMode.METRICS_MERGING }, (prom, chart) => {
      const w = app(chart);
      new kplus.Service(chart, 'svc', { metadata: { name: 'app', namespace: 'shop' }, selector: w, ports: [{ name: 'metrics', port: 80, targetPort: 8080 }] });
      prom.addScrapeTarget(w, { port: 8080 });
    })).not.toThrow();
  });

  test('refuses a PeerAuthentication for a workload in istio-system, the root namespace, where Istio ignores selector policies', () => {
    const rootApp = (chart: Chart) => new kplus.Deployment(chart, 'gw', {
      metadata: { name: 'gw', namespace: 'istio-system' },
      containers: [{ name: 'gw', image: 'example/app:1.0.0', portNumber: 8080, securityContext: { user: 1000 } }],
    });
    expect(() => build({}, (prom, chart) => prom.addScrapeTarget(rootApp(chart), { port: 8080 }))).toThrow(
      'test/prometheus: addScrapeTarget.peerAuthentication: workload "gw" runs in istio-system, the mesh\'s root namespace (unless meshConfig.rootNamespace says otherwise), '
      + 'where Istio ignores a PeerAuthentication with a workload selector: the port would keep the mesh\'s mode and the scrape over mutual TLS would fail; '
      + 'run the workload in another namespace, or pass addScrapeTarget.peerAuthentication: false and make the whole mesh STRICT '
      + '(a PeerAuthentication in istio-system without a selector, mode STRICT), or use METRICS_MERGING');
    expect(() => build({}, (prom, chart) => prom.addScrapeTarget(rootApp(chart), { port: 8080, peerAuthentication: false }))).not.toThrow();
  });

  test('adds no PeerAuthentication when told the port is STRICT already, nor a second one for a second server', () => {
    const none = build({}, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080, peerAuthentication: false }));
    expect(none.objects.filter((o) => o.kind === 'PeerAuthentication')).toEqual([]);
    const two = build({}, (prom, chart) => {
      const w = app(chart);
      prom.addScrapeTarget(w, { port: 8080 });
      new IstioPrometheusScrape(chart, 'second', { name: 'prometheus-second' }).addScrapeTarget(w, { port: 8080 });
    });
    expect(two.objects.filter((o) => o.kind === 'PeerAuthentication').map((o) => o.metadata.name)).toEqual(['app-metrics-mtls']);
    expect(() => build({}, (prom, chart) => {
      const w = app(chart);
      prom.addScrapeTarget(w, { port: 8080, peerAuthentication: false });
      new IstioPrometheusScrape(chart, 'second', { name: 'prometheus-second' }).addScrapeTarget(w, { port: 8080 });
    })).toThrow('test/second: addScrapeTarget.peerAuthentication: is true for workload "test/app", which test/prometheus scrapes with peerAuthentication false; '
      + 'give both the same value: the workload has one PeerAuthentication or none');
  });

  test('in metrics merging mode the pod keeps merging on, with no PeerAuthentication (and peerAuthentication is refused)', () => {
    const b = build({ mode: IstioScrapeMode.METRICS_MERGING }, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080 }));
    expect(findOne(b.objects, 'Deployment', 'app').spec.template.metadata.annotations['prometheus.istio.io/merge-metrics']).toBe('true');
    expect(b.objects.filter((o) => o.kind === 'PeerAuthentication')).toEqual([]);
    const merging = { mode: IstioScrapeMode.METRICS_MERGING };
    expect(() => build(merging, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080, peerAuthentication: true }))).toThrow(
      "test/prometheus: addScrapeTarget.peerAuthentication: is true in metrics-merging mode, which scrapes the sidecar's plain-text port; drop peerAuthentication (it applies to IstioScrapeMode.MUTUAL_TLS only)");
  });

  test('fails when a workload is scraped in both modes', () => {
    expect(() => build({}, (prom, chart) => {
      const w = app(chart);
      prom.addScrapeTarget(w, { port: 8080 });
      new IstioPrometheusScrape(chart, 'merging', { name: 'prometheus-merging', mode: IstioScrapeMode.METRICS_MERGING }).addScrapeTarget(w, { port: 8080 });
    })).toThrow('test/merging: addScrapeTarget: workload "test/app" is already scraped in mutual-tls mode by test/prometheus, and metrics-merging mode was asked for; metrics merging serves plain text on :15020 and mutual TLS needs the application port: scrape the workload in one mode only');
  });

  test('fails on a port no container declares, naming the construct and the method', () => {
    expect(() => build({}, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 9102 })))
      .toThrow('test/prometheus: addScrapeTarget.port: no container of workload "app" declares port 9102 (declared: 8080 (app)); declare the port on the app container (portNumber or addPort) or point at a port it declares');
  });

  test('fails on a path that is not an HTTP path, naming the construct and the method', () => {
    expect(() => build({}, (prom, chart) => prom.addScrapeTarget(app(chart), { port: 8080, path: 'metrics' })))
      .toThrow('test/prometheus: addScrapeTarget.path: "metrics" is not an HTTP path; give a path starting with "/", e.g. "/metrics"');
  });

  test('refuses a query in a path Prometheus fetches itself (it escapes "?" into the path), and keeps it where pilot-agent fetches it (metrics merging)', () => {
    const query = { port: 8080, path: '/metrics?format=prometheus' };
    expect(() => build({}, (prom, chart) => prom.addScrapeTarget(app(chart), query))).toThrow(
      'test/prometheus: addScrapeTarget.path: "/metrics?format=prometheus" holds a query or fragment, which Prometheus would escape into the path (requesting "/metrics%3Fformat=prometheus"); '
      + 'give the path alone (in METRICS_MERGING mode Istio\'s pilot-agent fetches the path as given, query included)');
    const merging = build({ mode: IstioScrapeMode.METRICS_MERGING }, (prom, chart) => prom.addScrapeTarget(app(chart), query));
    expect(findOne(merging.objects, 'Deployment', 'app').spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics?format=prometheus');
    expect(() => build({}, (prom) => prom.addScrapeJob({ name: 'x', targets: ScrapeTargets.fromAddresses(['host:9100']), metricsPath: '/probe#x' }))).toThrow(
      'test/prometheus: addScrapeJob.metricsPath: "/probe#x" holds a query or fragment, which Prometheus would escape into the path (requesting "/probe%23x"); '
      + 'give the path alone, and query parameters as `__param_<name>` labels set by a relabeling');
  });

  test('fails when the workload is already marked for another endpoint, naming the construct, the method and the workload', () => {
    expect(() => build({}, (prom, chart) => {
      const w = app(chart);
      PrometheusScrapeAnnotations.addTo(w, { port: 8080, path: '/stats' });
      prom.addScrapeTarget(w, { port: 8080 });
    })).toThrow('test/prometheus: addScrapeTarget.port: 8080 /metrics was asked for, but workload "app" is already marked for scraping on 8080 /stats; the prometheus.io annotations hold one port and path per pod: serve all metrics on one endpoint, or add a scrape job for the second one');
  });
});

describe('storage', () => {
  test('a PersistentVolumeClaim keeps the TSDB and makes the Deployment recreate its pod', () => {
    const b = build({ storage: PrometheusStorage.persistentVolumeClaim({ size: Size.gibibytes(50), storageClassName: 'fast' }), retention: Duration.days(30) });
    const claim = findOne(b.objects, 'PersistentVolumeClaim', 'prometheus-data');
    expect(claim.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '50Gi' } } });
    expect(b.podTemplate.spec.volumes).toContainEqual({ name: 'storage', persistentVolumeClaim: { claimName: 'prometheus-data', readOnly: false } });
    expect(b.deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(b.container.args).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=30d', '--storage.tsdb.retention.size=40960MB']));
    expectSchemaValid(b.objects);
  });

  test('an explicit retention size is passed in MiB', () => {
    expect(build({ retentionSize: Size.gibibytes(5) }).container.args).toContain('--storage.tsdb.retention.size=5120MB');
  });

  test('fails when the retention size does not fit the storage', () => {
    expect(() => build({ storage: PrometheusStorage.emptyDir({ sizeLimit: Size.gibibytes(4) }), retentionSize: Size.gibibytes(4) }))
      .toThrow('test/prometheus: retentionSize: 4096Mi does not fit the 4096Mi storage; give a retention size below the storage size (the WAL and compaction need room beyond it)');
  });

  test('fails on a claim that is not whole GiB (cdk8s-plus-25 could not write it), naming the size given', () => {
    const fix = 'give the claim a size in whole GiB, at least Size.gibibytes(1), typically tens of GiB';
    expect(() => build({ storage: PrometheusStorage.persistentVolumeClaim({ size: Size.mebibytes(32) }) }))
      .toThrow(`test/prometheus: storage.size: 32Mi is not a whole number of GiB, which cdk8s-plus-25 writes claim sizes in; ${fix}`);
    expect(() => build({ storage: PrometheusStorage.persistentVolumeClaim({ size: Size.kibibytes(70000) }) }))
      .toThrow(`test/prometheus: storage.size: 68.359375Mi is not a whole number of GiB, which cdk8s-plus-25 writes claim sizes in; ${fix}`);
  });

  test('fails on an emptyDir limit that is not whole MiB (cdk8s-plus-25 could not write it)', () => {
    expect(() => build({ storage: PrometheusStorage.emptyDir({ sizeLimit: Size.kibibytes(100_000) }) }))
      .toThrow('test/prometheus: storage.sizeLimit: 97.65625Mi is not a whole number of MiB, which cdk8s-plus-25 writes emptyDir limits in; give the limit in whole MiB or GiB, e.g. Size.gibibytes(10)');
  });
});

describe('resources', () => {
  test('custom resources need CPU and memory requests and limits', () => {
    expect(() => build({ resources: {} })).toThrow('test/prometheus: resources: has no cpu.request, cpu.limit, memory.request, memory.limit; give CPU and memory requests and limits');
  });
});

describe('scrape interval and timeout', () => {
  test('default to 15s and 10s', () => {
    expect(build().config.global).toEqual({ scrape_interval: '15s', scrape_timeout: '10s' });
  });

  test('a server interval below 10s takes the interval as its timeout, as Prometheus would', () => {
    const b = build({ scrapeInterval: Duration.seconds(5) });
    expect(b.config.global).toEqual({ scrape_interval: '5s', scrape_timeout: '5s' });
    const check = checkPrometheusConfig(b.configText);
    expect([check.ok, check.output]).toEqual([true, expect.stringMatching(/SUCCESS/)]);
  });

  test('an explicit timeout is kept', () => {
    expect(build({ scrapeInterval: Duration.minutes(1), scrapeTimeout: Duration.seconds(45) }).config.global).toEqual({ scrape_interval: '1m', scrape_timeout: '45s' });
  });

  test.each<[string, Partial<IstioPrometheusScrapeProps>, string]>([
    ['a timeout longer than the interval', { scrapeInterval: Duration.seconds(5), scrapeTimeout: Duration.seconds(10) },
      'test/prometheus: scrapeTimeout: 10s is longer than scrapeInterval 5s; give a timeout no longer than the interval (Prometheus refuses the configuration otherwise)'],
    ['a zero interval', { scrapeInterval: Duration.seconds(0) },
      'test/prometheus: scrapeInterval: received 0ms; give a positive Duration in whole milliseconds'],
  ])('fail on %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('image repository', () => {
  test('takes a mirror, with a registry port', () => {
    expect(build({ imageRepository: 'registry.local:5000/mirror/prometheus' }).container.image).toBe('registry.local:5000/mirror/prometheus:v3.13.3');
  });

  test.each([
    ['prom/prometheus:v3.5.0', '"prom/prometheus:v3.5.0" is not an image repository (it carries a tag or digest); give the repository alone, e.g. "registry.example.com/mirror/prometheus"; the tag is always "v<prometheusVersion>"'],
    ['prom/prometheus@sha256:0123', '"prom/prometheus@sha256:0123" is not an image repository (it carries a tag or digest)'],
    ['', '"" is not an image repository; give the repository alone'],
    ['Prom/Prometheus', '"Prom/Prometheus" is not an image repository; give the repository alone'],
  ])('fails on %p', (imageRepository, message) => {
    expect(() => build({ imageRepository })).toThrow(`test/prometheus: imageRepository: ${message}`);
  });
});

describe('names and namespaces', () => {
  test('takes the chart\'s namespace when it has one', () => {
    const chart = Testing.chart();
    const scoped = new Chart(chart, 'monitoring', { namespace: 'monitoring' });
    new IstioPrometheusScrape(scoped, 'prometheus');
    const objects = synthChart(scoped);
    expect(findOne(objects, 'Deployment').metadata.namespace).toBe('monitoring');
    expect(findOne(objects, 'ClusterRoleBinding').subjects[0].namespace).toBe('monitoring');
  });

  test('servers in two namespaces get cluster-scoped objects of their own', () => {
    const chart = Testing.chart();
    new IstioPrometheusScrape(chart, 'a', { namespace: 'team-a' });
    new IstioPrometheusScrape(chart, 'b', { namespace: 'team-b' });
    const objects = synthChart(chart);
    const names = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
    expect(names('ClusterRole')).toEqual(['team-a-prometheus', 'team-b-prometheus']);
    expect(names('ClusterRoleBinding')).toEqual(['team-a-prometheus', 'team-b-prometheus']);
    const bindingB = objects.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'team-b-prometheus');
    expect(bindingB.roleRef.name).toBe('team-b-prometheus');
    expect(bindingB.subjects).toEqual([expect.objectContaining({ name: 'prometheus', namespace: 'team-b' })]);
  });

  test('fails on a name that is not a DNS label', () => {
    expect(() => build({ name: 'Prometheus_1' })).toThrow(/^test\/prometheus: name: "Prometheus_1" is not a valid DNS-1123 label/);
  });
});
