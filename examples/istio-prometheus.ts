import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { IstioPrometheusScrape } from '../src';

/**
 * Seed 001, part 1: a central Prometheus scraping Istio mTLS workloads through a cert-only sidecar,
 * on the mesh of today (Istio 1.30) with a current Prometheus, where the seed's HTTP/2 trap is
 * handled by the construct. One application is marked for scraping over mutual TLS.
 */
export class IstioPrometheusChart extends Chart {
  public readonly prometheus: IstioPrometheusScrape;
  public readonly app: kplus.Deployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // Prometheus goes where Istio's own sample puts it; istio-system exists once Istio is installed.
    this.prometheus = new IstioPrometheusScrape(this, 'prometheus', {
      namespace: 'istio-system',
      istioVersion: '1.30',
      // prometheusVersion defaults to the current LTS release, which gets enable_http2: true
    });

    // An application in an injection-enabled namespace, scraped by the secure job with the
    // certificates above.
    const namespace = 'metrics-demo';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace, labels: { 'istio-injection': 'enabled' } } });
    this.app = new kplus.Deployment(this, 'example-app', {
      metadata: { name: 'prometheus-example-app', namespace },
      replicas: 2,
      containers: [{
        name: 'app',
        image: 'quay.io/brancz/prometheus-example-app:v0.5.0',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ number: 8080, name: 'http' }],
        securityContext: { user: 65534, group: 65534 },
        resources: {
          cpu: { request: kplus.Cpu.millis(20), limit: kplus.Cpu.millis(100) },
          memory: { request: Size.mebibytes(16), limit: Size.mebibytes(64) },
        },
        readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
      }],
    });
    new kplus.Service(this, 'example-app-service', {
      metadata: { name: 'prometheus-example-app', namespace },
      selector: this.app,
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
    });

    // prometheus.io/* annotations on the pod template, and prometheus.istio.io/merge-metrics: "false"
    // so the sidecar leaves them pointing at the application instead of its merged :15020 endpoint;
    // a PeerAuthentication makes port 8080 STRICT, since the mesh's default PERMISSIVE sidecar
    // doesn't terminate TLS that lacks Istio's ALPN (as Prometheus's does) on an HTTP port.
    this.prometheus.addScrapeTarget(this.app, { port: 8080, path: '/metrics' });
  }
}
