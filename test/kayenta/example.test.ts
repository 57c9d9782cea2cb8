import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { KayentaBehindOAuth2ProxyChart, KayentaChart } from '../../examples/kayenta';
import { customPolicy, expectSchemaValid, findOne, synthChart } from '../harness';

/** The canary config of seed 001 (the `canaryConfig` of its standalone analysis request). */
const SEED_CANARY_CONFIG = {
  applications: ['app'],
  classifier: { groupWeights: { StatusCodes: 100 }, scoreThresholds: { marginal: 75, pass: 75 } },
  configVersion: '1',
  description: 'App Canary Configuration',
  judge: { judgeConfigurations: {}, name: 'NetflixACAJudge-v1.0' },
  metrics: [{
    analysisConfigurations: { canary: { direction: 'increase', nanStrategy: 'replace' } },
    groups: ['StatusCodes'],
    name: 'Errors By Controller',
    query: {
      customInlineTemplate: "PromQL:sum(increase(http_requests_received_total{app='my-app',azure_pipelines_version='${location}',code=~'5\\\\d\\\\d|4\\\\d\\\\d'}[120m])) by (action)",
      // the seed also sets query.scopeName; Kayenta's PrometheusCanaryMetricSetQueryConfig has no such field, so the builder leaves it out
      serviceType: 'prometheus',
      type: 'prometheus',
    },
    scopeName: 'default',
  }],
  name: 'app-config',
  templates: {},
};

describe('the Kayenta example (seed 001, part 2)', () => {
  const chart = new KayentaChart(Testing.app(), 'kayenta');
  const objects = synthChart(chart);
  const yml = parse(findOne(objects, 'ConfigMap', 'kayenta').data['kayenta.yml']);

  test('configures the seed\'s Azure storage and Prometheus accounts', () => {
    expect(yml.kayenta.azure.accounts.map((a: any) => [a.name, a.storageAccountName, a.container, a.rootFolder, a.endpointSuffix])).toEqual([
      ['canary-storage', 'kayentastorage', 'kayenta', 'kayenta', 'core.windows.net'],
    ]);
    expect([yml.kayenta.azure.enabled, yml.kayenta.blobs.enabled]).toEqual([true, true]);
    expect(yml.kayenta.prometheus.accounts[0].name).toBe('canary-prometheus');
    expect(yml.kayenta.signalfx).toEqual({ enabled: false });
  });

  test('reads the storage key from the seed\'s azure-storage Secret', () => {
    const env = findOne(objects, 'Deployment', 'kayenta').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'SECRETS_AZURE_CANARYSTORAGE_ACCOUNTACCESSKEY', valueFrom: { secretKeyRef: { name: 'azure-storage', key: 'storage-key' } } });
    expect(yml.kayenta.azure.accounts[0].accountAccessKey).toBe('${secrets.azure.canarystorage.accountaccesskey}');
  });

  test('exposes Kayenta through a LoadBalancer on port 80, as the seed does', () => {
    const service = findOne(objects, 'Service', 'kayenta');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8090 }]);
  });

  test('reproduces the seed\'s canary config with the builder', () => {
    const configs = findOne(objects, 'ConfigMap', 'kayenta-canary-configs');
    expect(JSON.parse(configs.data['app-config.json'])).toEqual(SEED_CANARY_CONFIG);
  });

  test('passes the independent schemas', () => {
    expectSchemaValid(objects);
  });
});

describe('the secured Kayenta example (seed 001, part 2, "Secure it!")', () => {
  const chart = new KayentaBehindOAuth2ProxyChart(Testing.app(), 'kayenta-oauth2-proxy');
  const objects = synthChart(chart);

  test('serves kayenta.cluster.example.com on the second ingress gateway instead of a LoadBalancer', () => {
    expect(findOne(objects, 'Gateway', 'kayenta').spec.servers[0].hosts).toEqual(['kayenta.cluster.example.com', 'kayenta-oauth.cluster.example.com']);
    expect(findOne(objects, 'Gateway', 'kayenta').spec.selector).toEqual({ istio: 'ingress-ci' });
    expect(findOne(objects, 'Certificate').metadata).toEqual({ name: 'tls-kayenta-production', namespace: 'istio-ingress' });
    expect(findOne(objects, 'Service', 'kayenta').spec.type).toBe('ClusterIP');
    expect(chart.kayenta.publicUrl).toBe('https://kayenta.cluster.example.com');
  });

  test('sends the Kayenta host through oauth2-proxy with an AuthorizationPolicy CUSTOM on that gateway', () => {
    const policy = customPolicy(objects);
    expect(policy.metadata).toEqual({ name: 'ext-authz-kayenta-secured-kayenta', namespace: 'istio-ingress' });
    expect(policy.spec.provider).toEqual({ name: 'oauth2-proxy-kayenta-secured' });
    expect(policy.spec.selector).toEqual({ matchLabels: { istio: 'ingress-ci' } });
    expect(chart.kayenta.oauth2Proxy?.redirectUrl).toBe('https://kayenta.cluster.example.com/oauth2/callback');
  });

  test('keeps in-cluster callers off Kayenta\'s pods: only the gateway\'s namespace (istio-ingress) and the pipeline\'s service principal, by its tokens of either issuer', () => {
    const policy = findOne(objects, 'AuthorizationPolicy', 'kayenta-callers');
    expect(policy.metadata.namespace).toBe('kayenta-secured');
    expect(policy.spec.selector.matchLabels).toEqual(findOne(objects, 'Deployment', 'kayenta').spec.selector.matchLabels);
    const tenant = '72f988bf-0000-4000-8000-00000000a11d';
    const pipeline = '0c4f6a2b-0000-4000-8000-00000000059d';
    expect(policy.spec.rules).toEqual([
      { from: [{ source: { namespaces: ['istio-ingress'] } }] },
      { from: [{ source: { requestPrincipals: [`https://login.microsoftonline.com/${tenant}/v2.0/${pipeline}`, `https://sts.windows.net/${tenant}//${pipeline}`] } }] },
    ]);
  });

  test('admits the pipeline\'s service principal with client_credentials bearer tokens, in a session cookie of its own', () => {
    const config = findOne(objects, 'ConfigMap', 'oauth2-proxy').data;
    expect(config['oauth2-proxy.cfg']).toContain('skip_jwt_bearer_tokens = true\n');
    expect(config['oauth2-proxy.cfg']).toContain('cookie_name = "_oauth2_proxy_kayenta"\n');
    expect(config['authenticated-emails.txt']).toBe('0c4f6a2b-0000-4000-8000-00000000059d\n');
  });

  test('keeps the seed\'s stores and canary config', () => {
    const secured = parse(findOne(objects, 'ConfigMap', 'kayenta').data['kayenta.yml']);
    expect(secured.kayenta.azure.accounts[0].name).toBe('canary-storage');
    expect(JSON.parse(findOne(objects, 'ConfigMap', 'kayenta-canary-configs').data['app-config.json'])).toEqual(SEED_CANARY_CONFIG);
  });

  test('passes the independent schemas', () => {
    expectSchemaValid(objects);
  });
});
