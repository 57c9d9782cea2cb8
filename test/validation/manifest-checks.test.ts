import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildMistakesApp } from './fixtures/mistakes-app';
import { KAYENTA_INGRESS_GATEWAY } from '../../examples/kayenta';
import { buildExamples } from '../../examples/main';
import { ManifestReport, ManifestRule, ManifestValidation } from '../../src';
import { parseEnvoyYaml } from '../../src/validation/manifests/envoy-configs';
import { expectSchemaValid, synthApp } from '../harness';

/** Writes YAML into a fresh directory and checks it. */
function checkYaml(files: Record<string, string>, options = {}): ManifestReport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshkit-manifests-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return ManifestValidation.validateDirectory(dir, options);
}

/** `rule line: message` of every finding. */
function lines(report: ManifestReport): string[] {
  return report.findings.map((f) => `${f.rule} ${f.line ?? '-'}: ${f.message}`);
}

const BOOTSTRAP_CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: edge-envoy
  namespace: edge
data:
  envoy.json: |-
    {
      "admin": { "address": { "socket_address": { "address": "127.0.0.1", "port_value": 9901 } } },
      "static_resources": {
        "clusters": [
          { "name": "app", "connect_timeout": "1s", "typ": "STATIC" }
        ]
      }
    }
`;

describe('ManifestValidation', () => {
  test('finds nothing wrong in the examples app, and validates its Envoy configs', () => {
    const app = buildExamples(Testing.app());
    expectSchemaValid(synthApp(app));
    // the examples use the default ingress gateway and a second one for Kayenta (examples/kayenta.ts)
    const report = ManifestValidation.validateApp(app, { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, KAYENTA_INGRESS_GATEWAY] });
    expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    expect(report.passed).toBe(true);
    // bootstraps and SDS files in ConfigMaps, marin3r resources, the EnvoyFilter's ext_authz patch
    expect(report.envoyConfigCount).toBeGreaterThanOrEqual(10);
  });

  test('reports the three mistakes of the fixture app with their construct paths', () => {
    const app = buildMistakesApp(Testing.app());
    expectSchemaValid(synthApp(app));
    const report = ManifestValidation.validateApp(app);
    expect(report.findings.map((f) => [f.rule, f.location, f.constructPath])).toEqual([
      [ManifestRule.SERVICE_SELECTOR, 'spec.selector', 'shop/service'],
      [ManifestRule.VIRTUALSERVICE_GATEWAY, 'spec.gateways[0]', 'shop/virtual-service'],
      [ManifestRule.ENVOY_FILTER, 'spec.configPatches[0].patch.value.typed_config.failure_mode_alow', 'shop/ext-authz'],
    ]);
    expect(report.passed).toBe(false);
    expect(ManifestValidation.validateApp(buildMistakesApp(Testing.app(), { fixed: true })).findings).toEqual([]);
  });

  describe('Envoy configs in ConfigMaps', () => {
    test('finds a misspelled field of a bootstrap, at its line inside the literal block', () => {
      const report = checkYaml({ 'envoy.yaml': BOOTSTRAP_CONFIGMAP });
      expect(lines(report)).toEqual([
        'envoy-configmap 12: ConfigMap edge/edge-envoy: data["envoy.json"] (Bootstrap) at static_resources.clusters[0].typ: unknown field "typ" in envoy.config.cluster.v3.Cluster; did you mean "type"?',
      ]);
      expect(report.findings[0].path).toBe('/data/envoy.json/static_resources/clusters/0/typ');
      expect(report.findings[0].fix).toBe('write "type" instead');
    });

    test('reads YAML values and file-based xDS documents (SDS)', () => {
      const sds = { resources: [{ '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', 'name': 'cert', 'tls_certificate': { certificate_chain: { filenam: '/tls/tls.crt' } } }] };
      const report = ManifestValidation.validateManifests([{
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c' },
        data: { 'sds.json': JSON.stringify(sds), 'envoy.yaml': 'static_resources:\n  listeners:\n    - name: l\n      adress: {}\n' },
      }]);
      expect(report.findings.map((f) => f.location)).toEqual([
        'data["sds.json"].resources[0].tls_certificate.certificate_chain.filenam',
        // the misspelled field leaves the oneof (filename, inline_bytes, ...) empty
        'data["sds.json"].resources[0].tls_certificate.certificate_chain',
        'data["envoy.yaml"].static_resources.listeners[0].adress',
      ]);
    });

    test('passes over ConfigMaps that merely look like config, and counts them', () => {
      const report = ManifestValidation.validateManifests([{
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app' },
        data: { 'settings.json': '{"admin": {"email": "ops@example.com"}, "resources": [1, 2]}', 'app.yaml': 'static: true\n' },
      }]);
      expect(report.findings).toEqual([]);
      expect(report.envoyConfigCount).toBe(0);
      expect(report.ignoredKinds).toEqual({ ConfigMap: 1 });
    });

    test('reports an "envoy" key whose value does not parse', () => {
      const report = ManifestValidation.validateManifests([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'envoy.json': '{"admin": ' } }]);
      expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([
        expect.stringMatching(/^envoy-configmap: ConfigMap default\/c: data\["envoy.json"\] is not valid JSON: /),
      ]);
    });

    test('are skipped with the annotation envoy.meshkit.dev/validate: "false"', () => {
      const report = checkYaml({ 'a.yaml': BOOTSTRAP_CONFIGMAP.replace('  namespace: edge\n', '  namespace: edge\n  annotations:\n    envoy.meshkit.dev/validate: "false"\n') });
      expect(report.findings).toEqual([]);
    });
  });

  describe('marin3r EnvoyConfigs', () => {
    const envoyConfig = (spec: any) => ({ apiVersion: 'marin3r.3scale.net/v1alpha1', kind: 'EnvoyConfig', metadata: { name: 'kuard', namespace: 'k' }, spec: { nodeID: 'kuard', ...spec } });

    test('validate each resource as the Envoy type its `type` names', () => {
      const report = ManifestValidation.validateManifests([envoyConfig({
        resources: [
          { type: 'secret', generateFromTlsSecret: 'cert' },
          { type: 'cluster', value: { name: 'a', connect_timeout: '1s', lb_policy: 'ROUND_ROBBIN' } },
          { type: 'listener', value: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } } },
        ],
      })]);
      expect(report.findings.map((f) => `${f.rule} ${f.location}`)).toEqual([
        'envoy-marin3r spec.resources[1].value.lb_policy',
        'envoy-marin3r spec.resources[2].value.address.socket_address.port_value',
      ]);
    });

    test('parse the deprecated envoyResources strings as spec.serialization says', () => {
      const yamlConfig = envoyConfig({ serialization: 'yaml', envoyResources: { clusters: [{ value: 'name: a\nconect_timeout: 1s\n' }] } });
      const jsonConfig = envoyConfig({ envoyResources: { listeners: [{ value: 'name: l' }] } });
      const report = ManifestValidation.validateManifests([yamlConfig, jsonConfig]);
      expect(report.findings.map((f) => `${f.rule} ${f.location}: ${f.message.replace(/: Unexpected.*$/, '')}`)).toEqual([
        'envoy-marin3r spec.envoyResources.clusters[0].value.conect_timeout: EnvoyConfig k/kuard: spec.envoyResources.clusters[0] "a" at conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster; did you mean "connect_timeout"?',
        'envoy-marin3r spec.envoyResources.listeners[0].value: EnvoyConfig k/kuard: spec.envoyResources.listeners[0] is not valid JSON (spec.serialization: json, the default)',
      ]);
    });
  });

  describe('Istio EnvoyFilters', () => {
    const envoyFilter = (applyTo: string, operation: string, value: any) => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'f', namespace: 'istio-system' },
      spec: { configPatches: [{ applyTo, patch: { operation, value } }] },
    });

    test('read a MERGE patch as a fragment: what it leaves out is not required', () => {
      const merge = envoyFilter('CLUSTER', 'MERGE', { connect_timeout: '2s' });
      const add = envoyFilter('CLUSTER', 'ADD', { connect_timeout: '2s' });
      expect(ManifestValidation.validateManifests([merge]).findings).toEqual([]);
      expect(ManifestValidation.validateManifests([add]).findings.map((f) => f.message)).toEqual([
        'EnvoyFilter istio-system/f: spec.configPatches[0] (CLUSTER ADD) at name: missing; must not be empty (min_len 1)',
      ]);
    });

    test('report a field or Envoy type the checked protos lack, with nothing near it, as a warning (the Envoy reading it may be newer); a near name stays an error', () => {
      const report = ManifestValidation.validateManifests([
        envoyFilter('CLUSTER', 'MERGE', { zzz_future_option: true }),
        envoyFilter('CLUSTER', 'MERGE', { conect_timeout: '2s' }),
        envoyFilter('HTTP_FILTER', 'INSERT_FIRST', { name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.zzz_future.v3.Config' } }),
      ]);
      expect(report.findings.map((f) => [f.rule, f.severity, f.location])).toEqual([
        ['envoy-warning', 'warning', 'spec.configPatches[0].patch.value.zzz_future_option'],
        ['envoy-filter', 'error', 'spec.configPatches[0].patch.value.conect_timeout'],
        ['envoy-warning', 'warning', 'spec.configPatches[0].patch.value.typed_config'],
      ]);
      expect(report.findings[0].fix).toBe('nothing, if the Envoy that reads it is newer than the checked protos and knows it; otherwise correct it');
    });

    test('report a field removed from Envoy\'s API as an error, with what replaced it as the fix', () => {
      const report = ManifestValidation.validateManifests([
        envoyFilter('NETWORK_FILTER', 'MERGE', {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            'idle_timeout': '300s',
          },
        }),
      ]);
      expect(report.findings.map((f) => [f.rule, f.severity, f.location, f.fix])).toEqual([
        ['envoy-filter', 'error', 'spec.configPatches[0].patch.value.typed_config.idle_timeout', 'use common_http_protocol_options.idle_timeout'],
      ]);
      expect(report.findings[0].message).toContain('field "idle_timeout" was removed from envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
      expect(report.passed).toBe(false);
    });

    test('read each applyTo as its Envoy type', () => {
      const report = ManifestValidation.validateManifests([
        envoyFilter('NETWORK_FILTER', 'INSERT_FIRST', { name: 'x', typed_conifg: {} }),
        envoyFilter('HTTP_ROUTE', 'INSERT_FIRST', { match: { prefix: '/' }, route: { cluster: 'c' }, decorater: {} }),
        envoyFilter('VIRTUAL_HOST', 'ADD', { name: 'v', domains: ['*'], rate_limit: [] }),
      ]);
      expect(report.findings.map((f) => f.message.replace(/;.*$/, '').replace(/^.* at /, ''))).toEqual([
        'typed_conifg: unknown field "typed_conifg" in envoy.config.listener.v3.Filter',
        'decorater: unknown field "decorater" in envoy.config.route.v3.Route',
        'rate_limit: unknown field "rate_limit" in envoy.config.route.v3.VirtualHost',
      ]);
    });

    test('warn, not fail, about @types outside Envoy\'s API (Istio\'s own extensions)', () => {
      const report = ManifestValidation.validateManifests([envoyFilter('HTTP_FILTER', 'INSERT_BEFORE', {
        name: 'istio.stats', typed_config: { '@type': 'type.googleapis.com/istio.stats.v1.PluginConfig' },
      })]);
      expect(report.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning envoy-warning']);
      expect(report.passed).toBe(true);
    });
  });

  describe('bad input', () => {
    test('reports YAML that does not parse with its file and line, and still checks the other documents', () => {
      const report = checkYaml({ 'broken.yaml': `apiVersion: v1\nkind: Service\nmetadata:\n  name: a: b\n---\n${BOOTSTRAP_CONFIGMAP}` });
      expect(report.findings.map((f) => `${f.rule} ${path.basename(f.file!)}:${f.line}`)).toEqual([
        'manifest-syntax broken.yaml:4',
        'envoy-configmap broken.yaml:17',
      ]);
      expect(report.findings[0].message).toMatch(/broken\.yaml:4:\d+ is not valid YAML: /);
    });

    test('applies merge keys (<<) as kubectl and Helm read them, and reports an alias cycle instead of throwing', () => {
      const merged = [
        'apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: web, namespace: edge }', 'spec:', '  selector: { matchLabels: &labels { app: web } }',
        '  template:', '    metadata:', '      labels: { <<: *labels, tier: front }', '    spec:',
        '      containers: [{ name: web, image: "example/web:1.0.0", ports: [{ name: http, containerPort: 8080 }] }]',
        '---', 'apiVersion: v1', 'kind: Service', 'metadata: { name: web, namespace: edge }',
        'spec: { selector: { app: web, tier: front }, ports: [{ port: 80, targetPort: http }] }',
      ].join('\n');
      expect(lines(checkYaml({ 'merged.yaml': merged }, { assumeExternalObjects: false }))).toEqual([]);
      const cyclic = checkYaml({ 'cycle.yaml': `${merged}\n---\n&a { apiVersion: v1, kind: List, items: [*a] }\n` });
      expect(lines(cyclic)).toEqual([expect.stringMatching(/^manifest-syntax 17: .*an alias refers to a node that contains it \(a cycle\), which Kubernetes refuses/)]);
    });

    test('reads marin3r\'s serialization: yaml as marin3r does (Go\'s YAML 1.1 reader, merge keys applied, !ignore keys kept), not as Envoy\'s loader', () => {
      const envoyConfig = (value: string) => ({
        apiVersion: 'marin3r.3scale.net/v1alpha1',
        kind: 'EnvoyConfig',
        metadata: { name: 'kuard', namespace: 'k' },
        spec: { nodeID: 'kuard', serialization: 'yaml', envoyResources: { clusters: [{ value }] } },
      });
      const check = (value: string) => ManifestValidation.validateManifests([envoyConfig(value)]).findings.map((f) => f.location);
      expect(check('defaults: &d { connect_timeout: 1s }\nname: a\n<<: *d\n')).toEqual(['spec.envoyResources.clusters[0].value.defaults']);
      expect(check('name: a\nconnect_timeout: 1s\n')).toEqual([]);
      expect(check('name: a\n!ignore extra: { x: 1 }\n')).toEqual(['spec.envoyResources.clusters[0].value.extra']);
      // no base-60 numbers or timestamps (go-yaml v2 keeps them as text): a string field takes them
      expect(check('name: "12:30"\nalt_stat_name: 12:30\n')).toEqual([]);
      expect(check('name: a\nalt_stat_name: 2024-01-01\n')).toEqual([]);
      // YAML 1.1 booleans are booleans there: a string field refuses one
      expect(check('name: a\nalt_stat_name: yes\n')).toEqual(['spec.envoyResources.clusters[0].value.alt_stat_name']);
    });

    test('checks the Envoy configs of objects inside a List (kubectl get -o yaml writes one), with the item named and its line in the file', () => {
      const configMap = BOOTSTRAP_CONFIGMAP.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n').replace(/^ {4}/, '  - ');
      const report = checkYaml({ 'list.yaml': `apiVersion: v1\nkind: List\nitems:\n${configMap}` });
      expect(lines(report)).toEqual([expect.stringMatching(/^envoy-configmap 15: ConfigMap edge\/edge-envoy: .*static_resources\.clusters\[0\]\.typ: unknown field "typ"/)]);
      expect(report.envoyConfigCount).toBe(1);
      // and in an object of a List passed as data
      const listed = ManifestValidation.validateManifests([{
        apiVersion: 'v1',
        kind: 'List',
        items: [{
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'edge-envoy', namespace: 'edge' },
          data: { 'envoy.json': JSON.stringify({ static_resources: { clusters: [{ name: 'app', typ: 'STATIC' }] } }) },
        }],
      }]);
      expect(listed.findings.map((f) => f.rule)).toEqual(['envoy-configmap']);
      // wiring findings of a List item point at the item's line too
      const service = ['  - apiVersion: v1', '    kind: Service', '    metadata:', '      name: lonely', '      namespace: edge', '    spec:',
        '      selector:', '        app: nobody', '      ports:', '        - port: 80'].join('\n');
      const wired = checkYaml({ 'list.yaml': `apiVersion: v1\nkind: List\nitems:\n${service}\n` }, { assumeExternalObjects: false });
      const selectorFinding = wired.findings.find((f) => f.rule === 'service-selector');
      expect(selectorFinding?.line).toBe(10);
    });

    test('an EnvoyConfig that marin3r\'s webhook refuses for its shape, whatever its Envoy protos say', () => {
      const ec = (spec: any) => ({ apiVersion: 'marin3r.3scale.net/v1alpha1', kind: 'EnvoyConfig', metadata: { name: 'e', namespace: 'demo' }, spec: { nodeID: 'n', ...spec } });
      const cluster = { name: 'app', connect_timeout: '1s', type: 'STATIC' };
      const messages = (spec: any) => ManifestValidation.validateManifests([ec(spec)]).findings.map((f) => `${f.rule} ${f.path}: ${f.message}`);
      expect(messages({ resources: [{ type: 'cluster', value: cluster }, { type: 'secret', generateFromTlsSecret: 'tls' }] })).toEqual([]);
      expect(messages({ resources: [{ type: 'secret', value: { name: 'tls' } }] })).toEqual([
        'envoy-marin3r /spec/resources/0/generateFromTlsSecret: EnvoyConfig demo/e: spec.resources[0] (secret) names no Kubernetes Secret, which marin3r requires of a secret',
        'envoy-marin3r /spec/resources/0/value: EnvoyConfig demo/e: spec.resources[0] (secret) has a value, which marin3r refuses for a secret',
      ]);
      expect(messages({ resources: [{ type: 'listener' }] })).toEqual([
        'envoy-marin3r /spec/resources/0/value: EnvoyConfig demo/e: spec.resources[0] (listener) has no value, which marin3r requires for a listener',
      ]);
      expect(messages({ resources: [{ type: 'cluster', value: cluster, generateFromTlsSecret: 'tls' }] })).toEqual([
        'envoy-marin3r /spec/resources/0/generateFromTlsSecret: EnvoyConfig demo/e: spec.resources[0] (cluster) sets generateFromTlsSecret, which marin3r allows for a secret only',
      ]);
      expect(messages({ resources: [{ type: 'cluster', value: cluster }], envoyResources: { clusters: [] } })).toEqual([
        'envoy-marin3r /spec: EnvoyConfig demo/e: spec has both resources and envoyResources, which marin3r refuses',
      ]);
      expect(messages({ resources: [{ type: 'endpoint' }] })[0]).toMatch(/has neither a value nor generateFromEndpointSlices, and marin3r wants one$/);
      expect(messages({ envoyResources: { secrets: [{ name: 'tls', ref: { name: 'tls', namespace: 'other' } }] } })[0])
        .toMatch(/refers to a Secret in namespace "other", and marin3r reads Secrets of the EnvoyConfig's namespace only$/);
      expect(messages({ envoyResources: { secrets: [{ name: 'tls', ref: { name: '' } }] } })[0]).toMatch(/has a ref without a name, which marin3r refuses$/);
      // the API server prunes nulls of a structural CRD: resources: null is not set
      expect(messages({ resources: null, envoyResources: { clusters: [] } })).toEqual([]);
    });

    test('a Service of an Istio gateway (the istio/gateway chart) may send ports its pods don\'t declare: the Gateways open them', () => {
      const gateway = (image: string, annotations: Record<string, string>) => [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'istio-ingress', namespace: 'istio-ingress' },
          spec: { selector: { app: 'istio-ingress' }, ports: [{ name: 'status-port', port: 15021, targetPort: 15021 }, { name: 'https', port: 443, targetPort: 443 }] },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'istio-ingress', namespace: 'istio-ingress' },
          spec: {
            selector: { matchLabels: { app: 'istio-ingress' } },
            template: {
              metadata: { labels: { app: 'istio-ingress' }, annotations },
              spec: { containers: [{ name: 'istio-proxy', image, ports: [{ containerPort: 15090, name: 'http-envoy-prom' }] }] },
            },
          },
        },
      ];
      expect(ManifestValidation.validateManifests(gateway('auto', { 'inject.istio.io/templates': 'gateway' })).findings).toEqual([]);
      // an ordinary workload with the same ports is still reported
      expect(ManifestValidation.validateManifests(gateway('example/app:1', {})).findings.map((f) => f.rule)).toEqual(['service-target-port', 'service-target-port']);
    });

    test('reads Envoy YAML as Envoy does: keys tagged !ignore (anchor holders) are dropped, after their anchors are resolved', () => {
      const yaml = (ignore: string) => [
        `${ignore}defaults: &timeout "2s"`,
        'static_resources:',
        '  clusters:',
        '  - name: app',
        '    connect_timeout: *timeout',
        '    type: STATIC',
      ].join('\n');
      const check = (text: string) => ManifestValidation.validateManifests([{
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge-envoy', namespace: 'edge' }, data: { 'envoy.yaml': text },
      }]).findings.map((f) => f.message);
      expect(check(yaml('!ignore '))).toEqual([]);
      expect(check(yaml(''))).toEqual([expect.stringMatching(/at defaults: unknown field "defaults" in envoy\.config\.bootstrap\.v3\.Bootstrap/)]);
    });

    test('reads YAML scalars as Envoy\'s yaml-cpp does: on, off, yes, no, y, n are booleans', () => {
      const check = (text: string) => ManifestValidation.validateManifests([{
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge-envoy', namespace: 'edge' }, data: { 'envoy.yaml': text },
      }]).findings.map((f) => f.message);
      const cluster = (extra: string) => ['static_resources:', '  clusters:', '  - name: app', '    connect_timeout: 1s', '    type: STATIC', extra].join('\n');
      // a bool field given yes/No is a bool to Envoy
      expect(check(cluster('    respect_dns_ttl: yes'))).toEqual([]);
      expect(check(cluster('    respect_dns_ttl: No'))).toEqual([]);
      // a string field given on is a bool to Envoy, which refuses it
      expect(check(cluster('    alt_stat_name: on'))).toEqual([expect.stringMatching(/alt_stat_name: expected a string, got true/)]);
      expect(check(cluster('    alt_stat_name: "on"'))).toEqual([]);
      // keys stay strings; integers take yaml-cpp's base (0644 is octal), and beyond int32 are strings
      expect(check(cluster('    metadata: { filter_metadata: { on: { y: 1 } } }'))).toEqual([]);
      expect(check(['admin:', '  address: { pipe: { path: /run/envoy/admin.sock, mode: 0644 } }'].join('\n'))).toEqual([]);
      expect(check(['admin:', '  address: { pipe: { path: /run/envoy/admin.sock, mode: 0777 } }'].join('\n'))).toEqual([]);
      expect(check(['admin:', '  address: { pipe: { path: /run/envoy/admin.sock, mode: 1000 } }'].join('\n'))).toEqual([expect.stringMatching(/mode: 1000 is out of range/)]);
      expect(check(cluster('    alt_stat_name: 12345678901'))).toEqual([]);
      // floats stay text, as Envoy's loader keeps them: fine for a string; for an integer, protobuf's
      // parser takes a text without a fractional part ("1e3") and refuses one with it
      expect(check(cluster('    alt_stat_name: 1.0'))).toEqual([]);
      const port = (value: string) => check(['admin:', `  address: { socket_address: { address: 127.0.0.1, port_value: ${value} } }`].join('\n'));
      expect(port('1e3')).toEqual([]);
      expect(port('80.5')).toEqual([expect.stringMatching(/port_value: expected uint32 \(a whole number, or a string of digits\), got string "80.5"/)]);
    });

    test('parses keys as the text they are written as, and integers beyond int64 as written', () => {
      expect(parseEnvoyYaml('on: 1\n0x10: 2\n~: 3\nbig: 0xFFFFFFFFFFFFFFFF\nmid: 0x100000000\n')).toEqual({ 'on': 1, '0x10': 2, 'null': 3, 'big': '0xFFFFFFFFFFFFFFFF', 'mid': '4294967296' });
    });

    test('passes over kinds the checks do not read, and entries that are not objects, counting them', () => {
      const report = ManifestValidation.validateManifests([
        { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { anything: [1, { deep: null }] } },
        { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, 42] },
        'text', null, { kind: 'NoName' },
      ]);
      expect(report.findings).toEqual([]);
      expect(report.ignoredKinds).toEqual({ 'Widget': 1, '<not an object>': 3, 'NoName': 1 });
      // a List counts as the entries it holds
      expect(report.objectCount).toBe(6);
    });

    test('fail with the entry named for an unknown rule id', () => {
      expect(() => ManifestValidation.validateManifests([], { rules: ['envoy', 'gatway-selector'] })).toThrow(
        /^ManifestValidation: rules\[1\]: unknown rule "gatway-selector"; did you mean "gateway-selector"\? use one of the groups all, envoy, wiring or the rules manifest-syntax, /);
      // names every JavaScript object has are no rules or groups
      expect(() => ManifestValidation.validateManifests([], { rules: ['constructor'] })).toThrow(/^ManifestValidation: rules\[0\]: unknown rule "constructor"; /);
      expect(() => ManifestValidation.validateManifests([], { severities: { toString: 'off' } })).toThrow(/^ManifestValidation: severities\.toString: unknown rule "toString"; /);
      const filter = {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'EnvoyFilter',
        metadata: { name: 'f', namespace: 'x' },
        spec: { configPatches: [{ applyTo: 'constructor', patch: { operation: 'MERGE', value: {} } }] },
      };
      const marin3r = {
        apiVersion: 'marin3r.3scale.net/v1alpha1',
        kind: 'EnvoyConfig',
        metadata: { name: 'e', namespace: 'x' },
        spec: { nodeID: 'e', resources: [{ type: '__proto__', value: {} }] },
      };
      expect(() => ManifestValidation.validateManifests([filter, marin3r])).not.toThrow();
    });

    test('fail with the entry named for an unknown severity', () => {
      expect(() => ManifestValidation.validateManifests([], { severities: { wiring: 'fatal' } })).toThrow(
        'ManifestValidation: severities.wiring: unknown severity string "fatal"; use one of error, warning, off');
    });

    test('refuse to turn manifest-syntax off', () => {
      expect(() => ManifestValidation.validateManifests([], { severities: { 'manifest-syntax': 'off' } })).toThrow(
        /severities.manifest-syntax: received "off"; a file that is not valid YAML would pass unchecked/);
    });
  });

  describe('rules and severities', () => {
    const broken = () => {
      const app = buildMistakesApp(Testing.app());
      return synthApp(app);
    };

    test('run only the rules and groups named', () => {
      const report = ManifestValidation.validateManifests(broken(), { rules: ['envoy', 'service-selector'] });
      expect(report.findings.map((f) => f.rule)).toEqual(['service-selector', 'envoy-filter']);
    });

    test('let a rule\'s own severity win over its group\'s', () => {
      const report = ManifestValidation.validateManifests(broken(), { severities: { 'wiring': 'warning', 'service-selector': 'error', 'envoy': 'off' } });
      expect(report.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['error service-selector', 'warning virtualservice-gateway']);
      expect(report.errorCount).toBe(1);
      expect(report.warningCount).toBe(1);
    });

    test('keep a wiring finding that rests on the default ingress gateways a warning, unless the rule\'s own severity says otherwise', () => {
      const gateway = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'shop' },
        spec: { selector: { istio: 'ingress' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] },
      };
      const byDefault = ManifestValidation.validateManifests([gateway]);
      expect(byDefault.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning gateway-selector']);
      expect(byDefault.passed).toBe(true);
      expect(ManifestValidation.validateManifests([gateway], { severities: { 'gateway-selector': 'error' } }).passed).toBe(false);
      const given = ManifestValidation.validateManifests([gateway], { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }] });
      expect(given.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['error gateway-selector']);
    });

    test('pass when every finding is a warning', () => {
      const report = ManifestValidation.validateManifests(broken(), { severities: { all: 'warning' } });
      expect(report.passed).toBe(true);
      expect(report.warningCount).toBe(3);
    });
  });

  test('report two Gateways of one ingress with one certificate as a warning by default, as istioctl analyze does (IST0138)', () => {
    const gateway = (name: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: apps
spec:
  selector:
    istio: ingressgateway
  servers:
  - hosts: [${name}.example.com]
    port: { name: https-${name}, number: 443, protocol: HTTPS }
    tls: { mode: SIMPLE, credentialName: wildcard-example-com }
`;
    const secret = 'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: wildcard-example-com\n  namespace: istio-system\n';
    const files = { 'gateways.yaml': `${gateway('a')}---\n${gateway('b')}---\n${secret}` };
    const report = checkYaml(files);
    expect(report.findings.map((f) => `${f.severity} ${f.rule} ${f.line}: ${f.message.split(';')[0]}`)).toEqual([
      'warning gateway-shared-certificate 25: Gateway apps/b serves credentialName "wildcard-example-com" on port 443, which Gateway apps/a also serves there on the same ingress gateway',
    ]);
    expect(report.passed).toBe(true);
    expect(checkYaml(files, { severities: { 'gateway-shared-certificate': 'error' } }).passed).toBe(false);
  });

  test('formats a report with places and fixes', () => {
    const text = ManifestValidation.format(checkYaml({ 'envoy.yaml': BOOTSTRAP_CONFIGMAP }));
    expect(text.split('\n')).toEqual([
      'failed: 1 error, 0 warnings in 1 object (1 checked, 1 Envoy config validated)',
      expect.stringMatching(/^ {2}error envoy-configmap: ConfigMap edge\/edge-envoy: /),
      expect.stringMatching(/^ {4}at .*envoy\.yaml:12, data\["envoy\.json"\]\.static_resources\.clusters\[0\]\.typ$/),
      '    fix: write "type" instead',
    ]);
    expect(() => ManifestValidation.assertPassed(checkYaml({ 'envoy.yaml': BOOTSTRAP_CONFIGMAP }))).toThrow(/manifest checks failed: 1 error/);
  });
});
