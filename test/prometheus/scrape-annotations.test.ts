import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { PrometheusScrapeAnnotations } from '../../src';
import { expectSchemaValid, synthChart } from '../harness';

function workload() {
  const chart = Testing.chart();
  const app = new kplus.Deployment(chart, 'app', {
    metadata: { name: 'app', namespace: 'shop' },
    containers: [{ name: 'app', image: 'example/app:1.0.0', portNumber: 8080, securityContext: { user: 1000 } }],
  });
  const envoy = app.addContainer({ name: 'envoy', image: 'envoyproxy/envoy:v1.36.2', ports: [{ number: 9901, name: 'admin' }], securityContext: { user: 101 } });
  return { chart, app, envoy };
}

describe('PrometheusScrapeAnnotations.addTo', () => {
  test('puts scrape, port and path on the pod template only', () => {
    const { chart, app } = workload();
    PrometheusScrapeAnnotations.addTo(app, { port: 8080 });
    const [deployment] = synthChart(chart);
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    expect(deployment.metadata.annotations).toBeUndefined();
    expectSchemaValid([deployment]);
  });

  test('accepts a port declared by any container of the workload (e.g. a sidecar\'s stats port)', () => {
    const { chart, app } = workload();
    PrometheusScrapeAnnotations.addTo(app, { port: 9901, path: '/stats/prometheus' });
    expect(synthChart(chart)[0].spec.template.metadata.annotations['prometheus.io/path']).toBe('/stats/prometheus');
  });

  test('marking the same port and path twice is harmless', () => {
    const { chart, app } = workload();
    PrometheusScrapeAnnotations.addTo(app, { port: 8080 });
    PrometheusScrapeAnnotations.addTo(app, { port: 8080, path: '/metrics' });
    expect(synthChart(chart)[0].spec.template.metadata.annotations['prometheus.io/port']).toBe('8080');
  });

  test('fails when the workload is marked again with another port', () => {
    const { app } = workload();
    PrometheusScrapeAnnotations.addTo(app, { port: 8080 });
    expect(() => PrometheusScrapeAnnotations.addTo(app, { port: 9901 })).toThrow(
      'test/app: port: 9901 /metrics was asked for, but the workload is already marked for scraping on 8080 /metrics; the prometheus.io annotations hold one port and path per pod: serve all metrics on one endpoint, or add a scrape job for the second one');
  });

  test('fails on a port no container declares', () => {
    const { app } = workload();
    expect(() => PrometheusScrapeAnnotations.addTo(app, { port: 9102 })).toThrow(
      'test/app: port: no container of workload "app" declares port 9102 (declared: 8080 (app), 9901 (envoy)); declare the port on the app container (portNumber or addPort) or point at a port it declares');
  });

  test('fails on a path that is not an HTTP path', () => {
    const { app } = workload();
    expect(() => PrometheusScrapeAnnotations.addTo(app, { port: 8080, path: 'metrics' })).toThrow('test/app: path: "metrics" is not an HTTP path; give a path starting with "/", e.g. "/metrics"');
  });

  test('keeps a query in the path (Istio\'s pilot-agent fetches it as given where it merges the pod\'s metrics)', () => {
    const { chart, app } = workload();
    PrometheusScrapeAnnotations.addTo(app, { port: 8080, path: '/metrics?format=prometheus' });
    const [deployment] = synthChart(chart);
    expect(deployment.spec.template.metadata.annotations[PrometheusScrapeAnnotations.PATH]).toBe('/metrics?format=prometheus');
  });
});
