import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/**
 * The Istio minor version every construct targets when none is given (the CRDs in imports/ are
 * 1.30).
 * @internal
 */
export const DEFAULT_ISTIO_VERSION = '1.30';
/** The oldest Istio release whose objects the library can emit (the seed's 1.6.4). */
const OLDEST_SUPPORTED = { major: 1, minor: 6 };

/**
 * The Istio release a construct emits objects for, and every choice that depends on it, derived
 * in one place so constructs never compare version strings themselves. Every construct with an
 * `istioVersion` prop parses it here (one default, one set of messages); a construct that needs a
 * newer release than the library's oldest checks it with `requireAtLeast`.
 *
 * @internal
 */
export class IstioRelease {
  /**
   * Parses `1.30`, `1.30.3` or `v1.30.3` (default `DEFAULT_ISTIO_VERSION`); fails on anything
   * else, on releases older than 1.6 and on major versions other than 1.
   * @param scope the construct whose prop holds the version (named in the error)
   * @param prop the prop, as the error names it (e.g. `istio.istioVersion`)
   */
  public static parse(scope: IConstruct, prop: string, value: string | undefined): IstioRelease {
    const given = value ?? DEFAULT_ISTIO_VERSION;
    const match = typeof given === 'string' ? /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?$/.exec(given) : null;
    if (!match) {
      throw propError(scope, prop, `${show(given)} is not an Istio version`, `give a release such as "${DEFAULT_ISTIO_VERSION}" or "${DEFAULT_ISTIO_VERSION}.3"`);
    }
    const release = new IstioRelease(Number(match[1]), Number(match[2]), given.replace(/^v/, ''), prop);
    if (release.major !== OLDEST_SUPPORTED.major && release.atLeast(OLDEST_SUPPORTED.major, OLDEST_SUPPORTED.minor)) {
      throw propError(scope, prop, `Istio ${release.text} is not supported: this library knows the objects of Istio ${OLDEST_SUPPORTED.major}.${OLDEST_SUPPORTED.minor} to ${OLDEST_SUPPORTED.major}.x`,
        `give the Istio ${OLDEST_SUPPORTED.major}.x release of the mesh, e.g. "${DEFAULT_ISTIO_VERSION}"`);
    }
    if (!release.atLeast(OLDEST_SUPPORTED.major, OLDEST_SUPPORTED.minor)) {
      throw propError(scope, prop, `Istio ${release.text} is older than ${OLDEST_SUPPORTED.major}.${OLDEST_SUPPORTED.minor}, the oldest release this library emits objects for`,
        'upgrade Istio or pin an older version of this library');
    }
    return release;
  }

  /**
   * @param text the version as given, without a leading `v`
   * @param prop the prop it was given in, named when a construct finds the release too old
   */
  private constructor(public readonly major: number, public readonly minor: number, public readonly text: string, private readonly prop: string) {}

  /** Whether this release is `major.minor` or newer. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  /**
   * Fails unless this release is `major.minor` or newer, as
   * `<path>: <prop>: <what> needs Istio <major.minor> or newer (<why>), but istioVersion is "<text>"; <fix>`.
   * @param prop the prop whose choice needs the release (the version prop itself, or e.g. `mode`)
   * @param what what needs it, e.g. "AUTHORIZATION_POLICY" or "IstioPrometheusScrape"
   * @param why the feature of that release it relies on
   */
  public requireAtLeast(scope: IConstruct, prop: string, major: number, minor: number, what: string, why: string, fix: string): void {
    if (!this.atLeast(major, minor)) {
      throw propError(scope, prop, `${what} needs Istio ${major}.${minor} or newer (${why}), but ${this.prop} is ${show(this.text)}`, fix);
    }
  }

  /** Whether networking.istio.io and security.istio.io serve v1 (Istio 1.22); older releases have v1beta1 only. */
  public get servesV1Apis(): boolean {
    return this.atLeast(1, 22);
  }

  /** networking.istio.io version of Gateway, VirtualService, DestinationRule, ServiceEntry and Sidecar (v1 from Istio 1.22). */
  public get networkingApiVersion(): string {
    return this.servesV1Apis ? 'networking.istio.io/v1' : 'networking.istio.io/v1beta1';
  }

  /** security.istio.io version of AuthorizationPolicy and RequestAuthentication (v1 from Istio 1.22). */
  public get securityApiVersion(): string {
    return this.servesV1Apis ? 'security.istio.io/v1' : 'security.istio.io/v1beta1';
  }

  /**
   * The name of the HTTP connection manager network filter that EnvoyFilter patches match.
   * istiod matches either spelling (canonical or deprecated alias) in every release this library
   * knows; the alias is written before 1.9 only to keep configs for those releases as they were.
   */
  public get httpConnectionManagerName(): string {
    return this.atLeast(1, 9) ? 'envoy.filters.network.http_connection_manager' : 'envoy.http_connection_manager';
  }

  /**
   * Whether istiod applies `INSERT_FIRST` to an `HTTP_FILTER` patch: Istio 1.10 and later
   * (istio/istio#31573). Earlier releases ignore such a patch without a word; there, `INSERT_BEFORE`
   * without a `subFilter` match puts the filter first.
   */
  public get httpFilterInsertFirst(): boolean {
    return this.atLeast(1, 10);
  }

  /** The name of the router HTTP filter, the last filter of every HTTP filter chain. */
  public get routerFilterName(): string {
    return this.atLeast(1, 9) ? 'envoy.filters.http.router' : 'envoy.router';
  }

  /**
   * Whether the Lua HTTP filter takes its script as `default_source_code` instead of the deprecated
   * `inline_code`: from Istio 1.14 (Envoy 1.22), long after Envoy added the field.
   */
  public get luaDefaultSourceCode(): boolean {
    return this.atLeast(1, 14);
  }

  /**
   * Whether the ext_authz filter takes the request-header allow-list at its top level
   * (`ExtAuthz.allowed_headers`) instead of the deprecated `http_service.authorization_request.allowed_headers`.
   * The library moves to the new field from Istio 1.20 (Envoy 1.28), long after Envoy added it.
   */
  public get extAuthzTopLevelAllowedHeaders(): boolean {
    return this.atLeast(1, 20);
  }

  /**
   * Whether headers of an allowed check response can be passed to the client
   * (`headersToDownstreamOnAllow` in the mesh config, `allowed_client_headers_on_success` in Envoy):
   * Istio 1.14 and later. oauth2-proxy uses it to refresh its session cookie.
   */
  public get extAuthzDownstreamHeadersOnAllow(): boolean {
    return this.atLeast(1, 14);
  }

  /**
   * Whether a CUSTOM AuthorizationPolicy whose extension provider istiod can't resolve (e.g. not in
   * the mesh config yet) denies only the requests its own rules match: Istio 1.20 and later
   * (istio/istio#46968). Before, istiod replaced the workload's whole RBAC config with deny-all
   * (istio/istio#28451), so every request to the selected workload was denied.
   */
  public get unknownCustomProviderDeniesOnlyItsRules(): boolean {
    return this.atLeast(1, 20);
  }

  /** `includeRequestHeadersInCheck` replaced `includeHeadersInCheck` in Istio 1.10. */
  public get extAuthzRequestHeadersField(): string {
    return this.atLeast(1, 10) ? 'includeRequestHeadersInCheck' : 'includeHeadersInCheck';
  }

  /** `envoyExtAuthzHttp.timeout` exists from Istio 1.10. */
  public get extAuthzProviderTimeout(): boolean {
    return this.atLeast(1, 10);
  }

  /**
   * `holdApplicationUntilProxyStarts` in a pod's `proxy.istio.io/config` is read from Istio 1.8;
   * 1.7 had it only mesh-wide (`values.global.proxy.holdApplicationUntilProxyStarts`).
   */
  public get holdApplicationUntilProxyStarts(): boolean {
    return this.atLeast(1, 8);
  }

  /**
   * Whether the injector reads `sidecar.istio.io/inject` as a pod label (Istio 1.10 and later);
   * earlier releases read the annotation of the same name, which only takes effect in a namespace
   * with injection enabled.
   */
  public get injectionByPodLabel(): boolean {
    return this.atLeast(1, 10);
  }
}
