import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { EnvoySidecar } from '../src';

/**
 * Seed 003's plan. Phase 1: every service has an Envoy sidecar that exposes it to the rest of
 * the cluster (plaintext first, with the app's own port still exposed while the team gets used
 * to Envoy). Phase 2: services call each other through their local Envoy, which holds static
 * routes, timeouts, retries, circuit breakers and outlier detection.
 *
 * restbase and mathoid are stood in for by the kuard image so that the example runs anywhere.
 */
export class EnvoyPhasesChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'envoy-phases';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });

    // phase 1: mathoid behind its Envoy
    const mathoid = service(this, 'mathoid', namespace);
    // kuard exits on SIGTERM: holdApp keeps it serving while Envoy drains (Kubernetes 1.30+)
    new EnvoySidecar(this, 'mathoid-envoy', { workload: mathoid, inbound: { port: 10044, targetPort: 8080, holdApp: true } })
      .exposeViaService({ name: 'mathoid', includeAppPort: true });
    // Envoy-to-Envoy traffic goes to every mathoid pod by its own address: a headless Service's
    // DNS name resolves to all of them, so restbase's Envoy balances, and ejects outliers, per pod.
    // Through the ClusterIP of `mathoid` it would see one member, and outlier detection would
    // have nothing to eject.
    new kplus.Service(this, 'mathoid-headless', {
      metadata: { name: 'mathoid-headless', namespace },
      clusterIP: 'None',
      selector: mathoid,
      ports: [{ name: 'envoy-http', port: 10044, targetPort: 10044 }],
    });

    // phase 2: restbase calls mathoid on 127.0.0.1:6500, its Envoy handles the rest
    const restbase = service(this, 'restbase', namespace);
    restbase.containers[0].env.addVariable('MATHOID_URL', kplus.EnvValue.fromValue('http://127.0.0.1:6500'));
    const envoy = new EnvoySidecar(this, 'restbase-envoy', { workload: restbase, inbound: { port: 7231, targetPort: 8080, holdApp: true } });
    envoy.addUpstream({
      name: 'mathoid',
      address: `mathoid-headless.${namespace}.svc.cluster.local`,
      port: 10044,
      listenPort: 6500,
      connectTimeout: Duration.millis(250),
      timeout: Duration.seconds(5),
      // a render is idempotent: attempts that time out or are reset are retried too; the route
      // timeout covers every attempt, so three attempts of 1.5 s fit in its 5 s
      retries: { numRetries: 2, perTryTimeout: Duration.millis(1500), retryOn: ['connect-failure', 'refused-stream', 'reset'] },
      circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 3 },
      outlierDetection: { consecutive5xx: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
    });
    envoy.exposeViaService({ name: 'restbase', includeAppPort: true });
  }
}

function service(scope: Construct, name: string, namespace: string): kplus.Deployment {
  return new kplus.Deployment(scope, name, {
    metadata: { name, namespace },
    replicas: 2,
    containers: [{
      name,
      image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: 8080, name: 'http' }],
      securityContext: { user: 65534, group: 65534 },
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
      },
      readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    }],
  });
}
