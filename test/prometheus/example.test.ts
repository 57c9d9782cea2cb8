import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { checkPrometheusConfig } from './promtool';
import { IstioPrometheusChart } from '../../examples/istio-prometheus';
import { findOne, runValidations } from '../harness';

describe('the seed 001 example (Istio 1.30, current Prometheus)', () => {
  const app = Testing.app();
  const chart = new IstioPrometheusChart(app, 'istio-prometheus');
  runValidations(app);
  const objects = Testing.synth(chart);
  const config = findOne(objects, 'ConfigMap', 'prometheus').data['prometheus.yml'];

  test('the generated prometheus.yml passes promtool', () => {
    const check = checkPrometheusConfig(config);
    expect(check.output).toMatch(/SUCCESS/);
    expect(check.ok).toBe(true);
  });

  test('the secure job uses enable_http2, the fix of the current Prometheus release', () => {
    const secure = YAML.parse(config).scrape_configs.find((j: any) => j.job_name === 'kubernetes-pods-istio-secure');
    expect(secure.enable_http2).toBe(true);
  });

  test('the example app is marked for the secure job on its pod template', () => {
    const deployment = findOne(objects, 'Deployment', 'prometheus-example-app');
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics', 'prometheus.istio.io/merge-metrics': 'false',
    });
    expect(findOne(objects, 'Namespace', 'metrics-demo').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
  });

  test('the example app\'s metrics port is STRICT, so its sidecar accepts the scrape on a mesh left PERMISSIVE', () => {
    const policy = findOne(objects, 'PeerAuthentication', 'prometheus-example-app-metrics-mtls');
    expect(policy.metadata.namespace).toBe('metrics-demo');
    expect(policy.spec.selector.matchLabels).toEqual(findOne(objects, 'Deployment', 'prometheus-example-app').spec.selector.matchLabels);
    expect(policy.spec.portLevelMtls).toEqual({ 8080: { mode: 'STRICT' } });
  });
});
