import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { SpeedscaleCapture } from '../src';

/**
 * Seed 004: Speedscale recording the seed's `my-app` inside an Istio mesh whose outbound traffic
 * policy is REGISTRY_ONLY and which limits egress with Sidecar resources; this chart gives the
 * app's namespace its Sidecar, one that lets the proxies reach the speedscale namespace.
 *
 * The Speedscale operator (installed separately, in the `speedscale` namespace) injects its
 * sidecar as a dual proxy: Envoy hands inbound traffic to the sidecar's TCP reverse proxy,
 * which forwards it to the app on 8080; the app sends its outbound calls to the sidecar's
 * HTTP forward proxy on 127.0.0.1:4140.
 */
export class SpeedscaleIstioChart extends Chart {
  public readonly app: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly capture: SpeedscaleCapture;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'prod-us1';

    new kplus.Namespace(this, 'namespace', {
      metadata: { name: namespace, labels: { 'istio-injection': 'enabled' } },
    });

    this.app = new kplus.Deployment(this, 'my-app', {
      metadata: { name: 'my-app', namespace },
      replicas: 2,
      containers: [{
        name: 'my-app',
        image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ number: 8080, name: 'http' }],
        securityContext: { user: 65534, group: 65534 },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
        },
        readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
        liveness: kplus.Probe.fromHttpGet('/healthy', { port: 8080 }),
      }],
    });

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: 'my-app', namespace },
      selector: this.app,
      // the "http" port name tells Istio the protocol
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });

    this.capture = new SpeedscaleCapture(this, 'speedscale', {
      workload: this.app,
      appPort: 8080,
      istio: {
        // the mesh is REGISTRY_ONLY: Speedscale's pods need a ServiceEntry for its cloud endpoints
        // (it goes into the speedscale namespace, which the Speedscale operator creates)
        registryOnly: true,
        // emits the namespace-wide Sidecar `default` in prod-us1. It doesn't extend a restriction,
        // it is one: the namespace's proxies then reach only ./*, istio-system/*, the Kubernetes API
        // (default/kubernetes.default.svc.cluster.local) and speedscale/*
        // (without a Sidecar they reach every namespace, and Speedscale needs nothing here). It
        // takes precedence over a mesh-wide default Sidecar in the root namespace, for the pods
        // without a Sidecar of their own (the operator manages my-app's). List every
        // namespace the app calls in sidecarEgressHosts; if prod-us1 has a namespace-wide Sidecar
        // already, leave this off and add speedscale/* to that one (a namespace takes one).
        sidecarEgress: true,
      },
    });
  }
}
