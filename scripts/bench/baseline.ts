/*
 * The benchmark's baseline (side "b" of `npm run bench`): the objects of one workload of
 * workloads.ts, written by hand with cdk8s-plus-25 alone, as a team without the library would
 * write them. The Envoy documents come from hand-written object literals (baseline-envoy.ts),
 * serialized with JSON.stringify. Side "g" is the same code handed the Envoy documents as
 * ready-made strings (the text the library wrote, read before the timed region): a lower bound
 * no real app reaches, since its Envoy JSON has to come from somewhere, reported next to b. The
 * pod-template hash of the Envoy config is computed here, as a hand-written setup that rolls its
 * pods on config changes must do too. What cdk8s-plus-25 can't express (dropped capabilities,
 * the seccomp profile) is added with JSON patches.
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

/** The Envoy documents of one workload, as the library wrote them into its ConfigMap. */
export interface EnvoyFiles {
  /** The ConfigMap's `envoy.json`. */
  readonly bootstrap: string;
  /** The ConfigMap's `sds-<secret>.json`. */
  readonly sds: string;
}

const CONFIG_DIR = '/etc/envoy';
const DRAIN = [
  'exec 3<>/dev/tcp/127.0.0.1/9901',
  'printf \'POST /drain_listeners?inboundonly&graceful&skip_exit HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n\' >&3',
  'cat <&3 >/dev/null',
].join(' && ');
const GRPC_PORT = 9999;
const SECURITY = { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };

/**
 * Builds workload `i` in `chart` with cdk8s-plus-25 only.
 * @param files the Envoy documents as ready-made strings (side g); by default they are built here
 */
export function buildPlainWorkload(chart: Chart, i: number, files?: EnvoyFiles, variant: BenchVariant = benchVariant()): void {
  const name = workloadName(i);
  const tlsSecret = `${name}-tls`;
  const sigsci = variant === 'full';
  let bootstrap: string;
  let sds: object;
  let sdsText: string;
  if (files) {
    bootstrap = files.bootstrap;
    sdsText = files.sds;
    sds = JSON.parse(files.sds);
  } else {
    bootstrap = JSON.stringify(envoyBootstrap(name, i, sigsci), undefined, 2);
    sds = sdsFile(tlsSecret);
    sdsText = JSON.stringify(sds, undefined, 2);
  }
  const scope = new Construct(chart, name);
  const app = new kplus.Deployment(scope, 'deployment', {
    metadata: { name, namespace: NAMESPACE },
    containers: [appContainer(i)],
  });

  // Envoy: the bootstrap and the SDS file in a ConfigMap, the certificate from its Secret
  const configMap = new kplus.ConfigMap(scope, 'config', {
    metadata: { name: `${name}-envoy`, namespace: NAMESPACE },
    data: { 'envoy.json': bootstrap, [`sds-${tlsSecret}.json`]: sdsText },
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
  const hashed = JSON.stringify({ config: bootstrap, sds: [[tlsSecret, sds]] });
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

/**
 * Builds workloads 0..n-1 in `chart` with cdk8s-plus-25 only.
 * @param files side g: each workload's Envoy documents as ready-made strings (at least n)
 */
export function buildPlainWorkloads(chart: Chart, n: number, files?: readonly EnvoyFiles[], variant: BenchVariant = benchVariant()): void {
  for (let i = 0; i < n; i++) buildPlainWorkload(chart, i, files?.[i], variant);
}
