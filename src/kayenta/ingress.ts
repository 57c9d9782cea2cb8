import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { IngressCertificate, IngressTls } from '../istio/certificate';
import { requireSameIngressNamespace } from '../istio/gateway';
import { IngressGatewayOptions, resolveIngressGateway } from '../istio/ingress';
import { IngressRoute } from '../istio/route';
import { IstioRelease } from '../istio/version';
import { wiringErrors, wiringScope } from '../istio/wiring';
import { OAuth2ProxyIstio, OAuth2ProxyOptions } from '../oauth2-proxy/oauth2-proxy-istio';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkHostName } from '../validation/names';

/**
 * oauth2-proxy in front of Kayenta: everything `OAuth2ProxyIstio` takes except the app, its host,
 * the certificate and the Istio settings, which come from the Kayenta ingress.
 *
 * Kayenta is called by CI pipelines, so the usual set-up accepts client_credentials tokens: with
 * `OAuth2Provider.entraId({ ..., servicePrincipalIds: [<pipeline's service principal>] })` a
 * pipeline sends `Authorization: Bearer <token for api://<client id>/.default>` and never sees a
 * login page; browsers (the Swagger UI) sign in interactively.
 */
export interface KayentaOAuth2ProxyOptions extends OAuth2ProxyOptions {
  /**
   * oauth2-proxy's own public host, e.g. "kayenta-oauth.cluster.example.com", served by the same
   * ingress gateway and certificate as the Kayenta host. It redirects every request to the
   * Kayenta host, where the login runs and the session cookie stays (unless `cookie.domain` says
   * otherwise). Only for links to an earlier oauth2-proxy host; a new set-up needs none.
   * @default - no auth host: oauth2-proxy is reached under /oauth2/ on the Kayenta host only
   */
  readonly authHost?: string;
}

/** How Kayenta is exposed through the Istio ingress gateway. */
export interface KayentaIngressOptions {
  /** The public host of the Kayenta API, e.g. "kayenta.cluster.example.com". */
  readonly host: string;

  /**
   * The certificate the ingress gateway serves for the host (and for `oauth2Proxy.authHost`):
   * `IngressTls.certManager(...)` for a new cert-manager Certificate in the gateway's namespace, or
   * `IngressTls.fromCertificate(...)` for one shared with other hosts. It must cover every host.
   * A certificate shared with hosts of other Gateways on the same ingress gateway lets browsers
   * that reuse one HTTP/2 connection get 404s (IST0138; the manifest checks warn about it).
   */
  readonly certificate: IngressTls;

  /**
   * The ingress gateway that serves the host.
   * @default - istio-system, pods labelled istio=ingressgateway
   */
  readonly ingressGateway?: IngressGatewayOptions;

  /**
   * The Istio release the objects are for (API versions, ext_authz fields).
   * @default "1.30"
   */
  readonly istioVersion?: string;

  /**
   * The cluster's DNS domain, which ends the Service FQDNs the routes go to.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * The Istio revision whose sidecars the Kayenta namespace gets (label `istio.io/rev`). Only for the
   * namespace the construct creates.
   * @default - the default revision (label `istio-injection: enabled`)
   */
  readonly istioRevision?: string;

  /**
   * Put oauth2-proxy in front of Kayenta (`OAuth2ProxyIstio`, in the Kayenta namespace): the ingress
   * gateway asks it about every request to the host, Istio validates the tokens in front of Kayenta,
   * and an ALLOW AuthorizationPolicy keeps other callers in the mesh out unless they are the
   * provider's service principals (client-credentials tokens) or in `meshCallerNamespaces`
   * (`restrictMeshCallers`).
   * @default - no authentication: anyone who reaches the ingress gateway can call the API
   */
  readonly oauth2Proxy?: KayentaOAuth2ProxyOptions;

  /**
   * Also serve the host on port 80, answering plain HTTP with a 301 to HTTPS (see
   * `IngressHttpsGatewayProps.httpsRedirect`). Not with `oauth2Proxy`, whose Gateway has none: in
   * its default mode the check would run before the redirect and loop a sign-in started over HTTP.
   * @default false - HTTPS only: plain http:// gets no answer
   */
  readonly httpsRedirect?: boolean;
}

/** An ingress checked up front, before any object exists. @internal */
export interface KayentaIngressPlan {
  readonly options: KayentaIngressOptions;
  readonly host: string;
  readonly istio: IstioRelease;
  /** Labels of the Namespace the construct creates: sidecar injection. */
  readonly namespaceLabels: { [key: string]: string };
}

/**
 * Checks the ingress options and their combination with the Service type and the namespace.
 * @internal
 */
export function planKayentaIngress(scope: Construct, options: KayentaIngressOptions, serviceType: kplus.ServiceType,
  createNamespace: boolean): KayentaIngressPlan {
  if (serviceType === kplus.ServiceType.LOAD_BALANCER || serviceType === kplus.ServiceType.NODE_PORT) {
    throw propError(scope, 'serviceType', `${show(serviceType)} together with ingress would expose Kayenta a second time, reachable from outside the cluster without the ingress gateway${options.oauth2Proxy ? ' and oauth2-proxy' : ''}`,
      'leave serviceType unset (ClusterIP) when ingress is set; the ingress gateway reaches Kayenta inside the cluster');
  }
  const host = checkHostName(scope, 'ingress.host', options.host);
  if (options.httpsRedirect !== undefined && typeof options.httpsRedirect !== 'boolean') {
    throw propError(scope, 'ingress.httpsRedirect', `received ${show(options.httpsRedirect)}`, 'give true or false');
  }
  if (options.httpsRedirect === true && options.oauth2Proxy !== undefined) {
    throw propError(scope, 'ingress.httpsRedirect', 'true together with oauth2Proxy, whose Gateway has no redirect server: in the default mode (AUTHORIZATION_POLICY) '
      + 'the CUSTOM check covers every port of the gateway and runs before the redirect, so a sign-in started over http:// would come back there '
      + 'without the HTTPS-only session cookie and start again, in a loop',
    'leave httpsRedirect out (HTTPS only), or drop oauth2Proxy');
  }
  const istio = IstioRelease.parse(scope, 'ingress.istioVersion', options.istioVersion);
  if (options.istioRevision !== undefined && !createNamespace) {
    throw propError(scope, 'ingress.istioRevision', `${show(options.istioRevision)} labels only the namespace this construct creates, but createNamespace is false`,
      `label the existing namespace istio.io/rev=${options.istioRevision} and leave istioRevision out`);
  }
  const namespaceLabels: { [key: string]: string } = options.istioRevision !== undefined
    ? { 'istio.io/rev': checkDnsLabel(scope, 'ingress.istioRevision', options.istioRevision) }
    : { 'istio-injection': 'enabled' };
  return { options, host, istio, namespaceLabels };
}

/** The objects of an ingress. @internal */
export interface KayentaIngress {
  readonly certificate: IngressCertificate;
  readonly route: IngressRoute;
  readonly oauth2Proxy?: OAuth2ProxyIstio;
}

/**
 * Exposes the Kayenta Service: a Gateway + VirtualService for the host, with oauth2-proxy in front
 * when asked. Without oauth2-proxy, the wiring checks run over the result at synth (OAuth2ProxyIstio
 * runs its own).
 * @internal
 */
export function exposeKayenta(scope: Construct, plan: KayentaIngressPlan, service: kplus.Service, port: number, namespace: string): KayentaIngress {
  const o = plan.options;
  const ingress = resolveIngressGateway(scope, 'ingress.ingressGateway', o.ingressGateway);
  const authHost = o.oauth2Proxy?.authHost === undefined ? undefined : checkHostName(scope, 'ingress.oauth2Proxy.authHost', o.oauth2Proxy.authHost);
  const certificate = o.certificate._bind(scope, authHost ? [plan.host, authHost] : [plan.host], ingress);
  requireSameIngressNamespace(scope, 'ingress.certificate', certificate, ingress);
  certificate._requireCovers(scope, 'ingress.host', plan.host);
  if (authHost) certificate._requireCovers(scope, 'ingress.oauth2Proxy.authHost', authHost);
  // the cluster domain may be given on the ingress or on its oauth2Proxy options: one value for both
  const proxyDomain = o.oauth2Proxy?.clusterDomain;
  if (proxyDomain !== undefined && o.clusterDomain !== undefined && proxyDomain !== o.clusterDomain) {
    throw propError(scope, 'ingress.oauth2Proxy.clusterDomain', `${show(proxyDomain)} differs from ingress.clusterDomain ${show(o.clusterDomain)}`,
      'give the cluster domain once, as ingress.clusterDomain (Kayenta and oauth2-proxy are in one cluster)');
  }
  const shared = { ingressGateway: o.ingressGateway, istioVersion: o.istioVersion, namespace, clusterDomain: o.clusterDomain ?? proxyDomain };

  if (o.oauth2Proxy) {
    const oauth2Proxy = new OAuth2ProxyIstio(scope, 'oauth2-proxy', {
      ...o.oauth2Proxy,
      ...shared,
      app: service,
      appPort: port,
      appHost: plan.host,
      certificate: IngressTls.fromCertificate(certificate),
      // the Kayenta construct creates (or was given) the namespace
      createNamespace: false,
    });
    return { certificate, route: oauth2Proxy.appRoute, oauth2Proxy };
  }
  const route = new IngressRoute(scope, 'ingress', { ...shared, host: plan.host, service, port, certificate, httpsRedirect: o.httpsRedirect });
  scope.node.addValidation({
    validate: () => wiringErrors(scope, wiringScope(scope, [], certificate), { ingressGateways: [ingress], clusterDomain: route.clusterDomain }),
  });
  return { certificate, route };
}
