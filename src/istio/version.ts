import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/** The Istio minor version the library targets when none is given (the CRDs in imports/ are 1.30). */
export const DEFAULT_ISTIO_VERSION = '1.30';
/** The oldest Istio release whose objects the library can emit (the seed's 1.6.4). */
const OLDEST_SUPPORTED = { major: 1, minor: 6 };

/**
 * The choices that depend on the Istio release a construct emits objects for, derived in one
 * place so constructs never compare version strings themselves.
 *
 * @internal
 */
export class IstioRelease {
  /**
   * Parses `1.30`, `1.30.3` or `v1.30.3`; fails on anything else and on releases older than 1.6.
   * @param scope the construct whose prop holds the version (named in the error)
   */
  public static parse(scope: IConstruct, prop: string, value: string | undefined): IstioRelease {
    const text = value ?? DEFAULT_ISTIO_VERSION;
    const match = typeof text === 'string' ? /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?$/.exec(text) : null;
    if (!match) {
      throw propError(scope, prop, `${show(text)} is not an Istio version`, 'give a release such as "1.30" or "1.30.3"');
    }
    const release = new IstioRelease(Number(match[1]), Number(match[2]), text);
    if (!release.atLeast(OLDEST_SUPPORTED.major, OLDEST_SUPPORTED.minor)) {
      throw propError(scope, prop, `Istio ${text} is older than ${OLDEST_SUPPORTED.major}.${OLDEST_SUPPORTED.minor}, the oldest release this library emits objects for`,
        'upgrade Istio or pin an older version of this library');
    }
    return release;
  }

  private constructor(public readonly major: number, public readonly minor: number, public readonly text: string) {}

  /** Whether this release is `major.minor` or newer. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  /** networking.istio.io version of Gateway, VirtualService and ServiceEntry (v1 from Istio 1.22). */
  public get networkingApiVersion(): string {
    return this.atLeast(1, 22) ? 'networking.istio.io/v1' : 'networking.istio.io/v1beta1';
  }

  /** security.istio.io version of AuthorizationPolicy and RequestAuthentication (v1 from Istio 1.22). */
  public get securityApiVersion(): string {
    return this.atLeast(1, 22) ? 'security.istio.io/v1' : 'security.istio.io/v1beta1';
  }

  /** AuthorizationPolicy action CUSTOM and mesh-config extension providers exist from Istio 1.9. */
  public get supportsCustomAuthorization(): boolean {
    return this.atLeast(1, 9);
  }

  /**
   * The name of the HTTP connection manager network filter on gateway listeners. Istio 1.9 moved
   * its listeners to Envoy's canonical extension names; older releases use the deprecated alias.
   */
  public get httpConnectionManagerName(): string {
    return this.atLeast(1, 9) ? 'envoy.filters.network.http_connection_manager' : 'envoy.http_connection_manager';
  }

  /** The name of the router HTTP filter, the last filter of every HTTP filter chain. */
  public get routerFilterName(): string {
    return this.atLeast(1, 9) ? 'envoy.filters.http.router' : 'envoy.router';
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

  /** `includeRequestHeadersInCheck` replaced `includeHeadersInCheck` in Istio 1.10. */
  public get extAuthzRequestHeadersField(): string {
    return this.atLeast(1, 10) ? 'includeRequestHeadersInCheck' : 'includeHeadersInCheck';
  }

  /** `envoyExtAuthzHttp.timeout` exists from Istio 1.10. */
  public get extAuthzProviderTimeout(): boolean {
    return this.atLeast(1, 10);
  }

  /** `holdApplicationUntilProxyStarts` (pod `proxy.istio.io/config`) exists from Istio 1.7. */
  public get holdApplicationUntilProxyStarts(): boolean {
    return this.atLeast(1, 7);
  }
}
