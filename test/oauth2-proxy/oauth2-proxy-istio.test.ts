import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { headersAfterLuaRequest } from './lua';
import {
  CookieSameSite,
  EntraAccessTokenVersion,
  EnvoyConfigValidator,
  ExtAuthzMode,
  IngressCertificate,
  IngressTls,
  IssuerRef,
  OAuth2Provider,
  OAuth2ProxyIstio,
  OAuth2ProxyIstioProps,
  SessionStore,
} from '../../src';
import { customPolicy, expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

const TENANT = '72f988bf-0000-4000-8000-00000000a11d';
const CLIENT = '3f1c2b7e-0000-4000-8000-0000000c11e7';
const SP = '9a7d5c3e-0000-4000-8000-00000000059d';

/** Seed 001's app (Deployment on port 80, Service on 8000) and an OAuth2ProxyIstio in front of it. */
function setup(overrides: Partial<OAuth2ProxyIstioProps> = {}, appOptions: { targetPort?: number } = {}) {
  const chart = new Chart(Testing.app(), 'test');
  const app = new kplus.Deployment(chart, 'myapp', {
    metadata: { name: 'myapp', namespace: 'myapp' },
    containers: [{ name: 'myapp', image: 'myapp:1.0', ports: [{ number: 80, name: 'http' }] }],
  });
  const service = new kplus.Service(chart, 'myapp-service', {
    metadata: { name: 'myapp', namespace: 'myapp' },
    selector: app,
    ports: [{ name: 'http', port: 8000, targetPort: appOptions.targetPort ?? 80 }],
  });
  const secrets = kplus.Secret.fromSecretName(chart, 'secrets', 'oauth2-proxy');
  const props: OAuth2ProxyIstioProps = {
    app: service,
    appHost: 'myapp.cluster.example.com',
    authHost: 'oauth.cluster.example.com',
    provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT }),
    clientSecret: { secret: secrets, key: 'client-secret' },
    cookieSecret: { secret: secrets, key: 'cookie-secret' },
    emailDomains: ['example.com'],
    certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production'), wildcard: '*.cluster.example.com', name: 'tls-myapp-production' }),
    sessionStore: SessionStore.redis({ password: { secret: secrets, key: 'redis-password' } }),
    ...overrides,
  };
  const build = () => new OAuth2ProxyIstio(chart, 'auth', props);
  return { chart, app, service, secrets, props, build };
}

function synth(overrides: Partial<OAuth2ProxyIstioProps> = {}) {
  const s = setup(overrides);
  const auth = s.build();
  return { ...s, auth, objects: synthChart(s.chart) };
}

function configFile(objects: any[]): string {
  return findOne(objects, 'ConfigMap', 'oauth2-proxy').data['oauth2-proxy.cfg'];
}

describe('OAuth2ProxyIstio', () => {
  describe('the objects of the seed', () => {
    test('are all there, each valid against its schema', () => {
      const { objects } = synth();
      expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
        'AuthorizationPolicy istio-system/ext-authz-myapp-myapp',
        'AuthorizationPolicy myapp/myapp-callers',
        'Certificate istio-system/tls-myapp-production',
        'ConfigMap istio-system/oauth2-proxy-myapp-mesh-config',
        'ConfigMap myapp/oauth2-proxy',
        'Deployment myapp/myapp',
        'Deployment myapp/oauth2-proxy',
        'Deployment myapp/oauth2-proxy-redis',
        'EnvoyFilter istio-system/ext-authz-myapp-myapp-identity-headers',
        'Gateway myapp/myapp',
        'Namespace /myapp',
        'NetworkPolicy myapp/oauth2-proxy-redis',
        'RequestAuthentication myapp/myapp',
        'Service myapp/myapp',
        'Service myapp/oauth2-proxy',
        'Service myapp/oauth2-proxy-redis',
        'ServiceEntry myapp/oauth2-proxy-idp',
        'VirtualService myapp/myapp',
        'VirtualService myapp/oauth2-proxy',
      ]);
      expectSchemaValid(objects);
    });

    test('include the app namespace with sidecar injection and no namespace of its own', () => {
      const { objects } = synth();
      expect(findOne(objects, 'Namespace')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'myapp', labels: { 'istio-injection': 'enabled' } }, spec: {} });
    });

    test('put the namespace first, before the app\'s objects created ahead of the construct', () => {
      const { objects } = synth();
      expect(objects.slice(0, 3).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
        'Namespace /myapp',
        'Deployment myapp/myapp',
        'Service myapp/myapp',
      ]);
      expectSchemaValid(objects);
    });

    test('label the namespace for an Istio revision when one is given', () => {
      const { objects } = synth({ istioRevision: 'canary' });
      expect(findOne(objects, 'Namespace').metadata.labels).toEqual({ 'istio.io/rev': 'canary' });
    });

    test('leave an existing namespace alone', () => {
      const { objects, auth } = synth({ createNamespace: false });
      expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
      expect(auth.namespaceObject).toBeUndefined();
    });
  });

  describe('oauth2-proxy', () => {
    test('runs the pinned distroless image as uid 65532, hardened, with requests and limits', () => {
      const { objects } = synth();
      const [c] = findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.spec.containers;
      expect(c.image).toBe('quay.io/oauth2-proxy/oauth2-proxy:v7.15.3');
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(c.securityContext).toEqual({
        runAsUser: 65532,
        runAsGroup: 65532,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    });

    test('reads its config file and probes /oauth2/ping for liveness and /oauth2/ready for readiness on 4180', () => {
      const { objects } = synth();
      const pod = findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.spec;
      const [c] = pod.containers;
      expect(c.args).toEqual(['--config=/etc/oauth2-proxy/oauth2-proxy.cfg']);
      expect(c.ports).toEqual([{ containerPort: 4180, name: 'http' }]);
      expect(c.livenessProbe.httpGet).toMatchObject({ path: '/oauth2/ping', port: 4180 });
      expect(c.readinessProbe.httpGet).toMatchObject({ path: '/oauth2/ready', port: 4180 });
      expect(c.volumeMounts).toEqual([{ mountPath: '/etc/oauth2-proxy', name: pod.volumes[0].name, readOnly: true }]);
      expect(pod.volumes[0].configMap).toEqual({ name: 'oauth2-proxy' });
    });

    test('gets the client secret, cookie secret and Redis password only through secretKeyRef', () => {
      const { objects } = synth();
      const [c] = findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.spec.containers;
      expect(c.env).toEqual([
        { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'client-secret' } } },
        { name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'cookie-secret' } } },
        { name: 'OAUTH2_PROXY_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'redis-password' } } },
      ]);
      expect(configFile(objects)).not.toMatch(/secret\s*=|password/);
    });

    test('rolls its pods when the config changes and waits for the sidecar at start-up', () => {
      const { objects, auth } = synth();
      const annotations = findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.metadata.annotations;
      expect(annotations['config-hash.meshkit.dev/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
      const before = annotations['config-hash.meshkit.dev/config'];
      auth.configMap.addData('extra', 'x');
      expect(findOne(Testing.synth(Chart.of(auth)), 'Deployment', 'oauth2-proxy').spec.template.metadata.annotations['config-hash.meshkit.dev/config']).not.toBe(before);
    });

    test('has a config file built from the props: auth-only, listening on 0.0.0.0:4180, a host-only session cookie of the app host', () => {
      const { objects, auth } = synth();
      expect(configFile(objects)).toBe([
        'auth_logging = true',
        'client_id = "3f1c2b7e-0000-4000-8000-0000000c11e7"',
        'cookie_expire = "168h"',
        'cookie_httponly = true',
        'cookie_name = "_oauth2_proxy"',
        'cookie_refresh = "59m"',
        'cookie_samesite = "lax"',
        'cookie_secure = true',
        'email_domains = ["example.com"]',
        'http_address = "0.0.0.0:4180"',
        'oidc_issuer_url = "https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000a11d/v2.0"',
        'pass_access_token = true',
        'pass_authorization_header = true',
        'ping_path = "/oauth2/ping"',
        'provider = "entra-id"',
        'ready_path = "/oauth2/ready"',
        'redirect_url = "https://myapp.cluster.example.com/oauth2/callback"',
        'redis_connection_url = "redis://oauth2-proxy-redis.myapp.svc:6379"',
        'request_logging = true',
        'reverse_proxy = true',
        'scope = "openid email profile offline_access"',
        'session_store_type = "redis"',
        'set_authorization_header = true',
        'set_xauthrequest = true',
        'silence_ping_logging = true',
        'skip_provider_button = true',
        'standard_logging = true',
        'upstreams = ["static://200"]',
        'whitelist_domains = ["myapp.cluster.example.com"]',
        '',
      ].join('\n'));
      expect(auth.redirectUrl).toBe('https://myapp.cluster.example.com/oauth2/callback');
      // no Domain attribute: sibling hosts under the wildcard (other teams' apps) never get the session cookie
      expect(auth.cookieDomain).toBe('myapp.cluster.example.com');
      expect(auth.cookieHostOnly).toBe(true);
    });

    test('takes cookie and logging settings as typed props', () => {
      const { objects } = synth({
        cookie: { name: '_myapp', secure: true, httpOnly: false, sameSite: CookieSameSite.NONE, refresh: Duration.minutes(30), expire: Duration.hours(12) },
        logging: { requests: false, authentication: false, standard: true, silencePing: false },
      });
      const cfg = configFile(objects);
      for (const line of ['cookie_name = "_myapp"', 'cookie_httponly = false', 'cookie_samesite = "none"', 'cookie_refresh = "30m"', 'cookie_expire = "12h"',
        'request_logging = false', 'auth_logging = false', 'standard_logging = true', 'silence_ping_logging = false']) {
        expect(cfg).toContain(`${line}\n`);
      }
    });

    test('is reachable through a Service on port 4180', () => {
      const { objects } = synth();
      const service = findOne(objects, 'Service', 'oauth2-proxy');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 4180, targetPort: 4180 }]);
      expect(service.spec.selector).toEqual(findOne(objects, 'Deployment', 'oauth2-proxy').spec.selector.matchLabels);
    });
  });

  describe('the session store', () => {
    test('is a Redis without persistence that only oauth2-proxy may reach, with its password from the Secret', () => {
      const { objects } = synth();
      const redis = findOne(objects, 'Deployment', 'oauth2-proxy-redis').spec.template.spec.containers[0];
      expect(redis.args).toEqual(['--save', '', '--appendonly', 'no', '--maxmemory', String(192 * 1024 * 1024), '--maxmemory-policy', 'volatile-lru', '--requirepass', '$(REDIS_PASSWORD)']);
      expect(redis.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'oauth2-proxy', key: 'redis-password' } } }]);
      const policy = findOne(objects, 'NetworkPolicy', 'oauth2-proxy-redis');
      expect(policy.spec.ingress).toEqual([{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'myapp' } }, podSelector: { matchLabels: findOne(objects, 'Deployment', 'oauth2-proxy').spec.selector.matchLabels } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      }]);
    });

    test('can be an existing Redis', () => {
      const { objects, auth } = synth({ sessionStore: SessionStore.redis({ deploy: false, url: 'redis://sessions.shared.svc:6379' }) });
      expect(auth.redis).toBeUndefined();
      expect(objects.filter((o) => o.metadata.name === 'oauth2-proxy-redis')).toEqual([]);
      expect(configFile(objects)).toContain('redis_connection_url = "redis://sessions.shared.svc:6379"\n');
    });

    test('can be cookies, without Redis and its password', () => {
      const { objects } = synth({ sessionStore: SessionStore.cookie() });
      expect(configFile(objects)).toContain('session_store_type = "cookie"\n');
      expect(configFile(objects)).not.toContain('redis');
      const [c] = findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.spec.containers;
      expect(c.env.map((e: any) => e.name)).toEqual(['OAUTH2_PROXY_CLIENT_SECRET', 'OAUTH2_PROXY_COOKIE_SECRET']);
    });
  });

  describe('the ingress', () => {
    test('serves both hosts with a wildcard certificate whose Secret lands in the ingress gateway namespace', () => {
      const { objects } = synth();
      expect(findOne(objects, 'Certificate')).toEqual({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'tls-myapp-production', namespace: 'istio-system' },
        spec: { dnsNames: ['*.cluster.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-production' }, secretName: 'tls-myapp-production' },
      });
      expect(findOne(objects, 'Gateway', 'myapp').spec.servers[0].tls.credentialName).toBe('tls-myapp-production');
    });

    test('can use a certificate of exactly the two hosts', () => {
      const { objects } = synth({ certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') }) });
      expect(findOne(objects, 'Certificate').spec.dnsNames).toEqual(['myapp.cluster.example.com', 'oauth.cluster.example.com']);
      expect(findOne(objects, 'Gateway', 'myapp').spec.servers[0].tls.credentialName).toBe('tls-myapp-cluster-example-com');
    });

    test('serves both hosts from one server of one Gateway, so that a browser reusing one HTTP/2 connection for both reaches both routes (IST0138)', () => {
      const { objects, auth } = synth();
      expect(objects.filter((o) => o.kind === 'Gateway')).toHaveLength(1);
      expect(findOne(objects, 'Gateway', 'myapp').spec).toEqual({
        selector: { istio: 'ingressgateway' },
        servers: [{
          hosts: ['myapp.cluster.example.com', 'oauth.cluster.example.com'],
          port: { name: 'https-myapp-cluster-example-com', number: 443, protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: 'tls-myapp-production', minProtocolVersion: 'TLSV1_2' },
        }],
      });
      expect(auth.appRoute.gateway).toBe(auth.gateway.gateway);
      expect(auth.authRoute!.gateway).toBe(auth.gateway.gateway);
      expect([auth.appRoute.portName, auth.authRoute!.portName]).toEqual(['https-myapp-cluster-example-com', 'https-myapp-cluster-example-com']);
    });

    test('routes the app host to the app and its /oauth2/ paths to oauth2-proxy; the auth host redirects to the app host', () => {
      const { objects } = synth();
      expect(findOne(objects, 'VirtualService', 'myapp').spec).toEqual({
        gateways: ['myapp/myapp'],
        hosts: ['myapp.cluster.example.com'],
        http: [
          { name: 'oauth2-proxy-0', match: [{ uri: { prefix: '/oauth2/' } }], route: [{ destination: { host: 'oauth2-proxy.myapp.svc.cluster.local', port: { number: 4180 } } }] },
          // oauth2-proxy answers /robots.txt before authentication (200, which ext_authz takes as allowed): it never reaches the app
          { name: 'oauth2-proxy-1', match: [{ uri: { exact: '/robots.txt' } }], route: [{ destination: { host: 'oauth2-proxy.myapp.svc.cluster.local', port: { number: 4180 } } }] },
          { name: 'default', route: [{ destination: { host: 'myapp.myapp.svc.cluster.local', port: { number: 8000 } } }] },
        ],
      });
      expect(findOne(objects, 'VirtualService', 'oauth2-proxy').spec).toEqual({
        gateways: ['myapp/myapp'],
        hosts: ['oauth.cluster.example.com'],
        // the login runs on the app host, where the host-only cookie lives: a login started here would fail at the callback
        http: [{ name: 'redirect', redirect: { authority: 'myapp.cluster.example.com' } }],
      });
    });

    test('uses the ingress gateway given', () => {
      const { objects } = synth({ ingressGateway: { namespace: 'istio-ingress', labels: { app: 'istio-ingress' } } });
      expect(findOne(objects, 'Certificate').metadata.namespace).toBe('istio-ingress');
      expect(findOne(objects, 'Gateway', 'myapp').spec.selector).toEqual({ app: 'istio-ingress' });
      expect(customPolicy(objects).metadata.namespace).toBe('istio-ingress');
      expect(customPolicy(objects).spec.selector).toEqual({ matchLabels: { app: 'istio-ingress' } });
    });
  });

  describe('egress and token validation', () => {
    test('lets oauth2-proxy reach Entra ID through a ServiceEntry visible in its namespace', () => {
      const { objects } = synth();
      expect(findOne(objects, 'ServiceEntry').spec).toEqual({
        hosts: ['graph.microsoft.com', 'login.microsoftonline.com'],
        exportTo: ['.'],
        location: 'MESH_EXTERNAL',
        ports: [{ name: 'tls', number: 443, protocol: 'TLS' }],
        resolution: 'DNS',
      });
    });

    test('validates tokens in front of the app pods with the v2 issuer and its keys', () => {
      const { objects } = synth();
      expect(findOne(objects, 'RequestAuthentication').spec).toEqual({
        selector: { matchLabels: findOne(objects, 'Deployment', 'myapp').spec.selector.matchLabels },
        jwtRules: [{ issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`, audiences: [CLIENT] }],
      });
    });

    test('keeps other callers in the mesh off the app\'s pods: only the gateway\'s namespace gets through (a valid user token is not enough)', () => {
      const { objects } = synth();
      const policy = findOne(objects, 'AuthorizationPolicy', 'myapp-callers');
      expect(policy.apiVersion).toBe('security.istio.io/v1');
      expect(policy.metadata.namespace).toBe('myapp');
      expect(policy.spec).toEqual({
        selector: { matchLabels: findOne(objects, 'Deployment', 'myapp').spec.selector.matchLabels },
        action: 'ALLOW',
        rules: [{ from: [{ source: { namespaces: ['istio-system'] } }] }],
      });
      const more = findOne(synth({ meshCallerNamespaces: ['monitoring', 'istio-system'] }).objects, 'AuthorizationPolicy', 'myapp-callers');
      expect(more.spec.rules).toEqual([{ from: [{ source: { namespaces: ['istio-system', 'monitoring'] } }] }]);
    });

    test('admits the service principals oauth2-proxy admits by their client-credentials tokens (each issuer, the allowed groups), and only with a RequestAuthentication', () => {
      const provider = OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, servicePrincipalIds: [SP], allowedGroups: ['g-1'] });
      const policy = findOne(synth({ provider }).objects, 'AuthorizationPolicy', 'myapp-callers');
      expect(policy.spec.rules[1]).toEqual({
        from: [{ source: { requestPrincipals: [`https://login.microsoftonline.com/${TENANT}/v2.0/${SP}`, `https://sts.windows.net/${TENANT}//${SP}`] } }],
        when: [{ key: 'request.auth.claims[groups]', values: ['g-1'] }],
      });
      // without a RequestAuthentication no token is validated at the pod, so none can admit a caller
      const noTokens = findOne(synth({ provider, requestAuthentication: false }).objects, 'AuthorizationPolicy', 'myapp-callers');
      expect(noTokens.spec.rules).toEqual([{ from: [{ source: { namespaces: ['istio-system'] } }] }]);
    });

    test('puts the app\'s RequestAuthentication and caller policy in the app\'s namespace even when oauth2-proxy runs in another', () => {
      const { objects } = synth({ namespace: 'auth' });
      expect(findOne(objects, 'RequestAuthentication').metadata.namespace).toBe('myapp');
      expect(findOne(objects, 'AuthorizationPolicy', 'myapp-callers').metadata.namespace).toBe('myapp');
      expect(findOne(objects, 'Deployment', 'oauth2-proxy').metadata.namespace).toBe('auth');
    });

    test('leaves the app open to the mesh when asked, and refuses caller namespaces then or when they are not namespace names', () => {
      expect(synth({ restrictMeshCallers: false }).objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'ALLOW')).toEqual([]);
      expect(() => synth({ restrictMeshCallers: false, meshCallerNamespaces: ['monitoring'] })).toThrow(
        'test/auth: meshCallerNamespaces: is ["monitoring"] but restrictMeshCallers is false, so every caller in the mesh is admitted anyway; drop meshCallerNamespaces, or leave restrictMeshCallers on');
      expect(() => synth({ meshCallerNamespaces: ['Monitoring'] })).toThrow('test/auth: meshCallerNamespaces[0]: "Monitoring"');
    });

    test('leaves the RequestAuthentication and the ServiceEntry out when asked', () => {
      const { objects } = synth({ requestAuthentication: false, serviceEntry: false });
      expect(objects.filter((o) => o.kind === 'RequestAuthentication' || o.kind === 'ServiceEntry')).toEqual([]);
    });
  });

  describe('Entra ID client_credentials', () => {
    const provider = (version?: EntraAccessTokenVersion) =>
      OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, servicePrincipalIds: [SP], accessTokenVersion: version });

    test('accept bearer tokens and admit the service principal by subject', () => {
      const { objects } = synth({ provider: provider() });
      const cfg = configFile(objects);
      expect(cfg).toContain('skip_jwt_bearer_tokens = true\n');
      expect(cfg).toContain('authenticated_emails_file = "/etc/oauth2-proxy/authenticated-emails.txt"\n');
      expect(findOne(objects, 'ConfigMap', 'oauth2-proxy').data['authenticated-emails.txt']).toBe(`${SP}\n`);
    });

    test('accept v1 tokens (sts.windows.net, audience api://<client id>) in oauth2-proxy and the RequestAuthentication', () => {
      const { objects } = synth({ provider: provider() });
      expect(configFile(objects)).toContain(`extra_jwt_issuers = ["https://sts.windows.net/${TENANT}/=api://${CLIENT}"]\n`);
      expect(findOne(objects, 'RequestAuthentication').spec.jwtRules[1]).toEqual({
        issuer: `https://sts.windows.net/${TENANT}/`, jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/keys`, audiences: [`api://${CLIENT}`],
      });
      // oauth2-proxy discovers the v1 issuer, whose keys are on login.windows.net
      expect(findOne(objects, 'ServiceEntry').spec.hosts).toEqual(['graph.microsoft.com', 'login.microsoftonline.com', 'login.windows.net', 'sts.windows.net']);
    });

    test('keeps the validated token for the app only when asked (forwardToken), and refuses that without a RequestAuthentication', () => {
      const rules = (objects: any[]) => findOne(objects, 'RequestAuthentication').spec.jwtRules;
      // Istio removes the validated token before the app unless forwardOriginalToken is set
      expect(rules(synth({ provider: provider() }).objects).every((r: any) => r.forwardOriginalToken === undefined)).toBe(true);
      const kept = rules(synth({ provider: provider(), forwardToken: true }).objects);
      expect(kept).toHaveLength(2);
      expect(kept.every((r: any) => r.forwardOriginalToken === true)).toBe(true);
      expect(() => synth({ provider: provider(), forwardToken: true, requestAuthentication: false }))
        .toThrow('test/auth: forwardToken: true, but requestAuthentication is false: without a RequestAuthentication nothing removes the token, so the app gets it anyway; '
          + 'drop forwardToken, or leave requestAuthentication on');
    });

    test('need no second issuer when the app registration issues v2 access tokens', () => {
      const { objects } = synth({ provider: provider(EntraAccessTokenVersion.V2) });
      expect(configFile(objects)).not.toContain('extra_jwt_issuers');
      expect(findOne(objects, 'RequestAuthentication').spec.jwtRules).toHaveLength(1);
    });

    test('may be the only way in, without email domains', () => {
      const { objects } = synth({ provider: provider(), emailDomains: undefined });
      expect(configFile(objects)).not.toContain('email_domains');
    });
  });

  describe('other providers', () => {
    test('a generic OIDC provider derives its egress host and issuer', () => {
      const { objects } = synth({ provider: OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org/oauth2/default', clientId: 'myapp', acceptBearerTokens: true, egressHosts: ['login.example.org'] }) });
      const cfg = configFile(objects);
      expect(cfg).toContain('provider = "oidc"\n');
      expect(cfg).toContain('oidc_issuer_url = "https://idp.example.org/oauth2/default"\n');
      expect(cfg).toContain('skip_jwt_bearer_tokens = true\n');
      expect(findOne(objects, 'ServiceEntry').spec.hosts).toEqual(['idp.example.org', 'login.example.org']);
      expect(findOne(objects, 'RequestAuthentication').spec.jwtRules).toEqual([{ issuer: 'https://idp.example.org/oauth2/default', audiences: ['myapp'] }]);
    });

    test('Keycloak uses keycloak-oidc with PKCE and the realm\'s keys', () => {
      const { objects } = synth({ provider: OAuth2Provider.keycloak({ realmUrl: 'https://keycloak.example.org/realms/corp', clientId: 'myapp', allowedRoles: ['myapp:user'] }) });
      const cfg = configFile(objects);
      for (const line of ['provider = "keycloak-oidc"', 'oidc_issuer_url = "https://keycloak.example.org/realms/corp"', 'code_challenge_method = "S256"', 'allowed_roles = ["myapp:user"]']) {
        expect(cfg).toContain(`${line}\n`);
      }
      expect(findOne(objects, 'RequestAuthentication').spec.jwtRules).toEqual([{
        issuer: 'https://keycloak.example.org/realms/corp', jwksUri: 'https://keycloak.example.org/realms/corp/protocol/openid-connect/certs', audiences: ['myapp'],
      }]);
      expect(findOne(objects, 'ServiceEntry').spec.hosts).toEqual(['keycloak.example.org']);
    });

    test('with allowedGroups, OIDC and Keycloak request openid email profile, not the "groups" scope oauth2-proxy would add', () => {
      const oidc = configFile(synth({ provider: OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp', allowedGroups: ['admins'] }) }).objects);
      expect(oidc).toContain('scope = "openid email profile"\n');
      expect(oidc).toContain('allowed_groups = ["admins"]\n');
      const keycloak = configFile(synth({ provider: OAuth2Provider.keycloak({ realmUrl: 'https://keycloak.example.org/realms/corp', clientId: 'myapp', allowedGroups: ['/admins'] }) }).objects);
      expect(keycloak).toContain('scope = "openid email profile"\n');
      expect(configFile(synth({ provider: OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp', scope: 'openid email' }) }).objects))
        .toContain('scope = "openid email"\n');
    });

    test('refuses an empty scope, which would let oauth2-proxy choose (and add "groups")', () => {
      expect(setup({ provider: OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp', allowedGroups: ['admins'], scope: '' }) }).build)
        .toThrow('test/auth: provider.scope: received ""; give the scopes separated by spaces, e.g. "openid email profile"');
      expect(setup({ provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, scope: ' ' }) }).build)
        .toThrow('test/auth: provider.scope: received " "; give the scopes separated by spaces, e.g. "openid email profile offline_access"');
    });

    test('reads the email from another claim when asked (accounts without an email claim)', () => {
      const entra = configFile(synth({ provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, emailClaim: 'preferred_username' }) }).objects);
      expect(entra).toContain('oidc_email_claim = "preferred_username"\n');
      const oidc = configFile(synth({ provider: OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp', emailClaim: 'upn' }) }).objects);
      expect(oidc).toContain('oidc_email_claim = "upn"\n');
      expect(configFile(synth().objects)).not.toContain('oidc_email_claim');
      expect(setup({ provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, emailClaim: ' ' }) }).build)
        .toThrow('test/auth: provider.emailClaim: received " "; give a claim name, e.g. "preferred_username"');
    });

    test('a Keycloak on another port than 443 gets that port in the ServiceEntry too', () => {
      const { objects } = synth({ provider: OAuth2Provider.keycloak({ realmUrl: 'https://keycloak.example.org:8443/realms/corp', clientId: 'myapp' }) });
      const se = findOne(objects, 'ServiceEntry').spec;
      expect(se.hosts).toEqual(['keycloak.example.org']);
      expect(se.ports).toEqual([{ name: 'tls', number: 443, protocol: 'TLS' }, { name: 'tls-8443', number: 8443, protocol: 'TLS' }]);
      expect(configFile(objects)).toContain('oidc_issuer_url = "https://keycloak.example.org:8443/realms/corp"\n');
    });

    test('sessions are refreshed a minute before the provider\'s tokens expire: Keycloak\'s 5 minutes by default, or the lifetime given', () => {
      const refreshOf = (provider: OAuth2Provider) => /cookie_refresh = "([^"]+)"/.exec(configFile(synth({ provider }).objects))![1];
      const realmUrl = 'https://keycloak.example.org/realms/corp';
      expect(refreshOf(OAuth2Provider.keycloak({ realmUrl, clientId: 'myapp' }))).toBe('4m');
      expect(refreshOf(OAuth2Provider.keycloak({ realmUrl, clientId: 'myapp', tokenLifetime: Duration.minutes(15) }))).toBe('14m');
      expect(refreshOf(OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT }))).toBe('59m');
      // an OIDC provider whose token lifetime isn't known keeps the seed's hour
      expect(refreshOf(OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp' }))).toBe('1h');
      expect(refreshOf(OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp', tokenLifetime: Duration.minutes(10) }))).toBe('9m');
      // a minute before a one-minute token would be 0, which turns refreshing off: halfway instead
      expect(refreshOf(OAuth2Provider.keycloak({ realmUrl, clientId: 'myapp', tokenLifetime: Duration.minutes(1) }))).toBe('30s');
      expect(refreshOf(OAuth2Provider.keycloak({ realmUrl, clientId: 'myapp', tokenLifetime: Duration.seconds(90) }))).toBe('45s');
    });
  });

  describe('mode AUTHORIZATION_POLICY (the default)', () => {
    test('puts an AuthorizationPolicy with action CUSTOM on the ingress gateway for the app host, except /oauth2/*', () => {
      const { objects } = synth();
      expect(customPolicy(objects)).toEqual({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'ext-authz-myapp-myapp', namespace: 'istio-system' },
        spec: {
          selector: { matchLabels: { istio: 'ingressgateway' } },
          action: 'CUSTOM',
          provider: { name: 'oauth2-proxy-myapp' },
          rules: [{ to: [{ operation: { hosts: ['myapp.cluster.example.com', 'myapp.cluster.example.com:*'], notPaths: ['/oauth2/*'] } }] }],
        },
      });
    });

    test('describes the extension provider for the mesh config, pointing at the oauth2-proxy Service FQDN and port', () => {
      const { auth } = synth();
      expect(auth.extensionProvider).toEqual({
        name: 'oauth2-proxy-myapp',
        envoyExtAuthzHttp: {
          service: 'oauth2-proxy.myapp.svc.cluster.local',
          port: 4180,
          timeout: '5s',
          // Accept: oauth2-proxy answers a script or API client without a session 401 (Accept: application/json), not a login redirect
          includeRequestHeadersInCheck: ['accept', 'authorization', 'cookie', 'x-forwarded-proto'],
          headersToUpstreamOnAllow: ['authorization', 'x-auth-request-access-token', 'x-auth-request-email', 'x-auth-request-groups', 'x-auth-request-preferred-username', 'x-auth-request-user'],
          headersToDownstreamOnAllow: ['set-cookie'],
          headersToDownstreamOnDeny: ['content-type', 'set-cookie'],
        },
      });
    });

    test('writes the Service FQDNs of the provider and the routes with the cluster domain given, and the wiring checks resolve them', () => {
      const { auth, objects } = synth({ clusterDomain: 'k8s.example.com' });
      expect(auth.extensionProvider.envoyExtAuthzHttp.service).toBe('oauth2-proxy.myapp.svc.k8s.example.com');
      const hosts = objects.filter((o: any) => o.kind === 'VirtualService').flatMap((vs: any) => vs.spec.http.filter((h: any) => h.route).map((h: any) => h.route[0].destination.host));
      expect(new Set(hosts)).toEqual(new Set(['oauth2-proxy.myapp.svc.k8s.example.com', 'myapp.myapp.svc.k8s.example.com']));
    });

    test('emits the mesh-config fragment as YAML and as a clearly named ConfigMap in the ingress namespace', () => {
      const { auth, objects } = synth();
      expect(auth.meshConfigYaml).toMatch(/^meshConfig:\n {2}extensionProviders:\n {4}- name: oauth2-proxy-myapp\n/);
      const fragment = findOne(objects, 'ConfigMap', 'oauth2-proxy-myapp-mesh-config');
      expect(fragment.metadata.namespace).toBe('istio-system');
      expect(fragment.data).toEqual({ 'meshConfig.yaml': auth.meshConfigYaml });
    });

    test('derives the provider fields from the Istio release', () => {
      const provider = (istioVersion: string) => synth({ istioVersion, meshConfigApplied: true }).auth.extensionProvider.envoyExtAuthzHttp;
      expect(Object.keys(provider('1.12'))).toEqual(['service', 'port', 'timeout', 'includeRequestHeadersInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny']);
      expect(Object.keys(provider('1.9'))).toEqual(['service', 'port', 'includeHeadersInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny']);
    });

    test('emits the policy on Istio before 1.20 once the provider is said to be in the mesh config', () => {
      const { objects } = synth({ istioVersion: '1.19.3', meshConfigApplied: true });
      expect(customPolicy(objects).spec.provider).toEqual({ name: 'oauth2-proxy-myapp' });
      expectSchemaValid(objects);
    });

    test('needs no word about the mesh config from Istio 1.20, which denies only the policy\'s own requests', () => {
      const { objects } = synth({ istioVersion: '1.20.0' });
      expect(customPolicy(objects).spec.action).toBe('CUSTOM');
    });

    test('emits v1beta1 Istio objects for releases before 1.22', () => {
      const { objects } = synth({ istioVersion: '1.21' });
      expect(customPolicy(objects).apiVersion).toBe('security.istio.io/v1beta1');
      expect(findOne(objects, 'RequestAuthentication').apiVersion).toBe('security.istio.io/v1beta1');
      expect(findOne(objects, 'ServiceEntry').apiVersion).toBe('networking.istio.io/v1beta1');
      expectSchemaValid(objects);
    });
  });

  describe('mode ENVOY_FILTER', () => {
    test('inserts ext_authz before the router of the app host\'s filter chain on the gateway, instead of the policy', () => {
      const { objects, auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
      expect(objects.filter((o) => (o.kind === 'AuthorizationPolicy' && o.spec.action === 'CUSTOM') || o.metadata.name.endsWith('mesh-config'))).toEqual([]);
      expect(auth.extensionProvider).toBeUndefined();
      const filter = findOne(objects, 'EnvoyFilter');
      expect(filter.apiVersion).toBe('networking.istio.io/v1alpha3');
      expect(filter.metadata).toEqual({ name: 'ext-authz-myapp-myapp', namespace: 'istio-system' });
      expect(filter.spec.workloadSelector).toEqual({ labels: { istio: 'ingressgateway' } });
      const [patch] = filter.spec.configPatches;
      expect(patch.applyTo).toBe('HTTP_FILTER');
      expect(patch.match).toEqual({
        context: 'GATEWAY',
        listener: { filterChain: { sni: 'myapp.cluster.example.com', filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } },
      });
      expect(patch.patch.operation).toBe('INSERT_BEFORE');
      expect(patch.patch.value).toEqual(auth.extAuthzFilter);
      expectSchemaValid(objects);
    });

    test('calls oauth2-proxy with the seed\'s header allow-lists, in snake_case throughout', () => {
      const { auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
      const config = auth.extAuthzFilter.typed_config;
      expect(auth.extAuthzFilter.name).toBe('envoy.filters.http.ext_authz');
      expect(config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz');
      expect(config.http_service.server_uri).toEqual({
        uri: 'http://oauth2-proxy.myapp.svc.cluster.local:4180',
        cluster: 'outbound|4180||oauth2-proxy.myapp.svc.cluster.local',
        timeout: '5s',
      });
      expect(config.allowed_headers.patterns).toContainEqual({ exact: 'cookie' });
      expect(config.allowed_headers.patterns).toContainEqual({ prefix: 'x-auth-request' });
      expect(config.http_service.authorization_response.allowed_upstream_headers.patterns).toContainEqual({ exact: 'authorization' });
      expect(config.http_service.authorization_response.allowed_client_headers.patterns).toContainEqual({ exact: 'set-cookie' });
      const keys = JSON.stringify(config).match(/"[A-Za-z_@]+":/g)!.map((k) => k.slice(1, -2));
      expect(keys.filter((k) => /[A-Z]/.test(k))).toEqual([]);
    });

    test('lets the callback\'s redirect and session cookie through, since the filter also checks /oauth2/* of the app host', () => {
      const { auth, objects } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
      const clientHeaders = auth.extAuthzFilter.typed_config.http_service.authorization_response.allowed_client_headers.patterns;
      expect(clientHeaders).toEqual(expect.arrayContaining([{ exact: 'location' }, { exact: 'set-cookie' }]));
      // no exemption on the app host: its virtual host is not patched
      const vhosts = findOne(objects, 'EnvoyFilter').spec.configPatches.map((p: any) => p.match.routeConfiguration?.vhost?.name ?? null);
      expect(vhosts).toStrictEqual([null, 'oauth.cluster.example.com:443', null]);
    });

    test('turns the filter off on the auth host, which shares the filter chain of the Gateway server', () => {
      const { objects } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
      const filter = findOne(objects, 'EnvoyFilter');
      expect(filter.spec.configPatches[0].match.listener.filterChain.sni).toBe('myapp.cluster.example.com');
      expect(findOne(objects, 'Gateway', 'myapp').spec.servers[0].hosts).toContain('oauth.cluster.example.com');
      expect(filter.spec.configPatches[1]).toEqual({
        applyTo: 'VIRTUAL_HOST',
        match: { context: 'GATEWAY', routeConfiguration: { vhost: { name: 'oauth.cluster.example.com:443' } } },
        patch: {
          operation: 'MERGE',
          value: {
            typed_per_filter_config: {
              'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', 'disabled': true },
            },
          },
        },
      });
      // the name the per-route config is keyed by is the inserted filter's
      expect(Object.keys(filter.spec.configPatches[1].patch.value.typed_per_filter_config)).toEqual([filter.spec.configPatches[0].patch.value.name]);
    });

    test('checks the auth host\'s patch against Envoy\'s protos as a fragment of a VirtualHost', () => {
      const s = setup({ mode: ExtAuthzMode.ENVOY_FILTER });
      const auth = s.build();
      auth.envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/1/patch/value/typed_per_filter_config/envoy.filters.http.ext_authz/disabled', false));
      expect(() => runValidations(s.chart)).toThrow('test/auth: envoyFilter.configPatches[1]:');
      expect(() => runValidations(s.chart)).toThrow('disabled');
      const t = setup({ mode: ExtAuthzMode.ENVOY_FILTER });
      t.build().envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/1/patch/value/per_filter_config', {}));
      expect(() => runValidations(t.chart)).toThrow(/test\/auth: envoyFilter\.configPatches\[1\]: [\s\S]*field "per_filter_config" was removed from envoy.config.route.v3.VirtualHost:[\s\S]*use typed_per_filter_config/);
    });

    test('uses the filter names and fields of older releases', () => {
      const { objects, auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER, istioVersion: '1.8' });
      const [patch] = findOne(objects, 'EnvoyFilter').spec.configPatches;
      expect(patch.match.listener.filterChain.filter).toEqual({ name: 'envoy.http_connection_manager', subFilter: { name: 'envoy.router' } });
      const config = auth.extAuthzFilter.typed_config;
      expect(config.allowed_headers).toBeUndefined();
      expect(config.http_service.authorization_request.allowed_headers.patterns).toContainEqual({ exact: 'cookie' });
      expect(config.http_service.authorization_response.allowed_client_headers_on_success).toBeUndefined();
      expect(findOne(objects, 'Deployment', 'oauth2-proxy').spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
    });

    test('passes Envoy\'s own v3 protos for every release it emits', () => {
      for (const istioVersion of ['1.8', '1.14', '1.19', '1.30']) {
        expect(() => synth({ mode: ExtAuthzMode.ENVOY_FILTER, istioVersion })).not.toThrow();
      }
      // and uses no deprecated field on current releases
      const { auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
      expect(EnvoyConfigValidator.validate(auth.extAuthzFilter, EnvoyConfigValidator.HTTP_FILTER)).toEqual({ valid: true, errors: [], warnings: [] });
    });

    test('fails synth when a misspelled Envoy field reaches the filter', () => {
      const s = setup({ mode: ExtAuthzMode.ENVOY_FILTER });
      const auth = s.build();
      auth.envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/0/patch/value/typed_config/http_service/server_uri/timout', '1s'));
      expect(() => runValidations(s.chart)).toThrow(/test\/auth: envoyFilter: Envoy would reject this envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpFilter \(1 error, checked against Envoy's v3 API\):\n\s+typed_config\.http_service\.server_uri\.timout: .*timout/);
    });

    test('checks a patch added through the escape hatch too', () => {
      const s = setup({ mode: ExtAuthzMode.ENVOY_FILTER });
      s.build().envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/-', {
        applyTo: 'HTTP_FILTER',
        match: { context: 'GATEWAY' },
        patch: { operation: 'INSERT_FIRST', value: { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Corss' } } },
      }));
      expect(() => runValidations(s.chart)).toThrow(/test\/auth: envoyFilter\.configPatches\[3\]: [\s\S]*Corss/);
      // a REMOVE patch has no value to check
      const t = setup({ mode: ExtAuthzMode.ENVOY_FILTER });
      t.build().envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/-', {
        applyTo: 'HTTP_FILTER', match: { context: 'GATEWAY', listener: { filterChain: { filter: { subFilter: { name: 'envoy.filters.http.cors' } } } } }, patch: { operation: 'REMOVE' },
      }));
      expect(() => runValidations(t.chart)).not.toThrow();
    });

    test('honours the check timeout', () => {
      const { auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER, checkTimeout: Duration.millis(1500) });
      expect(auth.extAuthzFilter.typed_config.http_service.server_uri.timeout).toBe('1.5s');
    });
  });

  describe('without an auth host', () => {
    test('serves only the app host: one host on the Gateway and the certificate, no auth route', () => {
      const { objects, auth } = synth({ authHost: undefined, certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') }) });
      expect(auth.authRoute).toBeUndefined();
      expect(findOne(objects, 'Certificate').spec.dnsNames).toEqual(['myapp.cluster.example.com']);
      expect(findOne(objects, 'Gateway', 'myapp').spec.servers.map((s: any) => s.hosts)).toEqual([['myapp.cluster.example.com']]);
      expect(objects.filter((o) => o.kind === 'VirtualService').map((o) => o.metadata.name)).toEqual(['myapp']);
      // the login still runs on the app host
      expect(findOne(objects, 'VirtualService', 'myapp').spec.http[0].match).toEqual([{ uri: { prefix: '/oauth2/' } }]);
      expect(configFile(objects)).toContain('redirect_url = "https://myapp.cluster.example.com/oauth2/callback"');
      expectSchemaValid(objects);
    });

    test('ENVOY_FILTER mode has no auth host patch, and checks the identity-header patch where it now is', () => {
      const { objects } = synth({ authHost: undefined, mode: ExtAuthzMode.ENVOY_FILTER });
      const patches = findOne(objects, 'EnvoyFilter').spec.configPatches;
      expect(patches.map((p: any) => [p.applyTo, p.patch.operation])).toEqual([['HTTP_FILTER', 'INSERT_BEFORE'], ['HTTP_FILTER', 'INSERT_FIRST']]);
      expect(patches[1].patch.value.name).toBe('envoy.filters.http.lua');
      const s = setup({ authHost: undefined, mode: ExtAuthzMode.ENVOY_FILTER });
      s.build().envoyFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/1/patch/value/typed_config/default_source_code/inlin_string', 'x'));
      expect(() => runValidations(s.chart)).toThrow(/test\/auth: envoyFilter\.configPatches\[1\]: [\s\S]*unknown field "inlin_string"/);
    });
  });

  describe('bad input', () => {
    test('fails when the cookie secret reference is missing', () => {
      const { build } = setup({ cookieSecret: undefined as any });
      expect(build).toThrow('test/auth: cookieSecret: received undefined; pass a SecretValue ({ secret, key }) of the Secret key holding 16, 24 or 32 random bytes, e.g. from `openssl rand -base64 32 | tr -- \'+/\' \'-_\'`');
    });

    test('fails on a name its routes would share with the app\'s, or that a Service can\'t take', () => {
      // oauth2-proxy in its own namespace, named as the app: the app host's and the auth host's routes would both be auth/myapp
      expect(setup({ name: 'myapp', namespace: 'auth' }).build)
        .toThrow('test/auth: name: "myapp" is also the app Service\'s name, and the routes of the app host and of the auth host would both name their VirtualService "auth/myapp"; give oauth2-proxy another name');
      expect(setup({ name: 'myapp', namespace: 'auth', authHost: undefined }).build).not.toThrow();
      expect(setup({ name: '2fa' }).build).toThrow('test/auth: name: "2fa" starts with a digit, which a Service name can\'t; start it with a letter, e.g. "s-2fa"');
    });

    test('fails when the cookie secret reference has no key', () => {
      const s = setup();
      const { build } = setup({ cookieSecret: { secret: s.secrets, key: '' } });
      expect(build).toThrow('test/auth: cookieSecret: received a reference without a key;');
    });

    test('fails when a host is outside the certificate\'s wildcard', () => {
      const { build } = setup({ appHost: 'myapp.example.com', authHost: 'oauth.example.com' });
      expect(build).toThrow('test/auth: appHost: "myapp.example.com" is not covered by Certificate istio-system/tls-myapp-production (dnsNames: *.cluster.example.com); a "*." wildcard covers exactly one label; use a host the certificate covers or add the host to its dnsNames');
    });

    test('fails when a host is two labels below the wildcard', () => {
      const { build } = setup({ authHost: 'oauth.auth.cluster.example.com' });
      expect(build).toThrow('test/auth: authHost: "oauth.auth.cluster.example.com" is not covered by Certificate istio-system/tls-myapp-production');
    });

    test('fails when the app host equals the auth host', () => {
      const { build } = setup({ authHost: 'myapp.cluster.example.com' });
      expect(build).toThrow('test/auth: authHost: "myapp.cluster.example.com" is the same as appHost; give oauth2-proxy a host of its own next to the app\'s, e.g. "oauth.cluster.example.com", or leave authHost out (oauth2-proxy is then reached under /oauth2/ on the app host)');
    });

    test('shares the session cookie with a domain only when asked (cookie.domain), the app host itself listed bare when it is the domain', () => {
      const shared = synth({ cookie: { domain: 'cluster.example.com' } });
      expect(shared.auth.cookieDomain).toBe('cluster.example.com');
      expect(shared.auth.cookieHostOnly).toBe(false);
      expect(configFile(shared.objects)).toContain('cookie_domains = [".cluster.example.com"]\n');
      expect(configFile(shared.objects)).toContain('whitelist_domains = [".cluster.example.com"]');
      const certificate = IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production') });
      const apex = synth({ appHost: 'cluster.example.com', authHost: 'oauth.cluster.example.com', certificate, cookie: { domain: '.cluster.example.com' } });
      // oauth2-proxy takes the longest domain the host ends with: the app host itself needs the bare entry
      expect(configFile(apex.objects)).toContain('cookie_domains = [".cluster.example.com", "cluster.example.com"]');
      // by default host-only, whatever the hosts
      expect(configFile(synth({ appHost: 'cluster.example.com', authHost: 'oauth.cluster.example.com', certificate }).objects)).not.toContain('cookie_domains');
    });

    test('fails on a cookie domain the app host is not below', () => {
      expect(setup({ cookie: { domain: 'example.org' } }).build).toThrow(
        'test/auth: cookie.domain: "example.org" is not the app host "myapp.cluster.example.com" nor a domain above it; give a domain the app host ends with, e.g. "cluster.example.com", or leave cookie.domain out for a host-only cookie');
      expect(setup({ cookie: { domain: 'com' } }).build).toThrow('test/auth: cookie.domain: "com" is not the app host');
    });

    test('fails when the Entra ID provider has no tenant', () => {
      const { build } = setup({ provider: OAuth2Provider.entraId({ tenantId: '', clientId: CLIENT }) });
      expect(build).toThrow('test/auth: provider.tenantId: received ""; give the directory (tenant) ID from the app registration\'s overview page');
    });

    test('fails when the Entra ID tenant is a multi-tenant alias', () => {
      const { build } = setup({ provider: OAuth2Provider.entraId({ tenantId: 'common', clientId: CLIENT }) });
      expect(build).toThrow('test/auth: provider.tenantId: "common" is not a single tenant (multi-tenant aliases issue tokens from many issuers); give the directory (tenant) ID, a GUID such as "72f988bf-86f1-41af-91ab-2d7cd011db47"');
    });

    test('fails when the Entra ID tenant is a domain, which the issuer of its tokens never names', () => {
      const { build } = setup({ provider: OAuth2Provider.entraId({ tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT }) });
      expect(build).toThrow('test/auth: provider.tenantId: "contoso.onmicrosoft.com" is not a directory (tenant) ID: Entra\'s discovery documents name the issuer by the GUID, so with a domain oauth2-proxy\'s issuer check fails at start and the mesh\'s RequestAuthentication never matches the tokens; give the directory (tenant) ID GUID from the app registration\'s overview page');
    });

    test('an Entra ID provider with allowed groups asks for its own scopes only (Entra has no "groups" scope), offline_access among them, and User.Read for group overages', () => {
      const { objects } = synth({ provider: OAuth2Provider.entraId({ tenantId: TENANT, clientId: CLIENT, allowedGroups: ['0b9e1c2d-0000-4000-8000-000000000001'] }) });
      // a user in more than 200 groups gets no groups claim: oauth2-proxy reads them from Graph, with User.Read
      expect(configFile(objects)).toContain('scope = "openid email profile offline_access User.Read"\n');
      expect(configFile(synth().objects)).toContain('scope = "openid email profile offline_access"\n');
      expect(configFile(objects)).toContain('allowed_groups = ["0b9e1c2d-0000-4000-8000-000000000001"]\n');
    });

    test('fails when the OIDC provider has no issuer', () => {
      const { build } = setup({ provider: OAuth2Provider.oidc({ issuerUrl: undefined as any, clientId: 'myapp' }) });
      expect(build).toThrow('test/auth: provider.issuerUrl: received undefined; give the https URL of the issuer');
    });

    test('fails when the OIDC issuer is not https', () => {
      const { build } = setup({ provider: OAuth2Provider.oidc({ issuerUrl: 'http://idp.example.org', clientId: 'myapp' }) });
      expect(build).toThrow('test/auth: provider.issuerUrl: "http://idp.example.org" is not an https URL; identity providers must be reached over https; give the https URL');
    });

    test('fails when the Keycloak URL is not a realm URL', () => {
      const { build } = setup({ provider: OAuth2Provider.keycloak({ realmUrl: 'https://keycloak.example.org/', clientId: 'myapp' }) });
      expect(build).toThrow('test/auth: provider.realmUrl: "https://keycloak.example.org/" does not end in /realms/<realm>');
    });

    test('fails when the Certificate is for another ingress namespace than the Gateways', () => {
      const s = setup();
      const certificate = new IngressCertificate(s.chart, 'shared-cert', { issuer: IssuerRef.clusterIssuer('letsencrypt-production'), dnsNames: ['*.cluster.example.com'], ingressGateway: { namespace: 'istio-ingress' } });
      const { build } = { build: () => new OAuth2ProxyIstio(s.chart, 'auth', { ...s.props, certificate: IngressTls.fromCertificate(certificate) }) };
      expect(build).toThrow('test/auth: certificate: Certificate istio-ingress/tls-wildcard-cluster-example-com writes Secret "tls-wildcard-cluster-example-com" to namespace "istio-ingress", but the ingress gateway runs in "istio-system" and reads credentialName Secrets only from there; create the certificate with ingressGateway.namespace "istio-system"');
    });

    test('fails when the wildcard is not one', () => {
      const { build } = setup({ certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('x'), wildcard: 'cluster.example.com' }) });
      expect(build).toThrow('test/auth: certificate.wildcard: "cluster.example.com" is not a wildcard; give a name starting with "*.", e.g. "*.cluster.example.com", or leave wildcard out for a certificate of the hosts');
    });

    test('fails on a Redis URL with credentials in it, which would land in the ConfigMap', () => {
      const { build } = setup({ sessionStore: SessionStore.redis({ deploy: false, url: 'redis://:hunter2@sessions.shared.svc:6379' }) });
      expect(build).toThrow('test/auth: sessionStore.url: the URL carries credentials (user:password@), which would be written to the oauth2-proxy ConfigMap; '
        + 'give the URL without them and the password as password ({ secret, key }), which reaches oauth2-proxy through secretKeyRef');
    });

    test('fails when a Redis session store is requested with Redis disabled', () => {
      const { build } = setup({ sessionStore: SessionStore.redis({ deploy: false }) });
      expect(build).toThrow('test/auth: sessionStore: a Redis session store was requested with Redis disabled (deploy: false) and no url; pass the url of an existing Redis, or let the construct deploy one (deploy: true)');
    });

    test('fails when the deployed Redis would have no password', () => {
      const { build } = setup({ sessionStore: SessionStore.redis() });
      expect(build).toThrow('test/auth: sessionStore.password: received undefined for the Redis the construct deploys; pass a SecretValue ({ secret, key }) holding the Redis password');
    });

    test('fails in AUTHORIZATION_POLICY mode on Istio before 1.9', () => {
      const { build } = setup({ istioVersion: '1.8.6' });
      expect(build).toThrow('test/auth: mode: AUTHORIZATION_POLICY needs Istio 1.9 or newer (action CUSTOM and mesh-config extension providers), but istioVersion is "1.8.6"; use ExtAuthzMode.ENVOY_FILTER on this release, or upgrade Istio');
    });

    test('fails in AUTHORIZATION_POLICY mode on Istio before 1.20 unless the provider is said to be in the mesh config', () => {
      const { build } = setup({ istioVersion: '1.19.3' });
      expect(build).toThrow('test/auth: meshConfigApplied: not set, with mode AUTHORIZATION_POLICY on Istio 1.19.3: before Istio 1.20, a CUSTOM AuthorizationPolicy whose extension provider is not in the mesh config makes istiod deny every request to the ingress gateway it selects, for every host that gateway serves, not only "myapp.cluster.example.com"; add the extension provider (meshConfigYaml) to the mesh config first, then set meshConfigApplied: true; or use ExtAuthzMode.ENVOY_FILTER, or Istio 1.20 or newer');
    });

    test('fails on a malformed Istio version', () => {
      const { build } = setup({ istioVersion: 'latest' });
      expect(build).toThrow('test/auth: istioVersion: "latest" is not an Istio version; give a release such as "1.30" or "1.30.3"');
    });

    test('fails when nobody may log in', () => {
      const { build } = setup({ emailDomains: undefined });
      expect(build).toThrow('test/auth: emailDomains: received none, and no authenticated emails or service principals admit anyone; list the email domains whose users may log in (["*"] for every account the provider authenticates)');
    });

    test('fails when sessions would be refreshed after the cookie expired', () => {
      const { build } = setup({ cookie: { refresh: Duration.hours(4), expire: Duration.hours(3) } });
      expect(build).toThrow('test/auth: cookie.refresh: 4h is not shorter than cookie.expire (3h); refresh sessions before the cookie expires (and before the tokens do, after 1h)');
      const oidc = OAuth2Provider.oidc({ issuerUrl: 'https://idp.example.org', clientId: 'myapp' });
      const unknownLifetime = setup({ provider: oidc, cookie: { refresh: Duration.hours(2), expire: Duration.hours(1) } });
      expect(unknownLifetime.build).toThrow('test/auth: cookie.refresh: 2h is not shorter than cookie.expire (1h); refresh sessions before the cookie expires, or set refresh to 0 to disable refreshing');
      expect(configFile(synth({ provider: oidc, cookie: { refresh: Duration.seconds(0) } }).objects)).toContain('cookie_refresh = "0h"\n');
    });

    test('fails when sessions would be refreshed only after the provider\'s tokens expired, or never', () => {
      const { build } = setup({ cookie: { refresh: Duration.hours(1) } });
      expect(build).toThrow('test/auth: cookie.refresh: 1h is not shorter than the provider\'s token lifetime (1h): oauth2-proxy checks a session\'s token only when it refreshes the session, '
        + 'so from the token\'s expiry to the refresh it keeps passing the expired ID token on, and the app\'s RequestAuthentication (or the app) answers 401 to a signed-in user; '
        + 'refresh before the tokens expire (leave refresh out: a minute before), end sessions by then (cookie.expire at most 1h, with refresh left out), or give the provider the tokenLifetime your identity provider really uses');
      expect(setup({ cookie: { refresh: Duration.seconds(0) } }).build).toThrow('end sessions by then (cookie.expire at most 1h), or give the provider');
      const never = setup({ cookie: { refresh: Duration.seconds(0) } });
      expect(never.build).toThrow('test/auth: cookie.refresh: 0 (no refreshing) is not shorter than the provider\'s token lifetime (1h): oauth2-proxy checks a session\'s token only when it refreshes the session, '
        + 'so once the token expires it keeps passing');
      // sessions that end before their token need no refreshing: 0 is taken, and the default then
      const short = (cookie: object) => configFile(synth({ cookie: { expire: Duration.minutes(30), ...cookie } }).objects);
      expect(short({ refresh: Duration.seconds(0) })).toContain('cookie_refresh = "0h"\n');
      expect(short({})).toContain('cookie_refresh = "0h"\n');
      expect(setup({ cookie: { expire: Duration.minutes(30), refresh: Duration.minutes(45) } }).build)
        .toThrow('test/auth: cookie.refresh: 45m is not shorter than cookie.expire (30m); refresh sessions before the cookie expires, or set refresh to 0 to disable refreshing');
    });

    test('refuses SameSite=Strict with a provider on another site (the login cookie would stay behind on the way back), and takes it on the app\'s site', () => {
      const { build } = setup({ cookie: { sameSite: CookieSameSite.STRICT } });
      expect(build).toThrow('test/auth: cookie.sameSite: STRICT, with the provider\'s login at "login.microsoftonline.com", another site than "myapp.cluster.example.com": '
        + 'oauth2-proxy gives its login (CSRF) cookie the same attribute, so the browser, sent back from the login by the other site, leaves it out, and every callback fails ("Unable to find a valid CSRF token"); '
        + 'use CookieSameSite.LAX (the default: the cookie goes along on top-level navigations from other sites, not on their embedded or cross-site POST requests)');
      const keycloak = OAuth2Provider.keycloak({ realmUrl: 'https://sso.example.com/realms/myrealm', clientId: 'myapp' });
      expect(configFile(synth({ provider: keycloak, cookie: { sameSite: CookieSameSite.STRICT } }).objects)).toContain('cookie_samesite = "strict"\n');
    });

    test('fails on a token lifetime under a minute', () => {
      const { build } = setup({ provider: OAuth2Provider.keycloak({ realmUrl: 'https://keycloak.example.com/realms/myrealm', clientId: 'myapp', tokenLifetime: Duration.seconds(30) }) });
      expect(build).toThrow('test/auth: provider.tokenLifetime: received 30s; give the lifetime the provider gives its tokens, at least Duration.minutes(1)');
    });

    test('fails on SameSite=None without secure cookies', () => {
      const { build } = setup({ cookie: { sameSite: CookieSameSite.NONE, secure: false } });
      expect(build).toThrow('test/auth: cookie.sameSite: NONE with secure: false; browsers drop SameSite=None cookies that are not secure; keep secure: true');
    });

    test('fails at synth when another CUSTOM provider already claims the ingress gateway', () => {
      const s = setup();
      s.build();
      const other = new kplus.Service(s.chart, 'other', { metadata: { name: 'other', namespace: 'other' }, selector: s.app, ports: [{ port: 80, targetPort: 80 }] });
      new OAuth2ProxyIstio(s.chart, 'auth2', { ...s.props, app: other, appHost: 'other.cluster.example.com', authHost: 'oauth-other.cluster.example.com' });
      expect(() => runValidations(s.chart)).toThrow('test/auth: mode: AuthorizationPolicy istio-system/ext-authz-other-other already sends the same ingress gateway to provider "oauth2-proxy-other", and Istio applies one CUSTOM provider per workload unless istiod runs with PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS=true (Istio 1.30+); use ExtAuthzMode.ENVOY_FILTER or another ingress gateway for this app, or share one provider, or set that variable on istiod and multipleCustomProviders: true on each OAuth2ProxyIstio');
    });

    test('a CUSTOM policy of another provider reaches the gateway without its exact selector: mesh-wide in the root namespace, or with more labels', () => {
      const policy = (name: string, namespace: string, selector?: Record<string, string>) => ({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name, namespace },
        spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] },
      });
      const failsWith = (extra: any) => {
        const s = setup();
        s.build();
        new ApiObject(s.chart, 'extra', extra);
        return () => runValidations(s.chart);
      };
      expect(failsWith(policy('opa-mesh', 'istio-system'))).toThrow('test/auth: mode: AuthorizationPolicy istio-system/opa-mesh already sends the same ingress gateway to provider "opa"');
      expect(failsWith(policy('opa-gw', 'istio-system', { istio: 'ingressgateway', app: 'istio-ingressgateway' })))
        .toThrow('test/auth: mode: AuthorizationPolicy istio-system/opa-gw already sends the same ingress gateway to provider "opa"');
      // another workload's policy, or one in an app namespace, leaves the gateway alone
      expect(failsWith(policy('opa-other', 'istio-system', { istio: 'egressgateway' }))).not.toThrow();
      expect(failsWith(policy('opa-app', 'myapp'))).not.toThrow();
    });

    test('fails on multipleCustomProviders before Istio 1.30', () => {
      const { build } = setup({ multipleCustomProviders: true, istioVersion: '1.29.1' });
      expect(build).toThrow('test/auth: multipleCustomProviders: multipleCustomProviders needs Istio 1.30 or newer (istiod\'s PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS; earlier releases apply one CUSTOM provider per workload), but istioVersion is "1.29.1"; upgrade Istio, or give this app another ingress gateway or ExtAuthzMode.ENVOY_FILTER');
    });

    test('fails on multipleCustomProviders in ENVOY_FILTER mode, which has no CUSTOM provider', () => {
      const { build } = setup({ multipleCustomProviders: true, mode: ExtAuthzMode.ENVOY_FILTER });
      expect(build).toThrow('test/auth: multipleCustomProviders: true with mode ENVOY_FILTER, which adds no CUSTOM provider; remove multipleCustomProviders, or use ExtAuthzMode.AUTHORIZATION_POLICY');
    });

    /** A second OAuth2ProxyIstio of the app, in another chart, for the app `other` (ENVOY_FILTER mode: no second CUSTOM provider). */
    function second(s: ReturnType<typeof setup>, overrides: Partial<OAuth2ProxyIstioProps>) {
      const chart = new Chart(s.chart.node.root, 'second');
      const app = new kplus.Deployment(chart, 'other-app', {
        metadata: { name: 'other', namespace: 'other' },
        containers: [{ name: 'other', image: 'other:1.0', ports: [{ number: 80, name: 'http' }] }],
      });
      const other = new kplus.Service(chart, 'other', { metadata: { name: 'other', namespace: 'other' }, selector: app, ports: [{ name: 'http', port: 80, targetPort: 80 }] });
      return new OAuth2ProxyIstio(chart, 'auth', {
        ...s.props, app: other, mode: ExtAuthzMode.ENVOY_FILTER, appHost: 'other.cluster.example.com', authHost: 'oauth-other.cluster.example.com', ...overrides,
      });
    }

    test('two CUSTOM providers may share the ingress gateway when istiod allows several (multipleCustomProviders)', () => {
      const s = setup({ multipleCustomProviders: true, cookie: { name: '_oauth2_proxy_myapp' } });
      s.build();
      const other = second(s, { mode: ExtAuthzMode.AUTHORIZATION_POLICY, multipleCustomProviders: true, cookie: { name: '_oauth2_proxy_other' } });
      expect(() => runValidations(s.chart.node.root)).not.toThrow();
      const policies = [s.chart, Chart.of(other)].flatMap((c) => synthChart(c)).filter((m: any) => m.kind === 'AuthorizationPolicy' && m.spec.action === 'CUSTOM');
      expect(policies.map((p: any) => p.spec.provider.name).sort()).toEqual(['oauth2-proxy-myapp', 'oauth2-proxy-other']);
      expect(new Set(policies.map((p: any) => `${p.metadata.namespace} ${JSON.stringify(p.spec.selector)}`)).size).toBe(1);
    });

    test('without multipleCustomProviders on both, the second CUSTOM provider on the gateway still fails', () => {
      const s = setup({ multipleCustomProviders: true, cookie: { name: '_oauth2_proxy_myapp' } });
      s.build();
      second(s, { mode: ExtAuthzMode.AUTHORIZATION_POLICY, multipleCustomProviders: false, cookie: { name: '_oauth2_proxy_other' } });
      expect(() => runValidations(s.chart.node.root)).toThrow('second/auth: mode: AuthorizationPolicy istio-system/ext-authz-myapp-myapp already sends the same ingress gateway to provider "oauth2-proxy-myapp"');
    });

    test('fails at synth when another oauth2-proxy of the app sets a cookie of the same name on the same domain', () => {
      const s = setup({ cookie: { domain: 'cluster.example.com' } });
      s.build();
      second(s, {});
      expect(() => runValidations(s.chart.node.root)).toThrow(
        '[test/auth] test/auth: cookie.name: "_oauth2_proxy" on .cluster.example.com is also the session cookie of second/auth (on .cluster.example.com), so in one browser the two oauth2-proxies overwrite each other\'s sessions; give each its own cookie.name, e.g. "_oauth2_proxy_myapp" here\n'
        + '  [second/auth] second/auth: cookie.name: "_oauth2_proxy" on .cluster.example.com is also the session cookie of test/auth (on .cluster.example.com), so in one browser the two oauth2-proxies overwrite each other\'s sessions; give each its own cookie.name, e.g. "_oauth2_proxy_other" here');
    });

    test('fails at synth when the other cookie of that name is set on a parent domain, and not for host-only cookies of two hosts', () => {
      const apart = setup({ cookie: { name: 'session' } });
      apart.build();
      second(apart, { cookie: { name: 'session' } });
      expect(() => runValidations(apart.chart.node.root)).not.toThrow();
      const s = setup({ cookie: { name: 'session' } });
      s.build();
      second(s, {
        cookie: { name: 'session', domain: 'example.com' },
        appHost: 'other.example.com',
        authHost: 'oauth.example.com',
        certificate: IngressTls.certManager({ issuer: IssuerRef.clusterIssuer('letsencrypt-production'), wildcard: '*.example.com', name: 'tls-other-production' }),
      });
      expect(() => runValidations(s.chart.node.root)).toThrow(
        'test/auth: cookie.name: "session" on myapp.cluster.example.com is also the session cookie of second/auth (on .example.com), so in one browser the two oauth2-proxies overwrite each other\'s sessions; give each its own cookie.name, e.g. "_oauth2_proxy_myapp" here');
    });

    test('asks the other oauth2-proxy to rename its cookie when this one already has the suggested name', () => {
      const s = setup({ cookie: { name: '_oauth2_proxy_myapp', domain: 'cluster.example.com' } });
      s.build();
      second(s, { cookie: { name: '_oauth2_proxy_myapp', domain: 'cluster.example.com' } });
      expect(() => runValidations(s.chart.node.root)).toThrow(
        '[test/auth] test/auth: cookie.name: "_oauth2_proxy_myapp" on .cluster.example.com is also the session cookie of second/auth (on .cluster.example.com), so in one browser the two oauth2-proxies overwrite each other\'s sessions; give second/auth a cookie.name of its own\n');
    });

    test('accepts two oauth2-proxies of the app with cookies of their own', () => {
      const s = setup({ cookie: { name: '_oauth2_proxy_myapp' } });
      s.build();
      const other = second(s, { cookie: { name: '_oauth2_proxy_other' } });
      expect(() => runValidations(s.chart.node.root)).not.toThrow();
      expect(other.cookieName).toBe('_oauth2_proxy_other');
      const objects = synthChart(s.chart);
      expect(configFile(objects)).toContain('cookie_name = "_oauth2_proxy_myapp"');
      expectSchemaValid(objects);
    });

    test('fails at synth when the app Service has no selector', () => {
      const s = setup();
      const bare = new kplus.Service(s.chart, 'bare', { metadata: { name: 'bare', namespace: 'myapp' }, ports: [{ port: 80 }] });
      new OAuth2ProxyIstio(s.chart, 'auth', { ...s.props, app: bare });
      expect(() => runValidations(s.chart)).toThrow('test/auth: app: Service "bare" has no selector; give it the app\'s pod labels (the RequestAuthentication selects the app\'s pods with them)');
    });
  });

  describe('wiring checks at synth', () => {
    /** Builds the construct, breaks one object with a JSON patch, and returns the validation error. */
    function broken(patch: (auth: OAuth2ProxyIstio) => void, overrides: Partial<OAuth2ProxyIstioProps> = {}, appOptions = {}): () => void {
      const s = setup(overrides, appOptions);
      const auth = s.build();
      patch(auth);
      return () => runValidations(s.chart);
    }

    test('pass on the construct as built', () => {
      expect(broken(() => undefined)).not.toThrow();
    });

    test('gateway-selector: a Gateway that selects no ingress gateway', () => {
      expect(broken((a) => a.appRoute.gateway.addJsonPatch(JsonPatch.replace('/spec/selector', { istio: 'ingress' }))))
        .toThrow('test/auth: wiring (gateway-selector): Gateway myapp/myapp selects pods labelled {istio=ingress}, but no ingress gateway has these labels (ingress gateway pods istio-system/{istio=ingressgateway}); set spec.selector to {istio=ingressgateway}, the labels of the ingress gateway pods istio-system/{istio=ingressgateway}');
    });

    test('virtualservice-gateway: a VirtualService bound to a Gateway that does not exist', () => {
      expect(broken((a) => a.appRoute.virtualService.addJsonPatch(JsonPatch.replace('/spec/gateways', ['myapp']))))
        .not.toThrow();
      expect(broken((a) => a.authRoute!.virtualService.addJsonPatch(JsonPatch.replace('/spec/gateways', ['oauth2proxy']))))
        .toThrow('test/auth: wiring (virtualservice-gateway): VirtualService myapp/oauth2-proxy binds to Gateway myapp/oauth2proxy, which doesn\'t exist');
    });

    test('host-mismatch: a VirtualService host the Gateway does not serve', () => {
      expect(broken((a) => a.appRoute.virtualService.addJsonPatch(JsonPatch.replace('/spec/hosts', ['myapp.example.com']))))
        .toThrow('test/auth: wiring (host-mismatch): VirtualService myapp/myapp routes host "myapp.example.com", but Gateway myapp/myapp serves only "myapp.cluster.example.com"');
    });

    test('host-mismatch: an AuthorizationPolicy host no Gateway serves', () => {
      expect(broken((a) => a.authorizationPolicy!.addJsonPatch(JsonPatch.replace('/spec/rules/0/to/0/operation/hosts', ['www.cluster.example.com']))))
        .toThrow('test/auth: wiring (host-mismatch): AuthorizationPolicy istio-system/ext-authz-myapp-myapp applies to host "www.cluster.example.com"');
    });

    test('credential-name: a credentialName that is not the Certificate\'s secretName', () => {
      expect(broken((a) => a.gateway.gateway.addJsonPatch(JsonPatch.replace('/spec/servers/0/tls/credentialName', 'tls-oauth'))))
        .toThrow('test/auth: wiring (credential-name): Gateway myapp/myapp serves credentialName "tls-oauth", but Certificate istio-system/tls-myapp-production, which covers its hosts in the ingress namespace "istio-system", writes Secret "tls-myapp-production"');
    });

    test('another Gateway of the ingress may use the same port name (istiod keeps the two servers apart)', () => {
      const s = setup();
      s.build();
      new ApiObject(s.chart, 'other-gateway', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'legacy', namespace: 'legacy' },
        spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: ['legacy.example.com'], port: { name: 'https-myapp-cluster-example-com', number: 443, protocol: 'HTTPS' }, tls: { mode: 'SIMPLE', credentialName: 'tls-legacy' } }] },
      });
      expect(() => runValidations(s.chart)).not.toThrow();
    });

    test('destination-service: a destination that is not a Service', () => {
      expect(broken((a) => a.appRoute.virtualService.addJsonPatch(JsonPatch.replace('/spec/http/2/route/0/destination/host', 'myapp.myapp'))))
        .toThrow('test/auth: wiring (destination-service): VirtualService myapp/myapp routes to "myapp.myapp", a partial name of Service myapp/myapp');
    });

    test('destination-port: a destination port the Service does not have', () => {
      expect(broken((a) => a.appRoute.virtualService.addJsonPatch(JsonPatch.replace('/spec/http/2/route/0/destination/port/number', 80))))
        .toThrow('test/auth: wiring (destination-port): VirtualService myapp/myapp routes to port 80 of Service myapp/myapp, which has only port 8000; route to port 8000 or add port 80 to the Service');
    });

    test('service-selector: an app Service that selects no pods', () => {
      const s = setup();
      s.service.selectLabel('app.kubernetes.io/name', 'my-app');
      s.build();
      expect(() => runValidations(s.chart)).toThrow(/test\/auth: wiring \(service-selector\): Service myapp\/myapp selects pods labelled \{app.kubernetes.io\/name=my-app, cdk8s.io\/metadata.addr=test-myapp-[0-9a-f]+\}, but the pods of Deployment myapp\/myapp are labelled/);
    });

    test('service-selector: passes for pods outside the app when external objects may be assumed', () => {
      const s = setup({ assumeExternalObjects: true });
      s.service.selectLabel('app.kubernetes.io/name', 'my-app');
      s.build();
      expect(() => runValidations(s.chart)).not.toThrow();
    });

    test('service-target-port: an app Service targetPort the pods do not declare (in a cdk8s app, whose containers declare their ports, a mistake)', () => {
      expect(broken(() => undefined, {}, { targetPort: 8080 }))
        .toThrow('test/auth: wiring (service-target-port): Service myapp/myapp sends port 8000 to container port 8080, but Deployment myapp/myapp declares only 80; '
          + 'declare port 8080 on the container that listens on it, or set targetPort to the port the container listens on (it declares 80)');
    });
  });
});

describe('OAuth2ProxyIstio identity headers', () => {
  /** What the client may send, and what must survive: the session cookie, bearer tokens, the forwarding headers and the post-login redirect. */
  const SENT = [
    'cookie', 'authorization', 'x-forwarded-for', 'x-forwarded-proto', 'x-auth-request-redirect',
    'x-auth-request-user', 'x-auth-request-email', 'x-auth-request-groups', 'x-auth-request-preferred-username', 'x-auth-request-access-token',
    'x-forwarded-user', 'x-forwarded-email', 'x-forwarded-groups', 'x-forwarded-preferred-username', 'x-forwarded-access-token',
    // the underscore spellings, which Envoy passes by default and CGI-style servers read as the dashed ones
    'x_auth_request_groups', 'x_forwarded_user', 'x-auth_request-email',
  ];
  const KEPT = ['cookie', 'authorization', 'x-forwarded-for', 'x-forwarded-proto', 'x-auth-request-redirect'];
  const script = (patch: any) => patch.patch.value.typed_config.default_source_code.inline_string;

  test('AUTHORIZATION_POLICY mode: an EnvoyFilter removes the identity headers a client sent, first in the app host\'s filter chain', () => {
    const { objects, auth } = synth();
    const filter = findOne(objects, 'EnvoyFilter', 'ext-authz-myapp-myapp-identity-headers');
    expect(ApiObject.of(auth.identityHeaderFilter!).name).toBe('ext-authz-myapp-myapp-identity-headers');
    expect(filter.metadata.namespace).toBe('istio-system');
    expect(filter.spec.workloadSelector).toEqual({ labels: { istio: 'ingressgateway' } });
    const [patch] = filter.spec.configPatches;
    expect(patch.applyTo).toBe('HTTP_FILTER');
    // first in the chain: before istiod's ext_authz (and its RBAC shadow filter)
    expect(patch.patch.operation).toBe('INSERT_FIRST');
    expect(patch.match).toEqual({ context: 'GATEWAY', listener: { filterChain: { sni: 'myapp.cluster.example.com', filter: { name: 'envoy.filters.network.http_connection_manager' } } } });
    expect(headersAfterLuaRequest(script(patch), SENT)).toEqual(KEPT);
    // every header a check passes on to the app, but the ID token, is one the client can't send itself
    const upstream: string[] = auth.extensionProvider.envoyExtAuthzHttp.headersToUpstreamOnAllow;
    expect(headersAfterLuaRequest(script(patch), upstream)).toEqual(['authorization']);
    expect(EnvoyConfigValidator.validate(patch.patch.value, EnvoyConfigValidator.HTTP_FILTER)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  test('ENVOY_FILTER mode: the same patch is the EnvoyFilter\'s third, so the seed\'s x-auth-request and x-forwarded allow-lists carry only oauth2-proxy\'s values', () => {
    const { objects, auth } = synth({ mode: ExtAuthzMode.ENVOY_FILTER });
    expect(auth.identityHeaderFilter).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'EnvoyFilter').map((o) => o.metadata.name)).toEqual(['ext-authz-myapp-myapp']);
    const patch = findOne(objects, 'EnvoyFilter').spec.configPatches[2];
    expect(patch.patch.operation).toBe('INSERT_FIRST');
    expect(patch.match.listener.filterChain.sni).toBe('myapp.cluster.example.com');
    expect(headersAfterLuaRequest(script(patch), SENT)).toEqual(KEPT);
  });

  test('Istio before 1.10 gets INSERT_BEFORE without a subFilter (its istiod ignores INSERT_FIRST on HTTP filters, and prepends this)', () => {
    for (const [istioVersion, mode] of [['1.9', ExtAuthzMode.AUTHORIZATION_POLICY], ['1.8', ExtAuthzMode.ENVOY_FILTER]] as const) {
      const { objects } = synth({ istioVersion, mode, meshConfigApplied: true });
      const patches = objects.filter((o) => o.kind === 'EnvoyFilter').flatMap((o) => o.spec.configPatches)
        .filter((p: any) => p.patch.value?.name === 'envoy.filters.http.lua');
      const chain = (p: any) => p.match.listener.filterChain;
      expect(patches.map((p: any) => [istioVersion, p.patch.operation, chain(p).sni, chain(p).filter.subFilter]))
        .toEqual([[istioVersion, 'INSERT_BEFORE', 'myapp.cluster.example.com', undefined]]);
    }
    const { objects } = synth({ istioVersion: '1.10', meshConfigApplied: true });
    expect(findOne(objects, 'EnvoyFilter', 'ext-authz-myapp-myapp-identity-headers').spec.configPatches[0].patch.operation).toBe('INSERT_FIRST');
  });

  test('Istio before 1.14 gets the script as inline_code, the field its Envoy knows', () => {
    const { objects } = synth({ istioVersion: '1.13', meshConfigApplied: true });
    const value = findOne(objects, 'EnvoyFilter').spec.configPatches[0].patch.value;
    expect(value.typed_config.default_source_code).toBeUndefined();
    expect(headersAfterLuaRequest(value.typed_config.inline_code, SENT)).toEqual(KEPT);
  });

  test('a broken patch of the filter is caught against Envoy\'s protos', () => {
    const { chart, build } = setup();
    build().identityHeaderFilter!.addJsonPatch(JsonPatch.add('/spec/configPatches/0/patch/value/typed_config/inline_cod', 'x'));
    expect(() => runValidations(chart)).toThrow('test/auth: identityHeaderFilter: Envoy would reject this envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter (1 error, '
      + 'checked against Envoy\'s v3 API):\n  typed_config.inline_cod: unknown field "inline_cod" in envoy.extensions.filters.http.lua.v3.Lua; did you mean "inline_code"?; fix the field above');
  });
});
