/*
 * The benchmark's hand-written sides: the objects of one workload of workloads.ts, written with
 * cdk8s-plus-25 alone, as a team without the library would write them. They differ only in where
 * each workload's Envoy documents (bootstrap and SDS file) come from, an EnvoySource:
 *
 * - side b, literalSource(): built from hand-written object literals (baseline-envoy.ts)
 *   and serialized with JSON.stringify, the usual way in a cdk8s TypeScript app; the baseline of
 *   the target ratio a/b;
 * - side t, templateSource(): a text template with the workload's name and upstream shard as
 *   placeholders (read from a file inside the timed region, as an app reads its files at synth),
 *   filled in with string replacement;
 * - side g, givenSource(): the finished texts the library wrote, read and parsed before the
 *   timed region; no app gets its Envoy JSON for nothing, so a/g is expected to be the highest
 *   ratio (a bound of sorts, within the noise).
 *
 * The pod-template hash of the Envoy config is computed here, as a hand-written setup that rolls
 * its pods on config changes must do too. What cdk8s-plus-25 can't express (dropped
 * capabilities, the seccomp profile) is added with JSON patches.
 *
 * `npm run bench` checks that all sides synthesize the same objects before it times them;
 * test/bench-baseline.test.ts does so in the test suite.
 */
import { createHash } from 'crypto';
import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { envoyBootstrap, sdsFile } from './baseline-envoy';
import { BenchVariant, NAMESPACE, WORKLOAD, appContainer, benchVariant, workloadName } from './workloads';

/** The Envoy documents of one workload, as the library writes them into its ConfigMap. */
export interface EnvoyFiles {
  /** The ConfigMap's `envoy.json`. */
  readonly bootstrap: string;
  /** The ConfigMap's `sds-<secret>.json`. */
  readonly sds: string;
}

/** One workload's Envoy documents: the texts of the ConfigMap, and the SDS file's value for the config hash. */
export interface EnvoyDocuments extends EnvoyFiles {
  readonly sdsValue: unknown;
}

/** Where a hand-written side gets workload `i`'s Envoy documents from. */
export type EnvoySource = (i: number, variant: BenchVariant) => EnvoyDocuments;

/** Side b: hand-written object literals, serialized per workload. */
export function literalSource(): EnvoySource {
  return (i, variant) => {
    const sdsValue = sdsFile(`${workloadName(i)}-tls`);
    return {
      bootstrap: JSON.stringify(envoyBootstrap(workloadName(i), i, variant === 'full'), undefined, 2),
      sds: JSON.stringify(sdsValue, undefined, 2),
      sdsValue,
    };
  };
}

/** Side t: the texts of `templates` (see envoyTemplates()) with the placeholders filled in. */
export function templateSource(templates: EnvoyFiles): EnvoySource {
  return (i) => {
    const fill = (text: string) => text.replaceAll(NAME, workloadName(i)).replaceAll(SHARD, String(i % 10));
    const sds = fill(templates.sds);
    return { bootstrap: fill(templates.bootstrap), sds, sdsValue: JSON.parse(sds) };
  };
}

/** Side g: finished texts, one per workload, parsed when this is called (before anything is timed). */
export function givenSource(files: readonly EnvoyFiles[]): EnvoySource {
  const documents = files.map((f) => ({ ...f, sdsValue: JSON.parse(f.sds) }));
  return (i) => documents[i];
}

const NAME = '{{name}}';
const SHARD = '{{shard}}';

/**
 * The template side t reads: workload 0's documents with its name and upstream shard replaced by
 * placeholders (what a team would keep in its repository).
 */
export function envoyTemplates(workload0: EnvoyFiles): EnvoyFiles {
  const name = workloadName(0);
  const generalize = (text: string) => text.replaceAll(name, NAME).replaceAll(`-0.${NAMESPACE}.svc`, `-${SHARD}.${NAMESPACE}.svc`);
  return { bootstrap: generalize(workload0.bootstrap), sds: generalize(workload0.sds) };
}

const CONFIG_DIR = '/etc/envoy';
const DRAIN = [
  'exec 3<>/dev/tcp/127.0.0.1/9901',
  'printf \'POST /drain_listeners?inboundonly&graceful&skip_exit HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n\' >&3',
  'cat <&3 >/dev/null',
].join(' && ');
const GRPC_PORT = 9999;
const SECURITY = { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };

/** Builds workload `i` in `chart` with cdk8s-plus-25 only, its Envoy documents from `source`. */
export function buildPlainWorkload(chart: Chart, i: number, source: EnvoySource, variant: BenchVariant = benchVariant()): void {
  const name = workloadName(i);
  const tlsSecret = `${name}-tls`;
  const sigsci = variant === 'full';
  const documents = source(i, variant);
  const scope = new Construct(chart, name);
  const app = new kplus.Deployment(scope, 'deployment', {
    metadata: { name, namespace: NAMESPACE },
    containers: [appContainer(i)],
  });

  // Envoy: the bootstrap and the SDS file in a ConfigMap, the certificate from its Secret
  const configMap = new kplus.ConfigMap(scope, 'config', {
    metadata: { name: `${name}-envoy`, namespace: NAMESPACE },
    data: { 'envoy.json': documents.bootstrap, [`sds-${tlsSecret}.json`]: documents.sds },
  });
  const configVolume = kplus.Volume.fromConfigMap(scope, 'config-volume', configMap, { name: 'envoy-config' });
  const tlsVolume = kplus.Volume.fromSecret(scope, 'tls', kplus.Secret.fromSecretName(scope, 'certificate', tlsSecret), { name: `tls-${tlsSecret}` });
  const envoy = app.addContainer({
    name: 'envoy',
    image: 'envoyproxy/envoy:v1.39.6',
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: ['envoy'],
    args: ['-c', `${CONFIG_DIR}/envoy.json`, '--log-level', 'info', '--concurrency', '2', '--drain-time-s', '15', '--drain-strategy', 'immediate', '--disable-hot-restart'],
    ports: [{ number: WORKLOAD.inboundPort, name: 'envoy-https' }, { number: WORKLOAD.statsPort, name: 'envoy-stats' }],
    securityContext: { user: 101, group: 101, ...SECURITY },
    resources: {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
    },
    readiness: kplus.Probe.fromHttpGet('/ready', { port: WORKLOAD.statsPort }),
    liveness: kplus.Probe.fromTcpSocket({ port: WORKLOAD.statsPort }),
    lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/bash', '-c', `${DRAIN}; sleep 15`]) },
    volumeMounts: [{ path: CONFIG_DIR, volume: configVolume, readOnly: true }],
  });
  envoy.mount(`${CONFIG_DIR}/tls/${tlsSecret}`, tlsVolume, { readOnly: true });
  const hashed = JSON.stringify({ config: documents.bootstrap, sds: [[tlsSecret, documents.sdsValue]] });
  app.podMetadata.addAnnotation(`config-hash.meshkit.dev/${name}-envoy`, createHash('sha256').update(hashed).digest('hex'));

  if (sigsci) {
    // the Signal Sciences agent, answering Envoy's ext_authz and access-log calls over gRPC
    const keys = kplus.Secret.fromSecretName(scope, 'sigsci-keys', 'sigsci-keys');
    const tmp = kplus.Volume.fromEmptyDir(scope, 'sigsci-tmp', 'sigsci-tmp', { sizeLimit: Size.mebibytes(256) });
    app.addContainer({
      name: 'sigsci-agent',
      image: 'signalsciences/sigsci-agent:4.75.0',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      envVariables: {
        SIGSCI_ACCESSKEYID: kplus.EnvValue.fromSecretValue({ secret: keys, key: 'accesskeyid' }),
        SIGSCI_SECRETACCESSKEY: kplus.EnvValue.fromSecretValue({ secret: keys, key: 'secretaccesskey' }),
        SIGSCI_ENVOY_EXPECT_RESPONSE_DATA: kplus.EnvValue.fromValue('1'),
        SIGSCI_ENVOY_GRPC_ADDRESS: kplus.EnvValue.fromValue(`127.0.0.1:${GRPC_PORT}`),
        SIGSCI_MAX_PROCS: kplus.EnvValue.fromValue('1'),
        SIGSCI_RPC_ADDRESS: kplus.EnvValue.fromValue('/sigsci/tmp/sigsci.sock'),
        SIGSCI_SHARED_CACHE_DIR: kplus.EnvValue.fromValue('/sigsci/tmp/cache'),
        SIGSCI_STARTUP_PROBE_LISTENER: kplus.EnvValue.fromValue('0.0.0.0:2024'),
      },
      ports: [{ number: GRPC_PORT, name: 'sigsci-grpc' }, { number: 2024, name: 'sigsci-startup' }],
      securityContext: { user: 65532, group: 65532, ...SECURITY },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
      },
      startup: kplus.Probe.fromHttpGet('/startup', { port: 2024, periodSeconds: Duration.seconds(2), failureThreshold: 90 }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', '20']) },
      volumeMounts: [{ path: '/sigsci/tmp', volume: tmp }],
    });
  }

  // what cdk8s-plus-25 can't express
  const containers = '/spec/template/spec/containers';
  ApiObject.of(app).addJsonPatch(
    JsonPatch.add(`${containers}/1/securityContext/capabilities`, { drop: ['ALL'] }),
    JsonPatch.add(`${containers}/1/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
  );
  if (sigsci) {
    ApiObject.of(app).addJsonPatch(
      JsonPatch.add(`${containers}/2/securityContext/capabilities`, { drop: ['ALL'] }),
      JsonPatch.add(`${containers}/2/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    );
  }

  app.podMetadata.addAnnotation('prometheus.io/scrape', 'true');
  app.podMetadata.addAnnotation('prometheus.io/port', String(WORKLOAD.statsPort));
  app.podMetadata.addAnnotation('prometheus.io/path', '/stats/prometheus');

  new kplus.Service(scope, 'service', {
    metadata: { name, namespace: NAMESPACE },
    type: kplus.ServiceType.CLUSTER_IP,
    selector: app,
    ports: [{ name: 'envoy-https', port: 443, targetPort: WORKLOAD.inboundPort }],
  });
}

/** Builds workloads 0..n-1 in `chart` with cdk8s-plus-25 only, their Envoy documents from `source`. */
export function buildPlainWorkloads(chart: Chart, n: number, source: EnvoySource, variant: BenchVariant = benchVariant()): void {
  for (let i = 0; i < n; i++) buildPlainWorkload(chart, i, source, variant);
}
