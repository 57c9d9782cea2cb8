import { Testing } from 'cdk8s';
import { SpeedscaleIstioChart } from '../../examples/speedscale-istio';
import { expectSchemaValid, findOne, synthChart } from '../harness';

describe('the seed 004 example (my-app captured inside an Istio mesh)', () => {
  const chart = new SpeedscaleIstioChart(Testing.app(), 'speedscale-istio');
  const objects = synthChart(chart);

  test('synthesizes the namespace, the app, its Service, the ServiceEntry and the Sidecar, all schema-valid', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//prod-us1',
      'Deployment/prod-us1/my-app',
      'Service/prod-us1/my-app',
      'ServiceEntry/speedscale/speedscale-external-svc-https',
      'Sidecar/prod-us1/default',
    ]);
    expectSchemaValid(objects);
  });

  test('the pod template carries the seed\'s annotations and the app points at the outbound proxy', () => {
    const template = findOne(objects, 'Deployment').spec.template;
    expect(template.metadata.annotations).toMatchObject({
      'sidecar.speedscale.com/inject': 'true',
      'sidecar.speedscale.com/capture-mode': 'proxy',
      'sidecar.speedscale.com/proxy-type': 'dual',
      'sidecar.speedscale.com/proxy-protocol': 'tcp:http',
      'sidecar.speedscale.com/proxy-host': 'localhost',
      'sidecar.speedscale.com/proxy-port': '8080',
    });
    expect(template.spec.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'HTTP_PROXY', value: 'http://127.0.0.1:4140' },
      { name: 'HTTPS_PROXY', value: 'http://127.0.0.1:4140' },
    ]));
  });

  test('the ServiceEntry holds every host of the seed\'s example and the Sidecar reaches the speedscale namespace', () => {
    const seedHosts = ['app.speedscale.com', 'firehose.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com', 'sns.us-east-1.amazonaws.com',
      's3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com', 'sts.amazonaws.com', 'sts.us-east-1.amazonaws.com'];
    expect(findOne(objects, 'ServiceEntry').spec.hosts).toEqual(expect.arrayContaining(seedHosts));
    // and the rest of Speedscale's reference of external services
    expect(findOne(objects, 'ServiceEntry').spec.hosts).toEqual(expect.arrayContaining(['gcr.io', 'monitoring.us-east-1.amazonaws.com', 'speedscale.github.io']));
    expect(findOne(objects, 'Sidecar').spec.egress[0].hosts).toContain('speedscale/*');
  });

  test('the namespace has Istio sidecar injection enabled', () => {
    expect(findOne(objects, 'Namespace').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
  });
});
