import { Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import {
  ExtAuthzMode,
  IngressCertificate,
  IngressRoute,
  IngressTls,
  IssuerRef,
  KayentaIngressOptions,
  KayentaMetricsStore,
  KayentaOAuth2ProxyOptions,
  KayentaStandalone,
  KayentaStandaloneProps,
  KayentaStorage,
  OAuth2Provider,
  SessionStore,
} from '../../src';
import { customPolicy, expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

const HOST = 'kayenta.cluster.example.com';
const AUTH_HOST = 'kayenta-oauth.cluster.example.com';
const TENANT = '72f988bf-0000-4000-8000-00000000a11d';
const CLIENT = '5b2e8c1d-0000-4000-8000-0000000c11e7';
const PIPELINE_SP = '0c4f6a2b-0000-4000-8000-00000000059d';

const WILDCARD = IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production'), wildcard: '*.cluster.example.com' });

/** oauth2-proxy for a pipeline: Entra ID, client_credentials tokens of one service principal. */
function oauth2Proxy(chart: Chart, overrides: OAuth2ProxyOverrides = {}): KayentaOAuth2ProxyOptions {
  const secrets = kplus.Secret.fromSecretName(chart, 'oauth2-proxy-secrets', 'oauth2-proxy');
  return {
    authHost: AUTH_HOST,
    provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, servicePrincipalIds: [PIPELINE_SP] }),
    clientSecret: { secret: secrets, key: 'client-secret' },
    cookieSecret: { secret: secrets, key: 'cookie-secret' },
    sessionStore: SessionStore.redis({ password: { secret: secrets, key: 'redis-password' } }),
    ...overrides,
  };
}

/**
 * A Kayenta (Prometheus, Azure storage) exposed at HOST; `ingress` and `props` override, and
 * `behindOAuth2Proxy` (the oauth2-proxy options to change) puts oauth2-proxy in front.
 */
type IngressOverrides = Partial<KayentaIngressOptions>;
type PropsOverrides = Partial<KayentaStandaloneProps>;
type OAuth2ProxyOverrides = Partial<KayentaOAuth2ProxyOptions>;

function setup(ingress: IngressOverrides = {}, props: PropsOverrides = {}, behindOAuth2Proxy?: OAuth2ProxyOverrides) {
  const chart = new Chart(Testing.app(), 'test');
  const storage = kplus.Secret.fromSecretName(chart, 'azure-storage', 'azure-storage');
  const auth = behindOAuth2Proxy ? { oauth2Proxy: oauth2Proxy(chart, behindOAuth2Proxy) } : {};
  const build = () => new KayentaStandalone(chart, 'kayenta', {
    metricsStores: [KayentaMetricsStore.prometheus({ accountName: 'canary-prometheus', baseUrl: 'http://prometheus.monitoring.svc:9090' })],
    storage: [KayentaStorage.azure({ accountName: 'canary-storage', storageAccountName: 'kayentastorage', container: 'kayenta', accessKey: { secret: storage, key: 'storage-key' } })],
    ingress: { host: HOST, certificate: WILDCARD, ...auth, ...ingress },
    ...props,
  });
  return { chart, build };
}

function synth(ingress: IngressOverrides = {}, props: PropsOverrides = {}, behindOAuth2Proxy?: OAuth2ProxyOverrides) {
  const s = setup(ingress, props, behindOAuth2Proxy);
  const kayenta = s.build();
  return { ...s, kayenta, objects: synthChart(s.chart) };
}

function setupBehindOAuth2Proxy(overrides: OAuth2ProxyOverrides = {}, ingress: IngressOverrides = {}) {
  return setup(ingress, {}, overrides);
}

function synthBehindOAuth2Proxy(overrides: OAuth2ProxyOverrides = {}, ingress: IngressOverrides = {}) {
  return synth(ingress, {}, overrides);
}

describe('KayentaStandalone ingress', () => {
  describe('exposure through the Istio ingress gateway', () => {
    test('serves the host over HTTPS with a Gateway on the default ingress gateway', () => {
      const { objects } = synth();
      expect(findOne(objects, 'Gateway')).toEqual({
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'kayenta', namespace: 'kayenta' },
        spec: {
          selector: { istio: 'ingressgateway' },
          servers: [{
            hosts: [HOST],
            port: { name: 'https-kayenta-cluster-example-com', number: 443, protocol: 'HTTPS' },
            tls: { mode: 'SIMPLE', credentialName: 'tls-wildcard-cluster-example-com', minProtocolVersion: 'TLSV1_2' },
          }],
        },
      });
      expectSchemaValid(objects);
    });

    test('routes the host to port 80 of the Kayenta Service with a VirtualService bound to that Gateway', () => {
      const { objects } = synth();
      expect(findOne(objects, 'VirtualService')).toEqual({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'kayenta', namespace: 'kayenta' },
        spec: {
          hosts: [HOST],
          gateways: ['kayenta/kayenta'],
          http: [{ name: 'default', route: [{ destination: { host: 'kayenta.kayenta.svc.cluster.local', port: { number: 80 } } }] }],
        },
      });
    });

    test('httpsRedirect adds a port-80 server that redirects the host to HTTPS, and the wiring checks at synth take it', () => {
      const { objects } = synth({ httpsRedirect: true });
      expect(findOne(objects, 'Gateway').spec.servers[1]).toEqual({
        hosts: [HOST], port: { name: 'http-kayenta-cluster-example-com', number: 80, protocol: 'HTTP' }, tls: { httpsRedirect: true },
      });
      expectSchemaValid(objects);
    });

    test('routes to the servicePort given', () => {
      const { objects } = synth({}, { servicePort: 8080 });
      expect(findOne(objects, 'VirtualService').spec.http[0].route[0].destination.port).toEqual({ number: 8080 });
    });

    test('creates the Certificate in the ingress gateway namespace, where credentialName is read', () => {
      const { objects, kayenta } = synth();
      const certificate = findOne(objects, 'Certificate');
      expect([certificate.metadata.namespace, certificate.spec.dnsNames, certificate.spec.issuerRef.name]).toEqual(['istio-system', ['*.cluster.example.com'], 'letsencrypt-production']);
      expect(kayenta.ingressCertificate?.secretName).toBe(certificate.spec.secretName);
      expect(findOne(objects, 'Gateway').spec.servers[0].tls.credentialName).toBe(certificate.spec.secretName);
    });

    test('requests a certificate of exactly the host without a wildcard', () => {
      const { objects } = synth({ certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') }) });
      expect(findOne(objects, 'Certificate').spec.dnsNames).toEqual([HOST]);
      expect(findOne(objects, 'Gateway').spec.servers[0].tls.credentialName).toBe('tls-kayenta-cluster-example-com');
    });

    test('uses a certificate shared with other hosts without creating another', () => {
      const chart = new Chart(Testing.app(), 'test');
      const shared = new IngressCertificate(chart, 'shared', { issuer: IssuerRef.clusterIssuer('letsencrypt-production'), dnsNames: ['*.cluster.example.com'], name: 'tls-cluster' });
      new KayentaStandalone(chart, 'kayenta', {
        metricsStores: [KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus.monitoring.svc:9090' })],
        storage: [KayentaStorage.memory()],
        ingress: { host: HOST, certificate: IngressTls.fromCertificate(shared) },
      });
      const objects = synthChart(chart);
      expect(objects.filter((o) => o.kind === 'Certificate').map((o) => o.metadata.name)).toEqual(['tls-cluster']);
      expect(findOne(objects, 'Gateway').spec.servers[0].tls.credentialName).toBe('tls-cluster');
      expectSchemaValid(objects);
    });

    test('selects another ingress gateway and puts the Certificate in its namespace', () => {
      const { objects } = synth({ ingressGateway: { namespace: 'istio-ingress', labels: { istio: 'ingress-ci' } } });
      expect(findOne(objects, 'Gateway').spec.selector).toEqual({ istio: 'ingress-ci' });
      expect(findOne(objects, 'Certificate').metadata.namespace).toBe('istio-ingress');
      expectSchemaValid(objects);
    });

    test('emits networking.istio.io/v1beta1 for Istio releases before 1.22', () => {
      const { objects } = synth({ istioVersion: '1.21.2' });
      expect(findOne(objects, 'Gateway').apiVersion).toBe('networking.istio.io/v1beta1');
      expect(findOne(objects, 'VirtualService').apiVersion).toBe('networking.istio.io/v1beta1');
      expectSchemaValid(objects);
    });

    test('labels the namespace it creates for sidecar injection', () => {
      const { objects } = synth();
      expect(findOne(objects, 'Namespace')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kayenta', labels: { 'istio-injection': 'enabled' } }, spec: {} });
    });

    test('labels the namespace for an Istio revision when one is given', () => {
      const { objects } = synth({ istioRevision: 'stable' });
      expect(findOne(objects, 'Namespace').metadata.labels).toEqual({ 'istio.io/rev': 'stable' });
    });

    test('leaves the namespace unlabelled without an ingress', () => {
      const chart = new Chart(Testing.app(), 'test');
      new KayentaStandalone(chart, 'kayenta', { metricsStores: [KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus.monitoring.svc:9090' })], storage: [KayentaStorage.memory()] });
      const objects = synthChart(chart);
      expect(findOne(objects, 'Namespace').metadata.labels).toBeUndefined();
      expect(objects.filter((o) => ['Gateway', 'VirtualService', 'Certificate'].includes(o.kind))).toEqual([]);
      expect(findOne(objects, 'Deployment', 'kayenta').spec.template.metadata.annotations?.['proxy.istio.io/config']).toBeUndefined();
    });

    test('keeps the Service ClusterIP, with its port named http so Istio routes it as HTTP', () => {
      const { objects } = synth();
      const service = findOne(objects, 'Service', 'kayenta');
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8090 }]);
    });

    test('holds Kayenta until its sidecar is ready, since it connects to Redis at start-up', () => {
      const { objects } = synth();
      expect(findOne(objects, 'Deployment', 'kayenta').spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
    });

    test.each(['1.6.14', '1.7.8'])('does not hold Kayenta per pod on Istio %s (1.7 has holdApplicationUntilProxyStarts only mesh-wide)', (istioVersion) => {
      const { objects } = synth({ istioVersion });
      expect(findOne(objects, 'Deployment', 'kayenta').spec.template.metadata.annotations?.['proxy.istio.io/config']).toBeUndefined();
    });

    test('holds Kayenta per pod from Istio 1.8', () => {
      const { objects } = synth({ istioVersion: '1.8.0' });
      expect(findOne(objects, 'Deployment', 'kayenta').spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
    });

    test('exposes the route, the certificate and the public URL', () => {
      const { kayenta } = synth();
      expect(kayenta.publicUrl).toBe('https://kayenta.cluster.example.com');
      expect(kayenta.ingressRoute?.portName).toBe('https-kayenta-cluster-example-com');
      expect(kayenta.ingressCertificate?.namespace).toBe('istio-system');
      expect(kayenta.oauth2Proxy).toBeUndefined();
    });
  });

  describe('behind oauth2-proxy', () => {
    test('adds oauth2-proxy, its Redis and its Istio objects to the Kayenta namespace, which is created once', () => {
      const { objects } = synthBehindOAuth2Proxy();
      expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
        'AuthorizationPolicy istio-system/ext-authz-kayenta-kayenta',
        'AuthorizationPolicy kayenta/kayenta-callers',
        'Certificate istio-system/tls-wildcard-cluster-example-com',
        'ConfigMap istio-system/oauth2-proxy-kayenta-mesh-config',
        'ConfigMap kayenta/kayenta',
        'ConfigMap kayenta/oauth2-proxy',
        'Deployment kayenta/kayenta',
        'Deployment kayenta/kayenta-redis',
        'Deployment kayenta/oauth2-proxy',
        'Deployment kayenta/oauth2-proxy-redis',
        'EnvoyFilter istio-system/ext-authz-kayenta-kayenta-identity-headers',
        'Gateway kayenta/kayenta',
        'Namespace /kayenta',
        'NetworkPolicy kayenta/kayenta-redis',
        'NetworkPolicy kayenta/oauth2-proxy-redis',
        'RequestAuthentication kayenta/kayenta',
        'Service kayenta/kayenta',
        'Service kayenta/kayenta-redis',
        'Service kayenta/oauth2-proxy',
        'Service kayenta/oauth2-proxy-redis',
        'ServiceEntry kayenta/oauth2-proxy-idp',
        'VirtualService kayenta/kayenta',
        'VirtualService kayenta/oauth2-proxy',
      ]);
      expect(findOne(objects, 'Namespace').metadata.labels).toEqual({ 'istio-injection': 'enabled' });
      expectSchemaValid(objects);
    });

    test('sends every request to the Kayenta host except /oauth2/* through oauth2-proxy with an AuthorizationPolicy CUSTOM', () => {
      const { objects, kayenta } = synthBehindOAuth2Proxy();
      expect(customPolicy(objects)).toEqual({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'ext-authz-kayenta-kayenta', namespace: 'istio-system' },
        spec: {
          selector: { matchLabels: { istio: 'ingressgateway' } },
          action: 'CUSTOM',
          provider: { name: 'oauth2-proxy-kayenta' },
          rules: [{ to: [{ operation: { hosts: [HOST, `${HOST}:*`], notPaths: ['/oauth2/*'] } }] }],
        },
      });
      expect(kayenta.oauth2Proxy?.extensionProvider.envoyExtAuthzHttp.service).toBe('oauth2-proxy.kayenta.svc.cluster.local');
      // only the filter that removes client-sent identity headers, no ext_authz EnvoyFilter
      expect(objects.filter((o) => o.kind === 'EnvoyFilter').map((o) => o.metadata.name)).toEqual(['ext-authz-kayenta-kayenta-identity-headers']);
    });

    test('routes /oauth2/ on the Kayenta host to oauth2-proxy and everything else to Kayenta', () => {
      const { objects, kayenta } = synthBehindOAuth2Proxy();
      expect(findOne(objects, 'VirtualService', 'kayenta').spec.http).toEqual([
        { name: 'oauth2-proxy-0', match: [{ uri: { prefix: '/oauth2/' } }], route: [{ destination: { host: 'oauth2-proxy.kayenta.svc.cluster.local', port: { number: 4180 } } }] },
        { name: 'oauth2-proxy-1', match: [{ uri: { exact: '/robots.txt' } }], route: [{ destination: { host: 'oauth2-proxy.kayenta.svc.cluster.local', port: { number: 4180 } } }] },
        { name: 'default', route: [{ destination: { host: 'kayenta.kayenta.svc.cluster.local', port: { number: 80 } } }] },
      ]);
      expect(kayenta.ingressRoute).toBe(kayenta.oauth2Proxy?.appRoute);
      expect(kayenta.oauth2Proxy?.redirectUrl).toBe('https://kayenta.cluster.example.com/oauth2/callback');
    });

    test('serves oauth2-proxy\'s host from the Kayenta host\'s Gateway server, with the same certificate', () => {
      const { objects } = synthBehindOAuth2Proxy();
      expect(findOne(objects, 'VirtualService', 'oauth2-proxy').spec.gateways).toEqual(['kayenta/kayenta']);
      expect(findOne(objects, 'Gateway', 'kayenta').spec.servers).toEqual([{
        hosts: [HOST, AUTH_HOST],
        port: { name: 'https-kayenta-cluster-example-com', number: 443, protocol: 'HTTPS' },
        tls: { mode: 'SIMPLE', credentialName: 'tls-wildcard-cluster-example-com', minProtocolVersion: 'TLSV1_2' },
      }]);
    });

    test('requests a certificate of both hosts without a wildcard', () => {
      const { objects } = synthBehindOAuth2Proxy({}, { certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') }) });
      expect(findOne(objects, 'Certificate').spec.dnsNames).toEqual([HOST, AUTH_HOST]);
    });

    test('needs no oauth2-proxy host: without authHost only the Kayenta host is served and certified', () => {
      const { objects, kayenta } = synthBehindOAuth2Proxy({ authHost: undefined }, { certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') }) });
      expect(findOne(objects, 'Certificate').spec.dnsNames).toEqual([HOST]);
      expect(findOne(objects, 'Gateway', 'kayenta').spec.servers.map((s: any) => s.hosts)).toEqual([[HOST]]);
      expect(objects.filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name)).toEqual(['kayenta']);
      expect(kayenta.oauth2Proxy!.authRoute).toBeUndefined();
      expectSchemaValid(objects);
    });

    test('accepts the pipeline\'s client_credentials tokens: bearer tokens, and the service principal as an authenticated subject', () => {
      const { objects } = synthBehindOAuth2Proxy();
      const config = findOne(objects, 'ConfigMap', 'oauth2-proxy').data;
      expect(config['oauth2-proxy.cfg']).toContain('skip_jwt_bearer_tokens = true\n');
      expect(config['oauth2-proxy.cfg']).toContain(`extra_jwt_issuers = ["https://sts.windows.net/${TENANT}/=api://${CLIENT}"]\n`);
      expect(config['authenticated-emails.txt']).toBe(`${PIPELINE_SP}\n`);
    });

    test('validates the tokens in front of the Kayenta pods with a RequestAuthentication', () => {
      const { objects } = synthBehindOAuth2Proxy();
      const auth = findOne(objects, 'RequestAuthentication');
      expect(auth.spec.selector.matchLabels).toEqual(findOne(objects, 'Service', 'kayenta').spec.selector);
      expect(auth.spec.jwtRules.map((r: any) => [r.issuer, r.audiences])).toEqual([
        [`https://login.microsoftonline.com/${TENANT}/v2.0`, [CLIENT]],
        [`https://sts.windows.net/${TENANT}/`, [`api://${CLIENT}`]],
      ]);
    });

    test('passes the oauth2-proxy options through, e.g. the cookie name and the EnvoyFilter mode', () => {
      const { objects } = synthBehindOAuth2Proxy({ mode: ExtAuthzMode.ENVOY_FILTER, cookie: { name: '_oauth2_proxy_kayenta' } });
      expect(findOne(objects, 'EnvoyFilter').spec.configPatches[0].match.listener.filterChain.sni).toBe(HOST);
      expect(objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'CUSTOM')).toEqual([]);
      expect(findOne(objects, 'ConfigMap', 'oauth2-proxy').data['oauth2-proxy.cfg']).toContain('cookie_name = "_oauth2_proxy_kayenta"\n');
      expectSchemaValid(objects);
    });

    test('takes the cluster domain from the oauth2Proxy options too, and refuses two different ones', () => {
      const { objects, kayenta } = synthBehindOAuth2Proxy({ clusterDomain: 'corp.internal' });
      expect(kayenta.oauth2Proxy?.extensionProvider.envoyExtAuthzHttp.service).toBe('oauth2-proxy.kayenta.svc.corp.internal');
      expect(JSON.stringify(objects)).not.toContain('svc.cluster.local');
      expect(() => synthBehindOAuth2Proxy({ clusterDomain: 'corp.internal' }, { clusterDomain: 'cluster.local' })).toThrow(
        'ingress.oauth2Proxy.clusterDomain: "corp.internal" differs from ingress.clusterDomain "cluster.local"; give the cluster domain once, as ingress.clusterDomain (Kayenta and oauth2-proxy are in one cluster)');
    });

    test('follows the ingress gateway given', () => {
      const { objects } = synthBehindOAuth2Proxy({}, { ingressGateway: { namespace: 'istio-ingress', labels: { istio: 'ingress-ci' } } });
      expect(customPolicy(objects).metadata.namespace).toBe('istio-ingress');
      expect(customPolicy(objects).spec.selector).toEqual({ matchLabels: { istio: 'ingress-ci' } });
      expect(findOne(objects, 'Gateway', 'kayenta').spec.selector).toEqual({ istio: 'ingress-ci' });
      expect(findOne(objects, 'Certificate').metadata.namespace).toBe('istio-ingress');
    });
  });

  describe('wiring checks at synth', () => {
    test('pass on Kayenta exposed as built, with and without oauth2-proxy', () => {
      const plain = setup();
      plain.build();
      expect(() => runValidations(plain.chart)).not.toThrow();
      const behind = setupBehindOAuth2Proxy();
      behind.build();
      expect(() => runValidations(behind.chart)).not.toThrow();
    });

    test('host-mismatch: a Gateway host outside the certificate', () => {
      const { chart, build } = setup();
      build().ingressRoute!.gateway.addJsonPatch(JsonPatch.replace('/spec/servers/0/hosts', ['kayenta.example.com']));
      expect(() => runValidations(chart)).toThrow('test/kayenta: wiring (host-mismatch): Gateway kayenta/kayenta serves host "kayenta.example.com" with the certificate of Certificate istio-system/tls-wildcard-cluster-example-com, which covers only "*.cluster.example.com"; add "kayenta.example.com" to the Certificate\'s dnsNames (a "*." wildcard covers one label) or serve another host');
    });

    test('host-mismatch: a VirtualService host the Gateway does not serve', () => {
      const { chart, build } = setup();
      build().ingressRoute!.virtualService.addJsonPatch(JsonPatch.replace('/spec/hosts', ['canary.cluster.example.com']));
      expect(() => runValidations(chart)).toThrow('test/kayenta: wiring (host-mismatch): VirtualService kayenta/kayenta routes host "canary.cluster.example.com", but Gateway kayenta/kayenta serves only "kayenta.cluster.example.com"');
    });

    test('destination-port: a route to a port the Kayenta Service does not have', () => {
      const { chart, build } = setup();
      build().ingressRoute!.virtualService.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/port/number', 8090));
      expect(() => runValidations(chart)).toThrow('test/kayenta: wiring (destination-port): VirtualService kayenta/kayenta routes to port 8090 of Service kayenta/kayenta, which has only port 80; route to port 80 or add port 8090 to the Service');
    });

    test('credential-name: a Gateway naming a Secret no Certificate writes', () => {
      const { chart, build } = setup();
      build().ingressRoute!.gateway.addJsonPatch(JsonPatch.replace('/spec/servers/0/tls/credentialName', 'tls-kayenta'));
      expect(() => runValidations(chart)).toThrow('test/kayenta: wiring (credential-name): Gateway kayenta/kayenta serves credentialName "tls-kayenta", but Certificate istio-system/tls-wildcard-cluster-example-com, which covers its hosts in the ingress namespace "istio-system", writes Secret "tls-wildcard-cluster-example-com"');
    });

    test('another Gateway of the ingress may use the Kayenta port name (istiod keeps the two servers apart)', () => {
      const { chart, build } = setup();
      build();
      const certificate = new IngressCertificate(chart, 'other-cert', { issuer: IssuerRef.clusterIssuer('letsencrypt-production'), dnsNames: ['other.example.com'] });
      const pods = new kplus.Deployment(chart, 'other-app', { metadata: { name: 'other', namespace: 'other' }, containers: [{ image: 'other:1', portNumber: 8080 }] });
      const service = new kplus.Service(chart, 'other', { metadata: { name: 'other', namespace: 'other' }, selector: pods, ports: [{ port: 8080 }] });
      const route = new IngressRoute(chart, 'other-route', { host: 'other.example.com', service, certificate });
      route.gateway.addJsonPatch(JsonPatch.replace('/spec/servers/0/port/name', 'https-kayenta-cluster-example-com'));
      expect(() => runValidations(chart)).not.toThrow();
    });

    test('run over oauth2-proxy\'s objects too: an AuthorizationPolicy host no Gateway serves', () => {
      const { chart, build } = setupBehindOAuth2Proxy();
      build().oauth2Proxy!.authorizationPolicy!.addJsonPatch(JsonPatch.replace('/spec/rules/0/to/0/operation/hosts', ['www.cluster.example.com']));
      expect(() => runValidations(chart)).toThrow('test/kayenta/oauth2-proxy: wiring (host-mismatch): AuthorizationPolicy istio-system/ext-authz-kayenta-kayenta applies to host "www.cluster.example.com"');
    });
  });

  describe('bad input', () => {
    test('fails on a LoadBalancer Service next to the ingress', () => {
      const { build } = setup({}, { serviceType: kplus.ServiceType.LOAD_BALANCER });
      expect(build).toThrow('test/kayenta: serviceType: "LoadBalancer" together with ingress would expose Kayenta a second time, reachable from outside the cluster without the ingress gateway; leave serviceType unset (ClusterIP) when ingress is set; the ingress gateway reaches Kayenta inside the cluster');
    });

    test('fails on a NodePort Service in front of oauth2-proxy, naming what it would bypass', () => {
      const { build } = setup({}, { serviceType: kplus.ServiceType.NODE_PORT }, {});
      expect(build).toThrow('test/kayenta: serviceType: "NodePort" together with ingress would expose Kayenta a second time, reachable from outside the cluster without the ingress gateway and oauth2-proxy; leave serviceType unset (ClusterIP) when ingress is set; the ingress gateway reaches Kayenta inside the cluster');
    });

    test('refuses httpsRedirect behind oauth2-proxy, whose check would loop a sign-in started over HTTP', () => {
      const { build } = setup({ httpsRedirect: true }, {}, {});
      expect(build).toThrow('test/kayenta: ingress.httpsRedirect: true together with oauth2Proxy, whose Gateway has no redirect server: in the default mode (AUTHORIZATION_POLICY) '
        + 'the CUSTOM check covers every port of the gateway and runs before the redirect, so a sign-in started over http:// would come back there '
        + 'without the HTTPS-only session cookie and start again, in a loop; leave httpsRedirect out (HTTPS only), or drop oauth2Proxy');
      expect(setup({ httpsRedirect: 'yes' as any }).build).toThrow('test/kayenta: ingress.httpsRedirect: received "yes"; give true or false');
    });

    test('fails on a host that is not a host name', () => {
      const { build } = setup({ host: 'https://kayenta.cluster.example.com' });
      expect(build).toThrow('test/kayenta: ingress.host: "https://kayenta.cluster.example.com" is not a valid DNS-1123 subdomain');
    });

    test('fails on a wildcard host', () => {
      const { build } = setup({ host: '*.cluster.example.com' });
      expect(build).toThrow('test/kayenta: ingress.host: "*.cluster.example.com" is a wildcard; give the full host name, e.g. "myapp.example.com"');
    });

    test('fails on a host the certificate does not cover', () => {
      const { build } = setup({ host: 'kayenta.example.com' });
      expect(build).toThrow('test/kayenta: ingress.host: "kayenta.example.com" is not covered by Certificate istio-system/tls-wildcard-cluster-example-com (dnsNames: *.cluster.example.com); a "*." wildcard covers exactly one label; use a host the certificate covers or add the host to its dnsNames');
    });

    test('fails on an oauth2-proxy host the certificate does not cover', () => {
      const { build } = setupBehindOAuth2Proxy({ authHost: 'oauth.kayenta.cluster.example.com' });
      expect(build).toThrow('test/kayenta: ingress.oauth2Proxy.authHost: "oauth.kayenta.cluster.example.com" is not covered by Certificate istio-system/tls-wildcard-cluster-example-com (dnsNames: *.cluster.example.com); a "*." wildcard covers exactly one label; use a host the certificate covers or add the host to its dnsNames');
    });

    test('fails on a certificate made for another ingress namespace', () => {
      const chart = new Chart(Testing.app(), 'test');
      const shared = new IngressCertificate(chart, 'shared', { issuer: IssuerRef.clusterIssuer('letsencrypt-production'), dnsNames: ['*.cluster.example.com'] });
      expect(() => new KayentaStandalone(chart, 'kayenta', {
        storage: [KayentaStorage.memory()],
        ingress: { host: HOST, certificate: IngressTls.fromCertificate(shared), ingressGateway: { namespace: 'istio-ingress' } },
      })).toThrow('test/kayenta: ingress.certificate: Certificate istio-system/tls-wildcard-cluster-example-com writes Secret "tls-wildcard-cluster-example-com" to namespace "istio-system", but the ingress gateway runs in "istio-ingress" and reads credentialName Secrets only from there; create the certificate with ingressGateway.namespace "istio-ingress"');
    });

    test('fails on a malformed Istio version', () => {
      const { build } = setup({ istioVersion: 'latest' });
      expect(build).toThrow('test/kayenta: ingress.istioVersion: "latest" is not an Istio version; give a release such as "1.30" or "1.30.3"');
    });

    test('fails on an Istio revision for a namespace it does not create', () => {
      const { build } = setup({ istioRevision: 'stable' }, { createNamespace: false });
      expect(build).toThrow('test/kayenta: ingress.istioRevision: "stable" labels only the namespace this construct creates, but createNamespace is false; label the existing namespace istio.io/rev=stable and leave istioRevision out');
    });

    test('fails on an Istio revision that is no label value', () => {
      const { build } = setup({ istioRevision: 'Stable_1' });
      expect(build).toThrow('test/kayenta: ingress.istioRevision: "Stable_1" is not a valid DNS-1123 label');
    });

    test('fails on an ingress gateway without labels', () => {
      const { build } = setup({ ingressGateway: { labels: {} } });
      expect(build).toThrow('test/kayenta: ingress.ingressGateway.labels: received no labels; give the labels of the ingress gateway pods, e.g. { istio: "ingressgateway" }');
    });

    test('fails, from oauth2-proxy, when the oauth2-proxy host is the Kayenta host', () => {
      const { build } = setupBehindOAuth2Proxy({ authHost: HOST });
      expect(build).toThrow('test/kayenta/oauth2-proxy: authHost: "kayenta.cluster.example.com" is the same as appHost; give oauth2-proxy a host of its own next to the app\'s, e.g. "oauth.cluster.example.com", or leave authHost out (oauth2-proxy is then reached under /oauth2/ on the app host)');
    });

    test('fails, from oauth2-proxy, in AUTHORIZATION_POLICY mode on Istio 1.19 until meshConfigApplied says the provider is in the mesh config', () => {
      expect(setupBehindOAuth2Proxy({}, { istioVersion: '1.19' }).build).toThrow(
        /^test\/kayenta\/oauth2-proxy: meshConfigApplied: not set, with mode AUTHORIZATION_POLICY on Istio 1\.19: .* not only "kayenta\.cluster\.example\.com"; /);
      expect(setupBehindOAuth2Proxy({ meshConfigApplied: true }, { istioVersion: '1.19' }).build).not.toThrow();
    });

    test('fails, from oauth2-proxy, in AUTHORIZATION_POLICY mode on Istio before 1.9', () => {
      const { build } = setupBehindOAuth2Proxy({}, { istioVersion: '1.8.6' });
      expect(build).toThrow('test/kayenta/oauth2-proxy: mode: AUTHORIZATION_POLICY needs Istio 1.9 or newer (action CUSTOM and mesh-config extension providers), but istioVersion is "1.8.6"; use ExtAuthzMode.ENVOY_FILTER on this release, or upgrade Istio');
    });
  });
});
