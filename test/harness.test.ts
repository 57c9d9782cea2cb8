import * as fs from 'fs';
import * as path from 'path';
import { Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { expectSchemaValid, formatFindings, synthApp, synthChart, validateManifests } from './harness';
import { EnvoyConfig } from '../imports/envoyconfigs-marin3r.3scale.net';
import { VirtualService } from '../imports/istio-networking.istio.io';

const SHARED_CRDS = path.resolve(__dirname, '..', '..', 'shared', 'crds');

function deployment(): any {
  const chart = Testing.chart();
  new kplus.Deployment(chart, 'app', {
    metadata: { name: 'app' },
    containers: [{ name: 'app', image: 'nginxinc/nginx-unprivileged:1.29.3', portNumber: 8080 }],
  });
  return Testing.synth(chart)[0];
}

describe('the schema harness', () => {
  test('passes a valid Deployment and counts it', () => {
    const report = expectSchemaValid([deployment()]);
    expect(report.counts.models).toBe(1);
  });

  // The generated L1 classes re-serialize through their typed mappers and drop fields they don't
  // know, so a wrong field can only reach a manifest through raw JSON: that is what is fed here.
  test('reports an unknown field in a Deployment with its path', () => {
    const bad = deployment();
    bad.spec.replica = 3;
    bad.spec.template.spec.containers[0].readOnlyRootFs = true;
    const lines = formatFindings(validateManifests([bad]));
    expect(lines).toEqual([
      'Deployment app /spec/replica: unknown field (not in the schema) [kubernetes-models]',
      'Deployment app /spec/template/spec/containers/0/readOnlyRootFs: unknown field (not in the schema) [kubernetes-models]',
    ]);
    expect(() => expectSchemaValid([bad])).toThrow(/2 schema finding\(s\) in 1 object\(s\)/);
  });

  test('reports a wrong enum value and a missing required field', () => {
    const bad = deployment();
    bad.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
    delete bad.spec.selector;
    const lines = formatFindings(validateManifests([bad]));
    expect(lines).toEqual([
      'Deployment app /spec: must have required property selector [kubernetes-models]',
      'Deployment app /spec/template/spec/containers/0/imagePullPolicy: must be equal to one of the allowed values (Always, IfNotPresent, Never) [kubernetes-models]',
    ]);
  });

  test('reports a wrong type in an Istio VirtualService from both the model and the CRD schema', () => {
    const chart = Testing.chart();
    const vs = new VirtualService(chart, 'vs', {
      metadata: { name: 'myapp', namespace: 'myapp' },
      spec: { hosts: ['myapp.cluster.example.com'], gateways: ['myapp'], http: [{ route: [{ destination: { host: 'myapp', port: { number: 8000 } } }] }] },
    });
    vs.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/port/number', '8000'));
    const report = validateManifests(Testing.synth(chart));
    const findings = report.objects[0].findings;
    expect(findings).toContainEqual({ source: 'kubernetes-models', path: '/spec/http/0/route/0/destination/port/number', message: 'must be integer' });
    if (report.crdsDir) {
      expect(findings).toContainEqual({ source: 'crd', path: '/spec/http/0/route/0/destination/port/number', message: 'must be integer' });
    }
  });

  test('reports an unknown field in an Istio object', () => {
    const bad = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw' }, spec: { selector: { istio: 'ingressgateway' }, server: [] } };
    expect(formatFindings(validateManifests([bad]))).toContain('Gateway gw /spec/server: unknown field (not in the schema) [kubernetes-models]');
  });

  test('fails objects for which no independent schema exists instead of passing them', () => {
    const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const lines = formatFindings(validateManifests([unknown], { crdsDir: SHARED_CRDS }));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/Widget w \/: no (CustomResourceDefinition|independent schema)/);
  });

  test('reports a namespace on a cluster-scoped object', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'a' } };
    expect(formatFindings(validateManifests([ns]))).toEqual(['Namespace a/a /metadata/namespace: Namespace is cluster-scoped and must not carry a namespace [harness]']);
  });

  test('reports pod template names the API server refuses: volume, container and port names, mounts of missing volumes', () => {
    const d = deployment();
    const spec = d.spec.template.spec;
    spec.volumes = [{ name: 'tls-web.example.com', emptyDir: {} }, { name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }];
    spec.containers[0].ports = [{ containerPort: 8080, name: 'http-envoy-metrics' }, { containerPort: 8081, name: '8081' }];
    spec.containers[0].volumeMounts = [{ name: 'missing', mountPath: '/x' }];
    spec.containers.push({ name: 'App_2', image: 'nginxinc/nginx-unprivileged:1.29.3' });
    const lines = formatFindings(validateManifests([d]));
    expect(lines).toEqual([
      'Deployment app /spec/template/spec/containers/0/ports/0/name: "http-envoy-metrics" is longer than 15 characters [harness]',
      'Deployment app /spec/template/spec/containers/0/ports/1/name: "8081" is not an IANA service name (lower-case letters, digits and single dashes, with a letter) [harness]',
      'Deployment app /spec/template/spec/containers/0/volumeMounts/0/name: "missing" is not a volume of the pod [harness]',
      'Deployment app /spec/template/spec/containers/1/name: "App_2" is not an RFC 1123 label [harness]',
      'Deployment app /spec/template/spec/volumes/0/name: "tls-web.example.com" is not an RFC 1123 label [harness]',
      'Deployment app /spec/template/spec/volumes/2/name: "data" is used twice [harness]',
    ]);
  });

  describe('the order of a chart\'s objects', () => {
    /** A chart whose Deployment is created (and so written) before the Namespace it lives in. */
    function namespaceLast(): any[] {
      const chart = new Chart(Testing.app(), 'late');
      new kplus.Deployment(chart, 'app', {
        metadata: { name: 'app', namespace: 'shop' },
        containers: [{ name: 'app', image: 'nginxinc/nginx-unprivileged:1.29.3', portNumber: 8080 }],
      });
      new kplus.Namespace(chart, 'namespace', { metadata: { name: 'shop' } });
      return synthChart(chart);
    }

    test('reports an object that comes before the Namespace it lives in', () => {
      const objects = namespaceLast();
      expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Namespace']);
      expect(formatFindings(validateManifests(objects))).toEqual([
        'Deployment shop/app /metadata/namespace: comes before the Namespace shop of the same chart (object #1): the first kubectl apply fails with namespaces "shop" not found [harness]',
      ]);
      expect(() => expectSchemaValid(objects)).toThrow(/1 schema finding\(s\) in 2 object\(s\)/);
    });

    test('passes the same objects with the Namespace first', () => {
      const [app, namespace] = namespaceLast();
      expectSchemaValid([namespace, app]);
    });

    test('leaves a Namespace of another chart out of it', () => {
      const [app, namespace] = namespaceLast();
      expect(formatFindings(validateManifests([app, namespace], { charts: ['app', 'namespaces'] }))).toEqual([]);
    });

    test('knows the chart of each object that synthApp returns', () => {
      const app = Testing.app();
      new kplus.Deployment(new Chart(app, 'a'), 'app', {
        metadata: { name: 'app', namespace: 'shop' },
        containers: [{ name: 'app', image: 'nginxinc/nginx-unprivileged:1.29.3', portNumber: 8080 }],
      });
      new kplus.Namespace(new Chart(app, 'b'), 'namespace', { metadata: { name: 'shop' } });
      expectSchemaValid(synthApp(app));
    });
  });

  const withCrds = fs.existsSync(SHARED_CRDS) ? describe : describe.skip;
  withCrds('free-form fields, which the CRD in ../shared/crds marks x-kubernetes-preserve-unknown-fields', () => {
    const envoyFilter = (patchValue: any, extra: any = {}) => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'f', namespace: 'istio-system' },
      spec: { configPatches: [{ applyTo: 'HTTP_FILTER', patch: { operation: 'INSERT_FIRST', value: patchValue, ...extra } }] },
    });

    test('accepts any content in an EnvoyFilter patch value', () => {
      expectSchemaValid([envoyFilter({ name: 'envoy.filters.http.ext_authz', typed_config: { '@type': 'x' } })]);
    });

    test('still reports unknown fields next to the free-form value', () => {
      expect(formatFindings(validateManifests([envoyFilter({ name: 'x' }, { valu: {} })]))).toEqual([
        'EnvoyFilter istio-system/f /spec/configPatches/0/patch/valu: unknown field (not in the CRD schema) [crd]',
        'EnvoyFilter istio-system/f /spec/configPatches/0/patch/valu: unknown field (not in the schema) [kubernetes-models]',
      ]);
    });
  });

  withCrds('marin3r kinds, against the CRD schema in ../shared/crds', () => {
    test('accepts a valid EnvoyConfig and rejects an unknown field in it', () => {
      const chart = Testing.chart();
      const config = new EnvoyConfig(chart, 'config', {
        metadata: { name: 'kuard' },
        spec: { nodeId: 'kuard', envoyApi: 'v3' as any, resources: [{ type: 'cluster' as any, value: { name: 'kuard' } }] },
      });
      const [good] = Testing.synth(chart);
      expectSchemaValid([good]);
      expect(config.kind).toBe('EnvoyConfig');
      const bad = { ...good, spec: { ...good.spec, nodeName: 'kuard', envoyAPI: 'v4' } };
      expect(formatFindings(validateManifests([bad]))).toEqual([
        'EnvoyConfig kuard /spec/envoyAPI: must be equal to one of the allowed values (v3) [crd]',
        'EnvoyConfig kuard /spec/nodeName: unknown field (not in the CRD schema) [crd]',
      ]);
    });
  });

  test('says which checks it skipped when the CRD folder is missing', () => {
    const envoyConfig = { apiVersion: 'marin3r.3scale.net/v1alpha1', kind: 'EnvoyConfig', metadata: { name: 'k' }, spec: { nodeID: 'k' } };
    const report = validateManifests([envoyConfig, deployment()], { crdsDir: '/nonexistent/crds' });
    expect(report.crdsDir).toBeNull();
    expect(report.skipped).toEqual(['marin3r.3scale.net/v1alpha1 EnvoyConfig: CRD schema check skipped, /nonexistent/crds does not exist']);
    expect(formatFindings(report)).toEqual([]);
  });
});
