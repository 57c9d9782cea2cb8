import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { ExtAuthzMode, IngressTls, IssuerRef, OAuth2Provider, OAuth2ProxyIstio, SessionStore } from '../src';

export interface OAuth2ProxyChartProps extends ChartProps {
  /**
   * How the ingress gateway consults oauth2-proxy.
   * @default ExtAuthzMode.AUTHORIZATION_POLICY
   */
  readonly mode?: ExtAuthzMode;
  /** @default "myapp" */
  readonly appNamespace?: string;
  /** @default "myapp.cluster.example.com" */
  readonly appHost?: string;
  /** @default "oauth.cluster.example.com" */
  readonly authHost?: string;
  /**
   * The session cookie's name. Every oauth2-proxy under .cluster.example.com needs its own, or
   * they overwrite each other's sessions in one browser.
   * @default "_oauth2_proxy_myapp"
   */
  readonly cookieName?: string;
}

/**
 * Seed 001, part 3: the seed's myapp behind the Istio ingress at myapp.cluster.example.com, signed
 * in through oauth2-proxy at myapp.cluster.example.com/oauth2/ (the seed's oauth.cluster.example.com
 * only redirects there) against Entra ID (interactive logins of
 * example.com users, plus client_credentials tokens of one service principal), sessions in Redis,
 * a wildcard certificate from letsencrypt-production, and token validation in front of the app.
 *
 * The Secret `oauth2-proxy` (keys client-secret, cookie-secret, redis-password) is created outside
 * the chart, so no secret value is ever part of the synthesized YAML.
 */
export class OAuth2ProxyChart extends Chart {
  public readonly auth: OAuth2ProxyIstio;

  constructor(scope: Construct, id: string, props: OAuth2ProxyChartProps = {}) {
    super(scope, id, props);
    const namespace = props.appNamespace ?? 'myapp';

    // The app: the seed's myapp Deployment and its Service on port 8000. The seed's image is a
    // placeholder (docker.io/path/to/myapp); kuard (seed 002's demo app) stands in for it, so the
    // example runs as applied, and its request page shows the X-Auth-Request-* headers the gateway
    // passes on after oauth2-proxy's check (the app's sidecar removes the ID token once the
    // RequestAuthentication has validated it; forwardToken keeps it).
    const app = new kplus.Deployment(this, 'myapp', {
      metadata: { name: 'myapp', namespace },
      containers: [{
        name: 'myapp',
        image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ number: 8080, name: 'http' }],
        securityContext: { user: 65534, group: 65534 },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
        },
        readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
      }],
    });
    const service = new kplus.Service(this, 'myapp-service', {
      metadata: { name: 'myapp', namespace },
      selector: app,
      ports: [{ name: 'http', port: 8000, targetPort: 8080 }],
    });

    const secrets = kplus.Secret.fromSecretName(this, 'secrets', 'oauth2-proxy');
    this.auth = new OAuth2ProxyIstio(this, 'oauth2-proxy', {
      app: service,
      appHost: props.appHost ?? 'myapp.cluster.example.com',
      authHost: props.authHost ?? 'oauth.cluster.example.com',
      provider: OAuth2Provider.entraId({
        tenantId: '72f988bf-0000-4000-8000-00000000a11d',
        clientId: '3f1c2b7e-0000-4000-8000-0000000c11e7',
        // the service principal that calls the app with client_credentials tokens
        servicePrincipalIds: ['9a7d5c3e-0000-4000-8000-00000000059d'],
      }),
      clientSecret: { secret: secrets, key: 'client-secret' },
      cookieSecret: { secret: secrets, key: 'cookie-secret' },
      emailDomains: ['example.com'],
      certificate: IngressTls.certManager({
        issuer: IssuerRef.clusterIssuer('letsencrypt-production'),
        // the app host's parent domain, e.g. *.cluster.example.com
        wildcard: `*.${(props.appHost ?? 'myapp.cluster.example.com').split('.').slice(1).join('.')}`,
        name: `tls-${namespace}-production`,
      }),
      sessionStore: SessionStore.redis({ password: { secret: secrets, key: 'redis-password' } }),
      cookie: { name: props.cookieName ?? '_oauth2_proxy_myapp' },
      mode: props.mode,
    });
  }
}
