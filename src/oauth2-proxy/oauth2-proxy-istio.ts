import { ApiObject, Duration, Lazy, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct, IConstruct } from 'constructs';
import { AuthService, extAuthzDisabled, extAuthzHttpFilter, identityHeaderFilter, meshExtensionProvider } from './ext-authz';
import { BoundProvider, OAuth2Provider } from './provider';
import { SessionStore } from './session-store';
import { goDuration, protoDuration, TomlValue, toToml } from './toml';
import {
  EnvoyFilterSpecConfigPatches,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
  ServiceEntrySpecLocation,
  ServiceEntrySpecResolution,
  toJson_EnvoyFilterSpec,
  toJson_ServiceEntrySpec,
} from '../../imports/istio-networking.istio.io';
import { AuthorizationPolicySpecAction, toJson_AuthorizationPolicySpec } from '../../imports/istio-security.istio.io';
import { ConfigHash } from '../common/config-hash';
import { pullPolicyFor } from '../common/image';
import { MESH_ROOT_NAMESPACE } from '../common/injection';
import { selectsAll } from '../common/labels';
import { newNamespace } from '../common/namespace';
import { hardenContainer } from '../common/pod';
import { requireResources } from '../common/resources';
import { isHttpToken } from '../envoy/values';
import { IngressCertificate, IngressTls } from '../istio/certificate';
import { INGRESS_HTTPS_PORT, IngressHttpsGateway, requireSameIngressNamespace } from '../istio/gateway';
import { IngressGatewayOptions, resolveIngressGateway, ResolvedIngressGateway, versionedObject } from '../istio/ingress';
import { IngressRoute, serviceFqdn, serviceNamespace } from '../istio/route';
import { IstioRelease } from '../istio/version';
import { wiringErrors, wiringScope } from '../istio/wiring';
import { Redis } from '../redis';
import { assertValidEnvoyConfig } from '../validation/envoy/assert';
import { EnvoyConfigValidator } from '../validation/envoy/envoy-config-validator';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain, checkHostName, checkServiceName } from '../validation/names';

/** How the ingress gateway asks oauth2-proxy whether a request to the app host may pass. */
export enum ExtAuthzMode {
  /**
   * Istio 1.9+: an `envoyExtAuthzHttp` extension provider in the mesh config and an
   * AuthorizationPolicy with action CUSTOM on the ingress gateway for the app host, except
   * `/oauth2/*` (routed to oauth2-proxy on the app host). The mesh config lives outside the chart:
   * apply the provider as `meshConfigYaml` (also in the `<provider>-mesh-config` ConfigMap) says.
   * Istio applies one CUSTOM provider per workload, so one ingress gateway serves one instance in
   * this mode, unless istiod allows several (Istio 1.30+, `multipleCustomProviders`). Before Istio 1.20, a policy whose provider is missing from the mesh config makes the
   * whole ingress gateway deny every request (every host), so on those releases the construct needs
   * `meshConfigApplied: true`, stating that the provider is in the mesh config already.
   */
  AUTHORIZATION_POLICY = 'AUTHORIZATION_POLICY',
  /**
   * Seed 001's approach: an EnvoyFilter on the gateway that inserts Envoy's ext_authz HTTP filter
   * before the router for the app host's filter chain. Works without mesh-config access, but
   * EnvoyFilters are tied to Envoy's config format; the construct emits the form of the chosen
   * Istio release.
   *
   * The filter checks every path of the app host, `/oauth2/*` included: unlike the policy's
   * `notPaths`, nothing exempts the callback. Sign-in works because oauth2-proxy answers the check
   * of `/oauth2/callback` itself (it redeems the code and sets the session cookie) with a 302, which
   * Envoy treats as a denial and passes to the browser with the check's `Location` and `Set-Cookie`
   * headers (`allowed_client_headers`); the VirtualService route of `/oauth2/` to oauth2-proxy is not
   * reached. Keep those two headers in the allow-list if you patch it.
   */
  ENVOY_FILTER = 'ENVOY_FILTER',
}

/** The SameSite attribute of oauth2-proxy's cookies. */
export enum CookieSameSite {
  /** Sent on top-level navigations from other sites (the OAuth redirect back) — the usual choice. */
  LAX = 'lax',
  /**
   * Never sent from other sites. oauth2-proxy's login (CSRF) cookie gets the same attribute, so the
   * redirect back from a provider on another site arrives without it and the sign-in fails: refused
   * unless the provider's login host ends in the same two labels as the app host (for an OIDC
   * provider, the issuer's host is taken as its login host).
   */
  STRICT = 'strict',
  /** Sent on every cross-site request; requires `secure`. */
  NONE = 'none',
}

/** The session cookie oauth2-proxy sets: its name, flags, refresh and lifetime. */
export interface OAuth2ProxyCookieOptions {
  /**
   * The session cookie's name.
   * @default "_oauth2_proxy"
   */
  readonly name?: string;
  /**
   * Share the session cookie with every host under this domain (`cookie_domains`), e.g. for one
   * login across several apps that sit behind oauth2-proxies with the same cookie secret. The app
   * host must be this domain or below it. Every host under it then receives the session cookie,
   * sibling apps of other teams under a shared wildcard included, and could replay it.
   * @default - none: a host-only cookie of the app host, where the login's callback sets it
   */
  readonly domain?: string;
  /**
   * Send the cookie over HTTPS only.
   * @default true
   */
  readonly secure?: boolean;
  /**
   * Hide the cookie from JavaScript.
   * @default true
   */
  readonly httpOnly?: boolean;
  /**
   * The SameSite attribute.
   * @default CookieSameSite.LAX
   */
  readonly sameSite?: CookieSameSite;
  /**
   * Refresh the session's tokens with the provider after this long (0 disables refreshing).
   * Must be shorter than `expire` and than the provider's `tokenLifetime`, and can't be 0 when the
   * lifetime is known and `expire` is longer: oauth2-proxy checks a session's token only when it
   * refreshes the session, and until then passes the expired ID token on, which the app's
   * RequestAuthentication answers with 401.
   * @default - a minute less than the provider's tokenLifetime (Entra ID 59 min, Keycloak 4 min; half the lifetime for tokens under two minutes), 0 when `expire` ends sessions by then; an hour, as in seed 001, for an OIDC provider without tokenLifetime
   */
  readonly refresh?: Duration;
  /**
   * How long the session cookie lives.
   * @default Duration.hours(168) — oauth2-proxy's default
   */
  readonly expire?: Duration;
}

/** Which of oauth2-proxy's logs are on. */
export interface OAuth2ProxyLoggingOptions {
  /**
   * Log every HTTP request (`request_logging`).
   * @default true
   */
  readonly requests?: boolean;
  /**
   * Log authentication attempts (`auth_logging`).
   * @default true
   */
  readonly authentication?: boolean;
  /**
   * Log runtime information (`standard_logging`).
   * @default true
   */
  readonly standard?: boolean;
  /**
   * Leave requests to /ping out of the request log (`silence_ping_logging`).
   * @default true
   */
  readonly silencePing?: boolean;
}

/**
 * oauth2-proxy itself: the identity provider, its secrets, sessions, who may log in and how the
 * ingress gateway consults it, independent of the app it protects. `OAuth2ProxyIstioProps` adds the
 * app and its hosts; other constructs (e.g. `KayentaStandalone`'s ingress) take these options and
 * supply the app themselves.
 */
export interface OAuth2ProxyOptions {
  /** The identity provider. */
  readonly provider: OAuth2Provider;

  /** The OAuth client secret, from a Secret key (env `OAUTH2_PROXY_CLIENT_SECRET`). */
  readonly clientSecret: kplus.SecretValue;

  /**
   * The cookie encryption secret, from a Secret key (env `OAUTH2_PROXY_COOKIE_SECRET`). oauth2-proxy
   * needs 16, 24 or 32 bytes, e.g. `openssl rand -base64 32 | tr -- '+/' '-_'`.
   */
  readonly cookieSecret: kplus.SecretValue;

  /** Where sessions are kept, e.g. `SessionStore.redis({ password })` (as in seed 001). */
  readonly sessionStore: SessionStore;

  /**
   * Email domains whose users may log in (`email_domains`); ["*"] admits every account the
   * provider authenticates.
   * @default - none: required unless `authenticatedEmails` or the provider's service principals admit someone
   */
  readonly emailDomains?: string[];

  /**
   * Individual email addresses (or token subjects) that may log in regardless of their domain
   * (the authenticated-emails file).
   * @default - none
   */
  readonly authenticatedEmails?: string[];

  /**
   * How the ingress gateway consults oauth2-proxy.
   * @default ExtAuthzMode.AUTHORIZATION_POLICY
   */
  readonly mode?: ExtAuthzMode;

  /**
   * Name of oauth2-proxy's Deployment, Service and ConfigMap, and prefix of its other objects.
   * @default "oauth2-proxy"
   */
  readonly name?: string;

  /**
   * Says that the extension provider (`meshConfigYaml`) is already in the mesh config of the Istio
   * installation. Required in AUTHORIZATION_POLICY mode on Istio before 1.20: there, a CUSTOM
   * AuthorizationPolicy naming a provider that istiod doesn't know makes it deny every request to
   * the workloads the policy selects, i.e. to every host of the shared ingress gateway, not only the
   * app host (from Istio 1.20 only the requests the policy's rules match are denied). Apply the mesh
   * config first, then the chart with this set.
   * @default false — AUTHORIZATION_POLICY mode on Istio before 1.20 fails at synth
   */
  readonly meshConfigApplied?: boolean;

  /**
   * Says that istiod runs with `PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS=true` (Istio 1.30 or
   * newer), so that one ingress gateway may send the hosts of several apps to several CUSTOM
   * providers (each provider's ext_authz filter then checks only the requests its own policies
   * match). Without it Istio applies one CUSTOM provider per workload, and the construct fails at
   * synth when another CUSTOM AuthorizationPolicy in the app sends the same gateway to another
   * provider. The flag is istiod's: set it there first, and on every `OAuth2ProxyIstio` sharing the
   * gateway. It has no effect on ambient waypoints (istio/istio#59730).
   * @default false — a second CUSTOM provider on the same ingress gateway fails at synth
   */
  readonly multipleCustomProviders?: boolean;

  /**
   * The cluster's DNS domain, which ends the Service FQDNs of the routes and of the extension
   * provider.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Name of the mesh-config extension provider (AUTHORIZATION_POLICY mode); unique in the mesh.
   * @default "<name>-<namespace>"
   */
  readonly extensionProviderName?: string;

  /**
   * How long the gateway waits for oauth2-proxy's answer. A check may refresh tokens with the
   * provider, so leave room for a round trip to it.
   * @default Duration.seconds(5)
   */
  readonly checkTimeout?: Duration;

  /**
   * The oauth2-proxy image, pinned to a version (`latest` is pulled with `Always`).
   * @default "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3"
   */
  readonly image?: string;

  /**
   * Number of oauth2-proxy pods.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Requests and limits of the oauth2-proxy container, CPU and memory (all four are required).
   * @default - 50m CPU / 64Mi memory requested, 500m / 128Mi limits
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Cookie settings.
   * @default - secure, HttpOnly, SameSite=Lax, refreshed a minute before the provider's tokens expire, expiring after 168h
   */
  readonly cookie?: OAuth2ProxyCookieOptions;

  /**
   * Logging switches.
   * @default - requests, authentication and standard logs on; /ping silenced
   */
  readonly logging?: OAuth2ProxyLoggingOptions;

  /**
   * Validate tokens in front of the app with a RequestAuthentication (the provider's issuers and
   * keys), as seed 001 does. It rejects invalid tokens, lets requests without a token through (the
   * gateway's check is what requires a login), and, as Istio does by default, removes the validated
   * token from the request before the app (see `forwardToken`; the app still gets the
   * `X-Auth-Request-*` headers).
   * @default true
   */
  readonly requestAuthentication?: boolean;

  /**
   * Keep the token the RequestAuthentication validated on the request to the app
   * (`forwardOriginalToken` of its rules): the ID token the gateway passes on after the check,
   * or a caller's bearer token, for apps that read it themselves. Istio removes it otherwise.
   * @default false
   */
  readonly forwardToken?: boolean;

  /**
   * Restrict who may call the app's pods inside the mesh. Without it, any pod that reaches the
   * app's Service (or a pod address) skips the ingress gateway, and with it oauth2-proxy's login.
   * An ALLOW AuthorizationPolicy on the app's pods (`<app>-callers`) admits requests from
   * workloads in the ingress gateway's namespace (the gateway, which asked oauth2-proxy for the
   * app's host), the client-credentials tokens of the provider's service principals (with
   * `requestAuthentication`; in an allowed group when groups are required), and callers in
   * `meshCallerNamespaces`; Istio answers every other request with 403, plain-text requests from
   * outside the mesh included. Other routes of that gateway to the app's Service (other hosts,
   * which the gateway's CUSTOM policy doesn't cover) get through without a login too, as does
   * anything else running in the gateway's namespace. Kubelet probes are unaffected as long as
   * Istio rewrites them to go through its agent (the default). Pass false to leave the app open
   * to every caller in the mesh.
   * @default true
   */
  readonly restrictMeshCallers?: boolean;

  /**
   * With `restrictMeshCallers`: namespaces whose workloads may call the app's pods directly,
   * without a token, e.g. the namespace of a Prometheus that scrapes the app over mutual TLS.
   * @default - none besides the ingress gateway's
   */
  readonly meshCallerNamespaces?: string[];

  /**
   * Create a ServiceEntry for the provider's hosts (port 443, and any other port its URLs name), visible in the namespace only.
   * Needed when the mesh's outbound traffic policy is REGISTRY_ONLY; harmless otherwise.
   * @default true
   */
  readonly serviceEntry?: boolean;
}

/** Props of `OAuth2ProxyIstio`: oauth2-proxy's options plus the app it protects, its hosts, certificate and Istio settings. */
export interface OAuth2ProxyIstioProps extends OAuth2ProxyOptions {
  /** The Service of the app to protect. Its selector must select the app's pods (and only them). */
  readonly app: kplus.Service;

  /**
   * The app Service port the ingress routes to.
   * @default - the Service's only port
   */
  readonly appPort?: number;

  /** The app's public host, e.g. "myapp.cluster.example.com". */
  readonly appHost: string;

  /**
   * A second public host of oauth2-proxy, e.g. "oauth.cluster.example.com". It answers every
   * request with a redirect to the same path on the app host, where the login runs (`/oauth2/`
   * there goes to oauth2-proxy, and the callback is there) and the host-only session cookie
   * lives; so links to oauth2-proxy's pages on this host keep working. Give it when such links
   * exist (an earlier set-up with an oauth2-proxy host, bookmarks, a provider's sign-out URL);
   * a new set-up needs none, and its certificate then needs only the app host.
   * @default - no auth host: oauth2-proxy is reached under /oauth2/ on the app host only
   */
  readonly authHost?: string;

  /** The certificate the ingress serves for the app host (and the auth host, if given). */
  readonly certificate: IngressTls;

  /**
   * The Istio release the objects are for. It decides API versions, EnvoyFilter filter names and
   * which ext_authz fields exist.
   * @default "1.30"
   */
  readonly istioVersion?: string;

  /**
   * The Istio revision whose sidecars the namespace gets (label `istio.io/rev`).
   * @default - the default revision (label `istio-injection: enabled`)
   */
  readonly istioRevision?: string;

  /**
   * The ingress gateway that serves both hosts.
   * @default - istio-system, pods labelled istio=ingressgateway
   */
  readonly ingressGateway?: IngressGatewayOptions;

  /**
   * Namespace of oauth2-proxy, Redis and the app's Istio objects.
   * @default - the app Service's namespace
   */
  readonly namespace?: string;

  /**
   * Create the namespace with sidecar injection enabled. Turn off when the namespace exists
   * (it must then have injection enabled, or oauth2-proxy and Redis run without sidecars).
   * @default true
   */
  readonly createNamespace?: boolean;

  /**
   * Whether the wiring checks may assume that objects outside this cdk8s app exist (e.g. the
   * app's pods come from a Helm release). When false, a Service that selects no pods of the app is
   * an error at synth.
   * @default false
   */
  readonly assumeExternalObjects?: boolean;
}

const PORT = 4180;
/** The path oauth2-proxy serves its robots.txt on, whatever its prefix, without authentication. */
const ROBOTS_PATH = '/robots.txt';
/** oauth2-proxy's health endpoints, moved under its own prefix (see the config). */
const PING_PATH = '/oauth2/ping';
const READY_PATH = '/oauth2/ready';
/** uid/gid of `nonroot` in the distroless image oauth2-proxy is built on. */
const OAUTH2_PROXY_UID = 65532;
const CONFIG_DIR = '/etc/oauth2-proxy';
const CONFIG_FILE = 'oauth2-proxy.cfg';
const EMAILS_FILE = 'authenticated-emails.txt';

/** The Envoy type of an EnvoyFilter VIRTUAL_HOST patch. */
const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';

/**
 * oauth2-proxy in front of one app behind the Istio ingress gateway (seed 001): everything the
 * seed lists, wired together and checked at synth.
 *
 * - the app namespace with sidecar injection (or an existing one);
 * - oauth2-proxy (config file built from props in a ConfigMap, secrets only via secretKeyRef,
 *   listening on 0.0.0.0:4180, `/oauth2/ping` liveness, `/oauth2/ready` readiness) and its Service;
 * - a Redis session store reachable only from oauth2-proxy (or cookie sessions);
 * - a cert-manager Certificate in the ingress gateway's namespace;
 * - one Gateway whose one server serves both hosts with the certificate (so that browsers that
 *   reuse an HTTP/2 connection for both hosts reach the right routes), and a VirtualService per
 *   host: the app host's with `/oauth2/` routed to oauth2-proxy, the auth host's to oauth2-proxy;
 * - a ServiceEntry for the provider's hosts and a RequestAuthentication for the app;
 * - the ext_authz wiring: an extension provider for the mesh config plus an AuthorizationPolicy
 *   (CUSTOM) on the ingress, or seed 001's EnvoyFilter.
 *
 * At synth the wiring checks run over these objects, the app Service and the workloads of the app,
 * and the EnvoyFilter's patch (ENVOY_FILTER mode) is checked against Envoy's v3 protos.
 */
export class OAuth2ProxyIstio extends Construct {
  /** The port oauth2-proxy listens on and its Service exposes. */
  public static readonly PORT = PORT;
  /** The oauth2-proxy image used by default. */
  public static readonly DEFAULT_IMAGE = 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.3';

  /** Namespace of oauth2-proxy, Redis and the app's Istio objects. */
  public readonly namespace: string;
  /** The Namespace, when the construct creates it. */
  public readonly namespaceObject?: kplus.Namespace;
  /** oauth2-proxy's Deployment. */
  public readonly deployment: kplus.Deployment;
  /** oauth2-proxy's Service. */
  public readonly service: kplus.Service;
  /** oauth2-proxy's config file (and authenticated-emails file). */
  public readonly configMap: kplus.ConfigMap;
  /** The Redis session store, when the construct deployed one. */
  public readonly redis?: Redis;
  /** The certificate the ingress serves for the app host (and the auth host). */
  public readonly certificate: IngressCertificate;
  /** The Gateway serving the app host (and the auth host) from one server (named after the app Service). */
  public readonly gateway: IngressHttpsGateway;
  /** VirtualService of the app host, bound to `gateway`. */
  public readonly appRoute: IngressRoute;
  /** VirtualService of the auth host, bound to `gateway`, when `authHost` is given. */
  public readonly authRoute?: IngressRoute;
  /** The ServiceEntry for the provider's hosts. */
  public readonly serviceEntry?: ApiObject;
  /** The RequestAuthentication of the app. */
  public readonly requestAuthentication?: ApiObject;
  /** The ALLOW AuthorizationPolicy on the app's pods that keeps other callers in the mesh out (`restrictMeshCallers`). */
  public readonly callerPolicy?: ApiObject;
  /** The AuthorizationPolicy (CUSTOM) on the ingress gateway (AUTHORIZATION_POLICY mode). */
  public readonly authorizationPolicy?: ApiObject;
  /**
   * The EnvoyFilter inserting ext_authz (ENVOY_FILTER mode); it also removes the identity headers
   * a client sent (see `identityHeaderFilter`).
   */
  public readonly envoyFilter?: ApiObject;
  /**
   * The EnvoyFilter that removes the identity headers a client sent (`X-Auth-Request-User`,
   * `-Email`, `-Groups`, `-Preferred-Username`, `-Access-Token` and the `X-Forwarded-*` ones of
   * oauth2-proxy's proxy mode) first in the app host's filter chain, before the check
   * (AUTHORIZATION_POLICY mode; in ENVOY_FILTER mode the same patch is part of `envoyFilter`).
   * ext_authz only adds or replaces the headers a check returns, and oauth2-proxy leaves out a
   * header whose claim is empty, so the app would otherwise get the client's own values.
   */
  public readonly identityHeaderFilter?: ApiObject;
  /**
   * The HTTP filter the EnvoyFilter inserts (ENVOY_FILTER mode), as Envoy JSON: an
   * `envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter` whose typed_config is
   * an `envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`.
   */
  public readonly extAuthzFilter?: any;
  /**
   * The mesh-config `extensionProviders` entry (AUTHORIZATION_POLICY mode), as JSON. It must be
   * added to the mesh config of the Istio installation; see `meshConfigYaml`.
   */
  public readonly extensionProvider?: any;
  /**
   * `meshConfig: { extensionProviders: [...] }` as YAML (AUTHORIZATION_POLICY mode): istiod Helm
   * values / IstioOperator `spec` to merge into the installation. Append the entry when the mesh
   * already has extension providers: Helm replaces lists instead of merging them.
   */
  public readonly meshConfigYaml?: string;
  /** A ConfigMap in the ingress namespace holding `meshConfigYaml` (AUTHORIZATION_POLICY mode). Istio doesn't read it. */
  public readonly meshConfigFragment?: kplus.ConfigMap;
  /** The redirect URL to register with the provider: `https://<appHost>/oauth2/callback`. */
  public readonly redirectUrl: string;
  /**
   * Where browsers send the session cookie: the app host (a host-only cookie) by default, or
   * `cookie.domain` and every host below it.
   */
  public readonly cookieDomain: string;
  /** Whether the session cookie is host-only (no `cookie.domain`). */
  public readonly cookieHostOnly: boolean;
  /** The session cookie's name (`cookie_name`). */
  public readonly cookieName: string;

  private readonly ingress: ResolvedIngressGateway;
  private readonly assumeExternal: boolean;
  private readonly multipleCustomProviders: boolean;

  constructor(scope: Construct, id: string, props: OAuth2ProxyIstioProps) {
    super(scope, id);
    const istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    const mode = props.mode ?? ExtAuthzMode.AUTHORIZATION_POLICY;
    if (mode === ExtAuthzMode.AUTHORIZATION_POLICY) {
      istio.requireAtLeast(this, 'mode', 1, 9, 'AUTHORIZATION_POLICY', 'action CUSTOM and mesh-config extension providers',
        'use ExtAuthzMode.ENVOY_FILTER on this release, or upgrade Istio');
      if (!istio.unknownCustomProviderDeniesOnlyItsRules && props.meshConfigApplied !== true) {
        throw propError(this, 'meshConfigApplied', `not set, with mode AUTHORIZATION_POLICY on Istio ${istio.text}: before Istio 1.20, a CUSTOM AuthorizationPolicy whose extension provider is not in the mesh config makes istiod deny every request to the ingress gateway it selects, for every host that gateway serves, not only ${show(props.appHost)}`,
          'add the extension provider (meshConfigYaml) to the mesh config first, then set meshConfigApplied: true; or use ExtAuthzMode.ENVOY_FILTER, or Istio 1.20 or newer');
      }
    }
    if (props.multipleCustomProviders === true) {
      if (mode !== ExtAuthzMode.AUTHORIZATION_POLICY) {
        throw propError(this, 'multipleCustomProviders', `true with mode ${mode}, which adds no CUSTOM provider`,
          'remove multipleCustomProviders, or use ExtAuthzMode.AUTHORIZATION_POLICY');
      }
      istio.requireAtLeast(this, 'multipleCustomProviders', 1, 30, 'multipleCustomProviders',
        "istiod's PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS; earlier releases apply one CUSTOM provider per workload",
        'upgrade Istio, or give this app another ingress gateway or ExtAuthzMode.ENVOY_FILTER');
    }
    this.multipleCustomProviders = props.multipleCustomProviders === true;
    this.ingress = resolveIngressGateway(this, 'ingressGateway', props.ingressGateway);
    this.assumeExternal = props.assumeExternalObjects ?? false;
    const appHost = checkHostName(this, 'appHost', props.appHost);
    const authHost = props.authHost === undefined ? undefined : checkHostName(this, 'authHost', props.authHost);
    if (authHost !== undefined && appHost.toLowerCase() === authHost.toLowerCase()) {
      throw propError(this, 'authHost', `${show(authHost)} is the same as appHost`,
        `give oauth2-proxy a host of its own next to the app's, e.g. ${show(`oauth.${appHost.split('.').slice(1).join('.')}`)}, or leave authHost out (oauth2-proxy is then reached under /oauth2/ on the app host)`);
    }
    this.cookieHostOnly = props.cookie?.domain === undefined;
    this.cookieDomain = this.cookieHostOnly ? appHost.toLowerCase() : cookieDomainFor(this, appHost, props.cookie!.domain!);
    this.cookieName = props.cookie?.name ?? '_oauth2_proxy';
    requireSecretValue(this, 'clientSecret', props.clientSecret, 'the OAuth client secret of the app registration');
    requireSecretValue(this, 'cookieSecret', props.cookieSecret, '16, 24 or 32 random bytes, e.g. from `openssl rand -base64 32 | tr -- \'+/\' \'-_\'`');

    // it names oauth2-proxy's Service, and its route's VirtualService next to the app's
    const name = checkServiceName(this, 'name', props.name ?? 'oauth2-proxy');
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? serviceNamespace(this, 'app', props.app));
    if (props.app.name === name) {
      const sameNamespace = serviceNamespace(this, 'app', props.app) === this.namespace;
      if (sameNamespace || props.authHost !== undefined) {
        throw propError(this, 'name', `${show(name)} is also the app Service's name${sameNamespace ? ''
          : `, and the routes of the app host and of the auth host would both name their VirtualService ${show(`${this.namespace}/${name}`)}`}`, 'give oauth2-proxy another name');
      }
    }
    if (props.createNamespace ?? true) {
      const labels: Record<string, string> = props.istioRevision !== undefined
        ? { 'istio.io/rev': checkDnsLabel(this, 'istioRevision', props.istioRevision) }
        : { 'istio-injection': 'enabled' };
      this.namespaceObject = newNamespace(this, 'namespace', { metadata: { name: this.namespace, labels } });
    }
    const provider = props.provider._bind(this, 'provider');

    // certificate for the hosts, in the ingress gateway's namespace
    const hosts = authHost === undefined ? [appHost] : [appHost, authHost];
    this.certificate = props.certificate._bind(this, hosts, this.ingress);
    requireSameIngressNamespace(this, 'certificate', this.certificate, this.ingress);
    this.certificate._requireCovers(this, 'appHost', appHost);
    if (authHost !== undefined) this.certificate._requireCovers(this, 'authHost', authHost);

    // oauth2-proxy
    const metadata = { name, namespace: this.namespace };
    this.configMap = new kplus.ConfigMap(this, 'config', { metadata });
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata,
      replicas: props.replicas ?? 1,
      podMetadata: { labels: { 'app.kubernetes.io/name': name } },
      containers: [{
        name: 'oauth2-proxy',
        image: props.image ?? OAuth2ProxyIstio.DEFAULT_IMAGE,
        imagePullPolicy: pullPolicyFor(props.image ?? OAuth2ProxyIstio.DEFAULT_IMAGE),
        args: [`--config=${CONFIG_DIR}/${CONFIG_FILE}`],
        ports: [{ number: PORT, name: 'http' }],
        envVariables: {
          OAUTH2_PROXY_CLIENT_SECRET: kplus.EnvValue.fromSecretValue(props.clientSecret),
          OAUTH2_PROXY_COOKIE_SECRET: kplus.EnvValue.fromSecretValue(props.cookieSecret),
        },
        securityContext: {
          user: OAUTH2_PROXY_UID,
          group: OAUTH2_PROXY_UID,
          ensureNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        },
        resources: requireResources(this, 'resources', props.resources) ?? {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
        liveness: kplus.Probe.fromHttpGet(PING_PATH, { port: PORT }),
        readiness: kplus.Probe.fromHttpGet(READY_PATH, { port: PORT }),
        volumeMounts: [{ path: CONFIG_DIR, volume: kplus.Volume.fromConfigMap(this, 'config-volume', this.configMap), readOnly: true }],
      }],
    });
    const container = this.deployment.containers[0];
    hardenContainer(this, this.deployment, container);
    if (istio.holdApplicationUntilProxyStarts) {
      // oauth2-proxy calls the provider's discovery endpoint at start-up, through the sidecar
      this.deployment.podMetadata.addAnnotation('proxy.istio.io/config', JSON.stringify({ holdApplicationUntilProxyStarts: true }));
    }
    this.service = new kplus.Service(this, 'service', { metadata, selector: this.deployment, ports: [{ name: 'http', port: PORT, targetPort: PORT }] });

    const session = props.sessionStore._bind(this, 'sessionStore', this.namespace, name, this.deployment);
    this.redis = session.redis;
    for (const [key, value] of Object.entries(session.env)) container.env.addVariable(key, value);

    this.redirectUrl = `https://${appHost}/oauth2/callback`;
    const authenticatedEmails = [...provider.authenticatedEmails, ...(props.authenticatedEmails ?? [])];
    const emailDomains = props.emailDomains ?? [];
    if (emailDomains.length === 0 && authenticatedEmails.length === 0) {
      throw propError(this, 'emailDomains', 'received none, and no authenticated emails or service principals admit anyone',
        'list the email domains whose users may log in (["*"] for every account the provider authenticates)');
    }
    emailDomains.forEach((d, i) => { if (d !== '*') checkHostName(this, `emailDomains[${i}]`, d); });
    const config: Record<string, TomlValue> = {
      ...provider.config,
      ...session.config,
      ...cookieConfig(this, props.cookie, this.cookieName, this.cookieHostOnly ? undefined : this.cookieDomain, appHost, provider),
      ...loggingConfig(props.logging),
      http_address: `0.0.0.0:${PORT}`,
      // The ext_authz check carries the app's own path, and oauth2-proxy answers its health paths
      // with 200 before any authentication: at /ping and /ready the app would be open to anyone.
      // Under /oauth2/ they are never an app path (the policy skips /oauth2/*, which routes here).
      ping_path: PING_PATH,
      ready_path: READY_PATH,
      // auth-only: an authenticated check gets 200, the only status Envoy's ext_authz treats as allowed
      upstreams: ['static://200'],
      reverse_proxy: true,
      redirect_url: this.redirectUrl,
      // where oauth2-proxy may send the browser after the login: the app host (or the shared domain)
      whitelist_domains: [cookieScope(this)],
      set_xauthrequest: true,
      set_authorization_header: true,
      pass_access_token: true,
      pass_authorization_header: true,
      skip_provider_button: true,
    };
    if (emailDomains.length > 0) config.email_domains = [...emailDomains];
    if (authenticatedEmails.length > 0) {
      config.authenticated_emails_file = `${CONFIG_DIR}/${EMAILS_FILE}`;
      this.configMap.addData(EMAILS_FILE, authenticatedEmails.map((e) => `${e}\n`).join(''));
    }
    this.configMap.addData(CONFIG_FILE, toToml(config));
    ConfigHash.addConfigMap(this.deployment, this.configMap);

    // one Gateway server for the hosts (they share the certificate), and a route per host: the
    // app host (with /oauth2/ to oauth2-proxy) and the auth host
    this.gateway = new IngressHttpsGateway(this, 'gateway', {
      hosts,
      certificate: this.certificate,
      namespace: this.namespace,
      name: props.app.name,
      ingressGateway: props.ingressGateway,
      istioVersion: props.istioVersion,
    });
    const routeProps = { sharedGateway: this.gateway, namespace: this.namespace, clusterDomain: props.clusterDomain };
    this.appRoute = new IngressRoute(this, 'app-route', {
      ...routeProps,
      host: appHost,
      service: props.app,
      port: props.appPort,
      pathRoutes: [
        { pathPrefix: '/oauth2/', service: this.service },
        // oauth2-proxy answers /robots.txt with 200 before any authentication, which the check
        // would take as "allowed": that path goes to oauth2-proxy itself, never to the app
        { pathPrefix: ROBOTS_PATH, exact: true, service: this.service },
      ],
    });
    // the login runs on the app host, where the host-only session cookie lives: the auth host
    // sends every request there (a login started on it would fail at the callback otherwise)
    if (authHost !== undefined) {
      this.authRoute = new IngressRoute(this, 'auth-route', { ...routeProps, host: authHost, service: this.service, name, redirectHost: appHost });
    }

    if (props.serviceEntry ?? true) this.serviceEntry = this.createServiceEntry(istio, name, provider);
    const appNamespace = serviceNamespace(this, 'app', props.app);
    const requestAuthentication = props.requestAuthentication ?? true;
    if (props.forwardToken === true && !requestAuthentication) {
      throw propError(this, 'forwardToken', 'true, but requestAuthentication is false: without a RequestAuthentication nothing removes the token, so the app gets it anyway',
        'drop forwardToken, or leave requestAuthentication on');
    }
    if (requestAuthentication) {
      this.requestAuthentication = this.createRequestAuthentication(istio, props.app, appNamespace, provider, props.forwardToken ?? false);
    }
    const callerNamespaces = (props.meshCallerNamespaces ?? []).map((n, i) => checkDnsLabel(this, `meshCallerNamespaces[${i}]`, n));
    if (props.restrictMeshCallers ?? true) {
      this.callerPolicy = this.createCallerPolicy(istio, props.app, appNamespace, requestAuthentication ? provider : undefined, callerNamespaces);
    } else if (props.meshCallerNamespaces !== undefined) {
      throw propError(this, 'meshCallerNamespaces', `is ${show(props.meshCallerNamespaces)} but restrictMeshCallers is false, so every caller in the mesh is admitted anyway`,
        'drop meshCallerNamespaces, or leave restrictMeshCallers on');
    }

    const authService: AuthService = {
      fqdn: serviceFqdn(this, 'service', this.service, this.appRoute.clusterDomain),
      port: PORT,
      timeout: protoDuration(props.checkTimeout ?? Duration.seconds(5)),
    };
    const policyName = `ext-authz-${this.namespace}-${props.app.name}`;
    if (mode === ExtAuthzMode.AUTHORIZATION_POLICY) {
      const providerName = checkDnsSubdomain(this, 'extensionProviderName', props.extensionProviderName ?? `${name}-${this.namespace}`);
      this.extensionProvider = meshExtensionProvider(istio, providerName, authService);
      this.meshConfigYaml = Yaml.stringify({ meshConfig: { extensionProviders: [this.extensionProvider] } });
      this.meshConfigFragment = new kplus.ConfigMap(this, 'mesh-config', {
        metadata: {
          name: `${providerName}-mesh-config`,
          namespace: this.ingress.namespace,
          annotations: { 'meshkit.dev/purpose': 'Not read by Istio: merge meshConfig.yaml into the mesh config of the Istio installation (istiod Helm values or IstioOperator spec)' },
        },
        data: { 'meshConfig.yaml': this.meshConfigYaml },
      });
      this.authorizationPolicy = versionedObject(this, 'authorization-policy', istio.securityApiVersion, 'AuthorizationPolicy',
        { name: policyName, namespace: this.ingress.namespace },
        toJson_AuthorizationPolicySpec({
          selector: { matchLabels: this.ingress.labels },
          action: AuthorizationPolicySpecAction.CUSTOM,
          provider: { name: providerName },
          // the host with and without a port, as browsers and clients send it
          rules: [{ to: [{ operation: { hosts: [appHost, `${appHost}:*`], notPaths: ['/oauth2/*'] } }] }],
        }));
      this.identityHeaderFilter = this.gatewayEnvoyFilter('identity-header-filter', `${policyName}-identity-headers`, [identityHeaderPatch(istio, appHost)]);
    } else {
      this.extAuthzFilter = extAuthzHttpFilter(istio, authService);
      this.envoyFilter = this.createEnvoyFilter(istio, policyName, appHost, authHost, this.extAuthzFilter);
    }

    this.node.addValidation({ validate: () => this.validate(props) });
  }

  private createServiceEntry(istio: IstioRelease, name: string, provider: BoundProvider): ApiObject {
    const hosts = [...new Set(provider.egressHosts)].sort();
    return versionedObject(this, 'service-entry', istio.networkingApiVersion, 'ServiceEntry', { name: `${name}-idp`, namespace: this.namespace },
      toJson_ServiceEntrySpec({
        hosts,
        exportTo: ['.'],
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        // 443, and any other port the provider's URLs name (a ServiceEntry's ports apply to all its hosts)
        ports: [443, ...(provider.egressPorts ?? [])].map((n) => ({ name: n === 443 ? 'tls' : `tls-${n}`, number: n, protocol: 'TLS' })),
        resolution: hosts.some((h) => h.startsWith('*')) ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS,
      }));
  }

  /**
   * The ALLOW policy on the app's pods: the gateway's namespace, the namespaces given, and, with a
   * RequestAuthentication, the bearer tokens oauth2-proxy itself admits without a login (the
   * service principals' client-credentials tokens, as `<issuer>/<object id>`, in an allowed
   * group when groups are required). Other valid tokens (any user's, any other service
   * principal's) are not enough: the gateway would check them against emailDomains and the rest.
   */
  private createCallerPolicy(
    istio: IstioRelease, app: kplus.Service, namespace: string, tokens: BoundProvider | undefined, namespaces: string[],
  ): ApiObject {
    const callers = [this.ingress.namespace, ...namespaces.filter((n) => n !== this.ingress.namespace)];
    const principals = tokens ? tokens.jwtIssuers.flatMap((j) => tokens.authenticatedEmails.map((subject) => `${j.issuer}/${subject}`)) : [];
    const groups = tokens?.config.allowed_groups as string[] | undefined;
    const spec = Lazy.any({
      produce: () => toJson_AuthorizationPolicySpec({
        selector: { matchLabels: serviceSelector(app) },
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          { from: [{ source: { namespaces: callers } }] },
          ...(principals.length > 0 ? [{
            from: [{ source: { requestPrincipals: principals } }],
            ...(groups?.length ? { when: [{ key: 'request.auth.claims[groups]', values: [...groups] }] } : {}),
          }] : []),
        ],
      }),
    });
    return versionedObject(this, 'caller-policy', istio.securityApiVersion, 'AuthorizationPolicy', { name: `${app.name}-callers`, namespace }, spec);
  }

  private createRequestAuthentication(
    istio: IstioRelease, app: kplus.Service, namespace: string, provider: BoundProvider, forwardToken: boolean,
  ): ApiObject {
    // Built by hand: the generated mapper writes the CRD's alias `jwks_uri` instead of `jwksUri`.
    const spec = Lazy.any({
      produce: () => ({
        // the app's pods, and only them: the app Service's selector
        selector: { matchLabels: serviceSelector(app) },
        jwtRules: provider.jwtIssuers.map((j) => ({
          issuer: j.issuer,
          ...(j.jwksUri ? { jwksUri: j.jwksUri } : {}),
          ...(j.audiences ? { audiences: j.audiences } : {}),
          ...(forwardToken ? { forwardOriginalToken: true } : {}),
        })),
      }),
    });
    // in the app's namespace: a selector applies only to the pods of its policy's own namespace
    return versionedObject(this, 'request-authentication', istio.securityApiVersion, 'RequestAuthentication', { name: app.name, namespace }, spec);
  }

  /**
   * Seed 001's EnvoyFilter: ext_authz in the filter chain of the Gateway server (matched by the app
   * host's SNI), which serves the auth host too, if there is one: a second patch then turns the
   * filter off on the auth host's virtual host (oauth2-proxy's own pages need no check).
   */
  private createEnvoyFilter(istio: IstioRelease, name: string, appHost: string, authHost: string | undefined, value: Record<string, any>): ApiObject {
    const authHostPatch: EnvoyFilterSpecConfigPatches[] = authHost === undefined ? [] : [{
      applyTo: EnvoyFilterSpecConfigPatchesApplyTo.VIRTUAL_UNDERSCORE_HOST,
      match: {
        context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
        // istiod names a gateway's virtual hosts <host>:<server port>
        routeConfiguration: { vhost: { name: `${authHost}:${INGRESS_HTTPS_PORT}` } },
      },
      patch: { operation: EnvoyFilterSpecConfigPatchesPatchOperation.MERGE, value: extAuthzDisabled() },
    }];
    return this.gatewayEnvoyFilter('envoy-filter', name, [{
      applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
      match: {
        context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
        listener: {
          filterChain: {
            // the filter chain of the Gateway server of both hosts
            sni: appHost,
            filter: { name: istio.httpConnectionManagerName, subFilter: { name: istio.routerFilterName } },
          },
        },
      },
      patch: { operation: EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE, value },
    }, ...authHostPatch, identityHeaderPatch(istio, appHost)]);
  }

  /** An EnvoyFilter (networking.istio.io/v1alpha3) of the ingress gateway's pods, in their namespace. */
  private gatewayEnvoyFilter(id: string, name: string, configPatches: EnvoyFilterSpecConfigPatches[]): ApiObject {
    return new ApiObject(this, id, {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name, namespace: this.ingress.namespace },
      spec: toJson_EnvoyFilterSpec({ workloadSelector: { labels: this.ingress.labels }, configPatches }),
    });
  }

  /**
   * Istio applies a single CUSTOM provider per workload (unless istiod allows several): with
   * another CUSTOM AuthorizationPolicy of a different provider on the same ingress gateway, istiod
   * fails closed, denying the requests both policies cover (before 1.20, every request of the
   * gateway).
   */
  private conflictingCustomProviders(manifests: any[]): string[] {
    const mine = this.authorizationPolicy ? ApiObject.of(this.authorizationPolicy).toJson() : undefined;
    if (!mine || this.multipleCustomProviders) return [];
    const labels: Record<string, string> = mine.spec.selector?.matchLabels ?? {};
    // A policy applies to the gateway's pods when it is in their namespace, or in the mesh's root
    // namespace (istio-system unless meshConfig.rootNamespace says otherwise), and has no selector
    // or one that may select them: inside the gateway's labels, or holding them (the pods may carry
    // more labels than their selector names).
    const appliesToGateway = (m: any) => {
      const namespace = m.metadata?.namespace;
      if (namespace !== mine.metadata.namespace && namespace !== MESH_ROOT_NAMESPACE) return false;
      const selector: Record<string, unknown> = m.spec?.selector?.matchLabels ?? {};
      return selectsAll(selector, labels) || selectsAll(labels, selector);
    };
    return manifests
      .filter((m) => m.kind === 'AuthorizationPolicy' && m.metadata?.name !== mine.metadata.name && m.spec?.action === 'CUSTOM'
        && appliesToGateway(m) && m.spec?.provider?.name !== mine.spec.provider.name)
      .map((m) => `${this.node.path}: mode: AuthorizationPolicy ${m.metadata.namespace}/${m.metadata.name} already sends the same ingress gateway to provider "${m.spec.provider?.name}", and Istio applies one CUSTOM provider per workload`
        + ' unless istiod runs with PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS=true (Istio 1.30+)'
        + '; use ExtAuthzMode.ENVOY_FILTER or another ingress gateway for this app, or share one provider,'
        + ' or set that variable on istiod and multipleCustomProviders: true on each OAuth2ProxyIstio');
  }

  /**
   * Another oauth2-proxy of the app whose session cookie has this one's name on this one's domain,
   * or on a domain above or below it: a browser then keeps both cookies under one name and sends
   * both to the hosts of the narrower domain, and each oauth2-proxy reads or replaces the other's
   * session (which it can't decrypt), so the two log each other's users out.
   */
  private sharedCookies(): string[] {
    // a host-only cookie reaches its host; a domain cookie its domain and every host below it
    const below = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);
    const overlaps = (a: OAuth2ProxyIstio, b: OAuth2ProxyIstio) => {
      if (a.cookieHostOnly && b.cookieHostOnly) return a.cookieDomain === b.cookieDomain;
      if (a.cookieHostOnly) return below(a.cookieDomain, b.cookieDomain);
      if (b.cookieHostOnly) return below(b.cookieDomain, a.cookieDomain);
      return below(a.cookieDomain, b.cookieDomain) || below(b.cookieDomain, a.cookieDomain);
    };
    return this.node.root.node.findAll()
      .filter((c): c is OAuth2ProxyIstio => c instanceof OAuth2ProxyIstio && c !== this
        && c.cookieName === this.cookieName && overlaps(c, this))
      .map((other) => {
        const suggestion = `_oauth2_proxy_${this.appRoute.host.split('.')[0].replace(/-/g, '_')}`;
        return propError(this, 'cookie.name',
          `${show(this.cookieName)} on ${cookieScope(this)} is also the session cookie of ${other.node.path} (on ${cookieScope(other)}), so in one browser the two oauth2-proxies overwrite each other's sessions`,
          suggestion === this.cookieName ? `give ${other.node.path} a cookie.name of its own` : `give each its own cookie.name, e.g. ${show(suggestion)} here`).message;
      });
  }

  /**
   * The EnvoyFilter's patch value as synthesized (escape-hatch patches included), checked against
   * Envoy's v3 protos: an HttpFilter whose typed_config is an ExtAuthz. Istio would accept a wrong
   * field and the gateway would reject the listener at runtime.
   */
  private invalidEnvoyPatch(): string[] {
    const filters: Array<[ApiObject | undefined, string]> = [[this.envoyFilter, 'envoyFilter'], [this.identityHeaderFilter, 'identityHeaderFilter']];
    return filters.flatMap(([filter, name]) => {
      const patches: any[] = (filter && ApiObject.of(filter).toJson().spec?.configPatches) ?? [];
      return patches.flatMap((p, i) => {
        // what the gateway's Envoy gets: an HttpFilter inserted, or fields merged into a VirtualHost
        const typeName = p?.applyTo === 'HTTP_FILTER' ? EnvoyConfigValidator.HTTP_FILTER : p?.applyTo === 'VIRTUAL_HOST' ? VIRTUAL_HOST : undefined;
        if (typeName === undefined || p.patch?.value === undefined) return []; // other targets, and REMOVE (no value)
        try {
          assertValidEnvoyConfig(this, i === 0 ? name : `${name}.configPatches[${i}]`, p.patch?.value, typeName, { partial: p.patch?.operation === 'MERGE' });
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      });
    });
  }


  /** Synth-time checks: the app Service's selector, then the wiring checks over the objects involved. */
  private validate(props: OAuth2ProxyIstioProps): string[] {
    const errors: string[] = [];
    if (Object.keys(serviceSelector(props.app)).length === 0) {
      errors.push(`${this.node.path}: app: Service ${show(props.app.name)} has no selector; give it the app's pod labels (the RequestAuthentication selects the app's pods with them)`);
    }
    const scope = wiringScope(this, [ApiObject.of(props.app)], this.certificate);
    errors.push(...this.sharedCookies());
    errors.push(...this.conflictingCustomProviders(scope.manifests));
    errors.push(...this.invalidEnvoyPatch());
    errors.push(...wiringErrors(this, scope, {
      ingressGateways: [this.ingress],
      assumeExternalObjects: this.assumeExternal,
      clusterDomain: this.appRoute.clusterDomain,
    }));
    return errors;
  }
}

/** Where browsers send an oauth2-proxy's session cookie: its app host, or `.<domain>` for a shared domain. */
function cookieScope(c: OAuth2ProxyIstio): string {
  return c.cookieHostOnly ? c.cookieDomain : `.${c.cookieDomain}`;
}

/** The selector labels of a Service, as synthesized. */
function serviceSelector(service: kplus.Service): Record<string, string> {
  return ApiObject.of(service).toJson().spec?.selector ?? {};
}

/**
 * The EnvoyFilter patch that puts the identity-header filter first in the app host's filter chain
 * of the ingress gateway, before ext_authz (istiod's for AuthorizationPolicy CUSTOM, or the
 * EnvoyFilter's own).
 */
function identityHeaderPatch(istio: IstioRelease, appHost: string): EnvoyFilterSpecConfigPatches {
  return {
    applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
    match: {
      context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
      listener: { filterChain: { sni: appHost, filter: { name: istio.httpConnectionManagerName } } },
    },
    patch: {
      // before 1.10 istiod ignores INSERT_FIRST on HTTP filters; INSERT_BEFORE without a subFilter prepends there
      operation: istio.httpFilterInsertFirst
        ? EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_FIRST
        : EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE,
      value: identityHeaderFilter(istio),
    },
  };
}

function requireSecretValue(scope: IConstruct, prop: string, value: kplus.SecretValue | undefined, what: string): void {
  if (!value || !value.secret || typeof value.key !== 'string' || value.key === '') {
    throw propError(scope, prop, `received ${value ? `a reference without a ${value.secret ? 'key' : 'secret'}` : 'undefined'}`,
      `pass a SecretValue ({ secret, key }) of the Secret key holding ${what}`);
  }
  checkDnsSubdomain(scope, `${prop}.secret`, value.secret.name);
}

/**
 * Whether two hosts may be on one site (the registrable domain SameSite compares): whether they end
 * in the same two labels. Without the public-suffix list, hosts under one two-label public suffix
 * (a.co.uk, b.co.uk) count as one site: the check only refuses what is surely cross-site.
 */
function maySameSite(a: string, b: string): boolean {
  const lastTwo = (h: string) => h.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');
  return lastTwo(a) === lastTwo(b);
}

/** `cookie.domain`, checked: a domain of at least two labels that the app host is or ends with. */
function cookieDomainFor(scope: IConstruct, appHost: string, domain: string): string {
  const d = checkHostName(scope, 'cookie.domain', typeof domain === 'string' ? domain.replace(/^\./, '') : domain).toLowerCase();
  const host = appHost.toLowerCase();
  if (d.split('.').length < 2 || (host !== d && !host.endsWith(`.${d}`))) {
    throw propError(scope, 'cookie.domain', `${show(domain)} is not the app host ${show(appHost)} nor a domain above it`,
      `give a domain the app host ends with, e.g. ${show(host.split('.').slice(1).join('.'))}, or leave cookie.domain out for a host-only cookie`);
  }
  return d;
}

/**
 * The cookie settings. Without `domain` no `cookie_domains` is written: oauth2-proxy then sets no
 * Domain attribute, and the cookie stays with the host that set it (the app host, which serves
 * the callback).
 */
function cookieConfig(
  scope: IConstruct, options: OAuth2ProxyCookieOptions = {}, name: string, domain: string | undefined, appHost: string, provider: BoundProvider,
): Record<string, TomlValue> {
  const tokenLifetime = provider.tokenLifetime;
  const secure = options.secure ?? true;
  const sameSite = options.sameSite ?? CookieSameSite.LAX;
  // oauth2-proxy's login (CSRF) cookie takes the session cookie's attributes: a STRICT one stays
  // behind when the provider's login sends the browser back from another site
  if (sameSite === CookieSameSite.STRICT && !maySameSite(provider.loginHost, appHost)) {
    throw propError(scope, 'cookie.sameSite', `STRICT, with the provider's login at ${show(provider.loginHost)}, another site than ${show(appHost)}: `
      + 'oauth2-proxy gives its login (CSRF) cookie the same attribute, so the browser, sent back from the login by the other site, leaves it out, '
      + 'and every callback fails ("Unable to find a valid CSRF token")',
    'use CookieSameSite.LAX (the default: the cookie goes along on top-level navigations from other sites, not on their embedded or cross-site POST requests)');
  }
  const expire = options.expire ?? Duration.hours(168);
  // no refreshing by default for sessions that end before their token does
  const refresh = options.refresh ?? (tokenLifetime
    ? (expire.toMilliseconds() <= tokenLifetime.toMilliseconds() ? Duration.seconds(0) : refreshBefore(tokenLifetime))
    : Duration.hours(1));
  if (!isHttpToken(name)) {
    throw propError(scope, 'cookie.name', `${show(name)} is not a cookie name`, 'use letters, digits and "_", e.g. "_oauth2_proxy"');
  }
  if (sameSite === CookieSameSite.NONE && !secure) {
    throw propError(scope, 'cookie.sameSite', 'NONE with secure: false', 'browsers drop SameSite=None cookies that are not secure; keep secure: true');
  }
  // a session that ends before its ID token needs no refreshing
  const outlivesToken = tokenLifetime !== undefined && expire.toMilliseconds() > tokenLifetime.toMilliseconds();
  if (refresh.toMilliseconds() > 0 && refresh.toMilliseconds() >= expire.toMilliseconds()) {
    throw propError(scope, 'cookie.refresh', `${goDuration(refresh)} is not shorter than cookie.expire (${goDuration(expire)})`,
      outlivesToken ? `refresh sessions before the cookie expires (and before the tokens do, after ${goDuration(tokenLifetime!)})`
        : 'refresh sessions before the cookie expires, or set refresh to 0 to disable refreshing');
  }
  // oauth2-proxy looks at a session's token expiry only when it refreshes the session: until then
  // it keeps passing the expired ID token on, which the app's RequestAuthentication refuses
  if (tokenLifetime && ((refresh.toMilliseconds() === 0 && outlivesToken) || refresh.toMilliseconds() >= tokenLifetime.toMilliseconds())) {
    const received = refresh.toMilliseconds() === 0 ? '0 (no refreshing)' : `${goDuration(refresh)}`;
    throw propError(scope, 'cookie.refresh', `${received} is not shorter than the provider's token lifetime (${goDuration(tokenLifetime)}): `
      + `oauth2-proxy checks a session's token only when it refreshes the session, so ${refresh.toMilliseconds() === 0 ? 'once the token expires' : 'from the token\'s expiry to the refresh'} `
      + 'it keeps passing the expired ID token on, and the app\'s RequestAuthentication (or the app) answers 401 to a signed-in user',
    `refresh before the tokens expire (leave refresh out: a minute before), end sessions by then (cookie.expire at most ${goDuration(tokenLifetime)}`
      + `${refresh.toMilliseconds() === 0 ? '' : ', with refresh left out'}), `
      + 'or give the provider the tokenLifetime your identity provider really uses');
  }
  return {
    cookie_name: name,
    // oauth2-proxy picks the longest domain the request's host ends with; a host that is the
    // domain itself matches only the bare entry
    ...(domain === undefined ? {} : { cookie_domains: appHost.toLowerCase() === domain ? [`.${domain}`, domain] : [`.${domain}`] }),
    cookie_secure: secure,
    cookie_httponly: options.httpOnly ?? true,
    cookie_samesite: sameSite,
    cookie_refresh: goDuration(refresh),
    cookie_expire: goDuration(expire),
  };
}

/**
 * oauth2-proxy's own advice: refresh a minute before the tokens expire. For tokens of under two
 * minutes, halfway through instead: a minute before would be 0, which turns refreshing off.
 */
function refreshBefore(tokenLifetime: Duration): Duration {
  const seconds = tokenLifetime.toSeconds();
  return Duration.seconds(Math.max(seconds - 60, Math.floor(seconds / 2)));
}

function loggingConfig(options: OAuth2ProxyLoggingOptions = {}): Record<string, TomlValue> {
  return {
    request_logging: options.requests ?? true,
    auth_logging: options.authentication ?? true,
    standard_logging: options.standard ?? true,
    silence_ping_logging: options.silencePing ?? true,
  };
}
