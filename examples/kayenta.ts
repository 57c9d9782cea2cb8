import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import {
  CanaryConfig, CanaryDirection, CanaryMetricQuery, CanaryNanStrategy, IngressGatewayPods, IngressTls, IssuerRef, KayentaMetricsStore,
  KayentaStandalone, KayentaStandaloneProps, KayentaStorage, OAuth2Provider, SessionStore,
} from '../src';

/**
 * The second ingress gateway the secured Kayenta is served by, e.g. installed with
 * `helm install istio-ingress-ci istio/gateway -n istio-ingress` (the chart labels its pods
 * `istio: ingress-ci`). It keeps the Kayenta API's AuthorizationPolicy CUSTOM off the default
 * gateway, where the oauth2-proxy example already uses another provider: Istio applies one CUSTOM
 * provider per gateway workload.
 */
export const KAYENTA_INGRESS_GATEWAY: IngressGatewayPods = { namespace: 'istio-ingress', labels: { istio: 'ingress-ci' } };

/**
 * Kayenta as seed 001 runs it: results and configs in an Azure Storage account (key from the
 * `azure-storage` Secret, created out of band as in the seed), metrics from Prometheus, and the
 * seed's canary config shipped as a ConfigMap for the pipeline to send with its analysis requests.
 */
function seedKayenta(scope: Construct, props: KayentaStandaloneProps): { kayenta: KayentaStandalone; canaryConfig: CanaryConfig } {
  // kubectl create secret generic azure-storage -n <namespace> --from-literal=storage-key=...
  const azureStorage = kplus.Secret.fromSecretName(scope, 'azure-storage', 'azure-storage');
  const kayenta = new KayentaStandalone(scope, 'kayenta', {
    metricsStores: [KayentaMetricsStore.prometheus({ accountName: 'canary-prometheus', baseUrl: 'http://prometheus.monitoring.svc:9090' })],
    storage: [KayentaStorage.azure({
      accountName: 'canary-storage',
      storageAccountName: 'kayentastorage',
      container: 'kayenta',
      accessKey: { secret: azureStorage, key: 'storage-key' },
    })],
    ...props,
  });

  // The seed's config: 4xx and 5xx responses per controller must not increase in the canary.
  const canaryConfig = new CanaryConfig(scope, 'app-config', {
    name: 'app-config',
    description: 'App Canary Configuration',
    applications: ['app'],
    groupWeights: { StatusCodes: 100 },
    scoreThresholds: { pass: 75, marginal: 75 },
    metrics: [{
      name: 'Errors By Controller',
      query: CanaryMetricQuery.promql(
        "sum(increase(http_requests_received_total{app='my-app',azure_pipelines_version='${location}',code=~'5\\\\d\\\\d|4\\\\d\\\\d'}[120m])) by (action)"),
      groups: ['StatusCodes'],
      direction: CanaryDirection.INCREASE,
      nanStrategy: CanaryNanStrategy.REPLACE,
    }],
  });
  kayenta.addCanaryConfig(canaryConfig);
  return { kayenta, canaryConfig };
}

/**
 * Seed 001, part 2: Kayenta on its own, keeping its data in an Azure Storage account and reading
 * metrics from Prometheus, behind a LoadBalancer Service; plus the seed's canary config.
 */
export class KayentaChart extends Chart {
  public readonly kayenta: KayentaStandalone;
  public readonly canaryConfig: CanaryConfig;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const seed = seedKayenta(this, { serviceType: kplus.ServiceType.LOAD_BALANCER });
    this.kayenta = seed.kayenta;
    this.canaryConfig = seed.canaryConfig;
  }
}

/**
 * Seed 001, part 2's "Secure it!": the same Kayenta without the LoadBalancer, at
 * https://kayenta.cluster.example.com through the Istio ingress, behind oauth2-proxy
 * (kayenta-oauth.cluster.example.com) with Entra ID. The CI pipeline's service principal calls the
 * API with client_credentials bearer tokens; people of example.com can sign in with a browser (the
 * Swagger UI). Sessions are kept in Redis, the certificate is a cert-manager wildcard.
 *
 * The Secret `kayenta-oauth2-proxy` (keys client-secret, cookie-secret, redis-password) and
 * `azure-storage` are created outside the chart, in the namespace `kayenta-secured`.
 */
export class KayentaBehindOAuth2ProxyChart extends Chart {
  public readonly kayenta: KayentaStandalone;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const secrets = kplus.Secret.fromSecretName(this, 'oauth2-proxy-secrets', 'kayenta-oauth2-proxy');
    this.kayenta = seedKayenta(this, {
      // its own namespace, so that this chart and KayentaChart can be applied side by side
      namespace: 'kayenta-secured',
      ingress: {
        host: 'kayenta.cluster.example.com',
        certificate: IngressTls.certManager({
          issuer: IssuerRef.clusterIssuer('letsencrypt-production'),
          wildcard: '*.cluster.example.com',
          name: 'tls-kayenta-production',
        }),
        ingressGateway: KAYENTA_INGRESS_GATEWAY,
        oauth2Proxy: {
          authHost: 'kayenta-oauth.cluster.example.com',
          provider: OAuth2Provider.entraId({
            tenantId: '72f988bf-0000-4000-8000-00000000a11d',
            // the Kayenta app registration; pipelines request tokens for api://<this id>/.default
            clientId: '5b2e8c1d-0000-4000-8000-0000000c11e7',
            // the pipeline's service principal (az ad sp show --id <pipeline app id> --query id -o tsv)
            servicePrincipalIds: ['0c4f6a2b-0000-4000-8000-00000000059d'],
          }),
          clientSecret: { secret: secrets, key: 'client-secret' },
          cookieSecret: { secret: secrets, key: 'cookie-secret' },
          emailDomains: ['example.com'],
          sessionStore: SessionStore.redis({ password: { secret: secrets, key: 'redis-password' } }),
          // the oauth2-proxy examples set their session cookies on .cluster.example.com too; a cookie
          // name of its own keeps the sessions apart in one browser (OAuth2ProxyIstio checks it)
          cookie: { name: '_oauth2_proxy_kayenta' },
        },
      },
    }).kayenta;
  }
}
