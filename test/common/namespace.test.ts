import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { newNamespace } from '../../src/common/namespace';
import { expectSchemaValid, synthApp, synthChart } from '../harness';

const containers = [{ name: 'app', image: 'nginxinc/nginx-unprivileged:1.29.3', portNumber: 8080 }];

function order(objects: any[]): string[] {
  return objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

describe('newNamespace', () => {
  test('writes the Namespace before the objects of its chart that were created before it', () => {
    const chart = new Chart(Testing.app(), 'test');
    const app = new kplus.Deployment(chart, 'app', { metadata: { name: 'app', namespace: 'shop' }, containers });
    new kplus.Service(chart, 'service', { metadata: { name: 'app', namespace: 'shop' }, selector: app, ports: [{ port: 80, targetPort: 8080 }] });
    newNamespace(chart, 'namespace', { metadata: { name: 'shop' } });
    const objects = synthChart(chart);
    expect(order(objects)).toEqual(['Namespace /shop', 'Deployment shop/app', 'Service shop/app']);
    expectSchemaValid(objects);
  });

  test('covers objects created after it, even where they sit before it in the construct tree', () => {
    const chart = new Chart(Testing.app(), 'test');
    const group = new Construct(chart, 'group'); // created before the Namespace, filled after it
    newNamespace(chart, 'namespace', { metadata: { name: 'shop' } });
    new kplus.ConfigMap(group, 'settings', { metadata: { name: 'settings', namespace: 'shop' } });
    const objects = synthChart(chart);
    expect(order(objects)).toEqual(['Namespace /shop', 'ConfigMap shop/settings']);
    expectSchemaValid(objects);
  });

  test('leaves objects of other namespaces and of other charts alone', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    const other = new kplus.ConfigMap(chart, 'other', { metadata: { name: 'other', namespace: 'elsewhere' } });
    const namespace = newNamespace(chart, 'namespace', { metadata: { name: 'shop' } });
    const inOtherChart = new kplus.ConfigMap(new Chart(app, 'second'), 'settings', { metadata: { name: 'settings', namespace: 'shop' } });
    const objects = synthApp(app);
    expect(order(objects)).toEqual(['ConfigMap elsewhere/other', 'Namespace /shop', 'ConfigMap shop/settings']);
    expect(ApiObject.of(other).node.dependencies).toEqual([]);
    expect(ApiObject.of(inOtherChart).node.dependencies).toEqual([]);
    expect(ApiObject.of(namespace).node.dependencies).toEqual([]);
    expectSchemaValid(objects);
  });
});
