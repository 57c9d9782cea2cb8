import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { EnvoyDelivery, EnvoySidecar, EnvoyTls, Marin3rDiscoveryService } from '../src';

/** The kuard demo app of seed 002, listening on 8080. */
function kuard(scope: Construct, namespace: string, securityContext?: kplus.PodSecurityContextProps): kplus.Deployment {
  return new kplus.Deployment(scope, 'kuard', {
    metadata: { name: 'kuard', namespace },
    replicas: 2,
    securityContext,
    containers: [{
      name: 'kuard',
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

/**
 * Seed 002's TLS offloading for kuard, with the Envoy sidecar added by the library and its
 * configuration in a ConfigMap. The certificate is the `kuard-certificate` Secret of type
 * kubernetes.io/tls (seed 002 creates it with `kubectl create secret tls`); Envoy reloads it
 * when it is renewed.
 */
export class KuardTlsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'kuard-tls';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
    const app = kuard(this, namespace);
    const envoy = new EnvoySidecar(this, 'envoy', {
      workload: app,
      inbound: {
        port: 8443,
        targetPort: 8080,
        tls: EnvoyTls.fromSecret(kplus.Secret.fromSecretName(this, 'certificate', 'kuard-certificate')),
        // kuard exits on SIGTERM: a preStop sleep keeps it serving while Envoy drains (Kubernetes 1.30+)
        holdApp: true,
      },
    });
    envoy.exposeViaService({ name: 'kuard' });
  }
}

/**
 * Seed 002 as the seed does it: marin3r injects Envoy and serves the listeners, clusters and the
 * certificate from an EnvoyConfig. The namespace gets its own marin3r DiscoveryService.
 */
export class KuardMarin3rChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'kuard-marin3r';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
    new Marin3rDiscoveryService(this, 'discovery', { namespace });
    // marin3r's injected Envoy container has no securityContext of its own: the pod-level user
    // (the image's envoy user) keeps it off root; kuard sets its own
    const app = kuard(this, namespace, { user: 101, group: 101 });
    const envoy = new EnvoySidecar(this, 'envoy', {
      workload: app,
      delivery: EnvoyDelivery.marin3r({ nodeId: 'kuard' }),
      inbound: {
        port: 8443,
        targetPort: 8080,
        tls: EnvoyTls.fromSecret(kplus.Secret.fromSecretName(this, 'certificate', 'kuard-certificate')),
        // marin3r's shutdown manager holds kuard (which exits on SIGTERM) until Envoy has drained
        holdApp: true,
      },
    });
    envoy.exposeViaService({ name: 'kuard' });
    // marin3r's admin API (9901) and shutdown manager (8090) listen on the pod IP, where its probes
    // call them; only the HTTPS listener and the stats port are for other pods and clients (the
    // kubelet's probes come from the node, which NetworkPolicy doesn't block)
    const lockdown = new kplus.NetworkPolicy(this, 'listeners-only', { metadata: { name: 'kuard-listeners-only', namespace }, selector: app });
    const listeners = [kplus.NetworkPolicyPort.tcp(8443), kplus.NetworkPolicyPort.tcp(9902)];
    lockdown.addIngressRule(kplus.Pods.all(this, 'any-pod', { namespaces: kplus.Namespaces.all(this, 'any-namespace') }), listeners);
    lockdown.addIngressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, 'any-ipv4'), listeners);
    lockdown.addIngressRule(kplus.NetworkPolicyIpBlock.anyIpv6(this, 'any-ipv6'), listeners);
  }
}
