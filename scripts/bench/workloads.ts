/*
 * The benchmark's workload, built with the library (side "a" of `npm run bench`, and the
 * workload of test/scale.test.ts).
 *
 * One workload: a Deployment with one app container; an EnvoySidecar terminating TLS (certificate
 * from a Secret) in front of the app with two upstreams; a SigSciAgent wired into that Envoy
 * (ext_authz and gRPC access log); Prometheus scrape annotations on Envoy's stats port; and the
 * Service in front of Envoy. Envoy validation, the config hash and everything else the constructs
 * do by default stay on.
 *
 * The library is passed in rather than imported, so that the benchmark can run the compiled
 * package (lib/src/index.js, as users get it) and the tests the TypeScript sources.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import type * as Meshkit from '../../src';

/** The library's public API, as src/index.ts or lib/src/index.js export it. */
export type MeshkitApi = typeof Meshkit;

/** The benchmark's two workloads: see benchVariant(). */
export type BenchVariant = 'full' | 'envoy';

/** Read once when the module loads, not once per workload inside the timed region. */
const VARIANT: BenchVariant = process.env.MESHKIT_BENCH_VARIANT === 'envoy' ? 'envoy' : 'full';

/**
 * Which workload: "full" (EnvoySidecar, SigSciAgent, scrape annotations, Service) or "envoy"
 * (the same without the Signal Sciences agent: EnvoySidecar alone, the case issue 3 measures).
 * `npm run bench -- --variant envoy` sets it for the worker processes.
 */
export function benchVariant(): BenchVariant {
  return VARIANT;
}

/** The namespace every benchmark object goes to. */
export const NAMESPACE = 'bench';

/** Ports and names shared by every side of the benchmark. */
export const WORKLOAD = {
  appPort: 8080,
  inboundPort: 8443,
  statsPort: 9902,
  upstreams: [
    { name: 'users', port: 80, listenPort: 6001 },
    { name: 'orders', port: 8080, listenPort: 6002 },
  ],
} as const;

/** The name of workload `i`: its Deployment, Service and the prefix of its other objects. */
export function workloadName(i: number): string {
  return `app-${String(i).padStart(4, '0')}`;
}

/** The remote address of upstream `name` of workload `i` (ten shards of each service). */
export function upstreamAddress(name: string, i: number): string {
  return `${name}-${i % 10}.${NAMESPACE}.svc.cluster.local`;
}

/** The app container, the same on every side. */
export function appContainer(i: number): kplus.ContainerProps {
  return {
    name: 'app',
    image: 'example/app:1.0.0',
    ports: [{ number: WORKLOAD.appPort, name: 'http' }],
    envVariables: {
      WORKLOAD: kplus.EnvValue.fromValue(workloadName(i)),
      USERS_URL: kplus.EnvValue.fromValue(`http://127.0.0.1:${WORKLOAD.upstreams[0].listenPort}`),
      ORDERS_URL: kplus.EnvValue.fromValue(`http://127.0.0.1:${WORKLOAD.upstreams[1].listenPort}`),
    },
    securityContext: { user: 65534, group: 65534 },
    resources: {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
      memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
    },
  };
}

/** Builds workload `i` in `chart` with the library. */
export function buildMeshkitWorkload(meshkit: MeshkitApi, chart: Chart, i: number, variant: BenchVariant = VARIANT): void {
  const name = workloadName(i);
  const scope = new Construct(chart, name);
  const app = new kplus.Deployment(scope, 'deployment', {
    metadata: { name, namespace: NAMESPACE },
    containers: [appContainer(i)],
  });
  const certificate = kplus.Secret.fromSecretName(scope, 'certificate', `${name}-tls`);
  const envoy = new meshkit.EnvoySidecar(scope, 'envoy', {
    workload: app,
    inbound: { port: WORKLOAD.inboundPort, targetPort: WORKLOAD.appPort, tls: meshkit.EnvoyTls.fromSecret(certificate) },
    outbound: [
      {
        ...WORKLOAD.upstreams[0],
        address: upstreamAddress(WORKLOAD.upstreams[0].name, i),
        timeout: Duration.seconds(5),
        retries: { numRetries: 2 },
        circuitBreaker: { maxConnections: 100, maxPendingRequests: 50 },
      },
      {
        ...WORKLOAD.upstreams[1],
        address: upstreamAddress(WORKLOAD.upstreams[1].name, i),
        outlierDetection: { consecutive5xx: 5 },
      },
    ],
  });
  if (variant === 'full') {
    new meshkit.SigSciAgent(scope, 'sigsci', {
      workload: app,
      envoy,
      credentials: meshkit.SigSciCredentials.fromSecret(kplus.Secret.fromSecretName(scope, 'sigsci-keys', 'sigsci-keys')),
    });
  }
  meshkit.PrometheusScrapeAnnotations.addTo(app, { port: WORKLOAD.statsPort, path: '/stats/prometheus' });
  envoy.exposeViaService({ name });
}

/** Builds workloads 0..n-1 in `chart` with the library. */
export function buildMeshkitWorkloads(meshkit: MeshkitApi, chart: Chart, n: number, variant: BenchVariant = VARIANT): void {
  for (let i = 0; i < n; i++) buildMeshkitWorkload(meshkit, chart, i, variant);
}
