/**
 * The two ways of sending requests of the app host through oauth2-proxy's check, as plain JSON:
 * the mesh-config extension provider (for AuthorizationPolicy action CUSTOM) and the ext_authz HTTP
 * filter of seed 001's EnvoyFilter. Pure functions, no cdk8s.
 */
import { EnvoyHttpFilter } from '../envoy/http-filter';
import { IstioRelease } from '../istio/version';

/** Where the check goes: the oauth2-proxy Service. @internal */
export interface AuthService {
  /** `<name>.<namespace>.svc.cluster.local` */
  readonly fqdn: string;
  readonly port: number;
  /** Check timeout, protobuf JSON ("5s"). */
  readonly timeout: string;
}

/**
 * Request headers oauth2-proxy reads in a check: the session cookie, bearer tokens, the scheme,
 * and `Accept`, by which it answers a script or API client without a session 401 instead of
 * redirecting it to the provider's login page (which a fetch() can't follow across origins), when
 * one of its comma-separated entries is exactly `application/json`.
 * Envoy sends the check only the headers listed (and Host, Method, Path, Content-Length).
 */
const CHECK_REQUEST_HEADERS = ['accept', 'authorization', 'cookie', 'x-forwarded-proto'];
/** Headers of an allowed check that reach the app: the ID token (`set_authorization_header`) and the `set_xauthrequest` headers. */
const UPSTREAM_HEADERS_ON_ALLOW = [
  'authorization',
  'x-auth-request-access-token',
  'x-auth-request-email',
  'x-auth-request-groups',
  'x-auth-request-preferred-username',
  'x-auth-request-user',
];
/** Headers of a denied check that reach the browser (Location and WWW-Authenticate are always passed). */
const DOWNSTREAM_HEADERS_ON_DENY = ['content-type', 'set-cookie'];
/** Headers of an allowed check that reach the browser: the refreshed session cookie. */
const DOWNSTREAM_HEADERS_ON_ALLOW = ['set-cookie'];

/**
 * The `extensionProviders` entry of the mesh config for oauth2-proxy (`envoyExtAuthzHttp`), with the
 * fields the Istio release knows.
 * @internal
 */
export function meshExtensionProvider(istio: IstioRelease, name: string, service: AuthService): Record<string, any> {
  const provider: Record<string, any> = { service: service.fqdn, port: service.port };
  if (istio.extAuthzProviderTimeout) provider.timeout = service.timeout;
  provider[istio.extAuthzRequestHeadersField] = CHECK_REQUEST_HEADERS;
  provider.headersToUpstreamOnAllow = UPSTREAM_HEADERS_ON_ALLOW;
  if (istio.extAuthzDownstreamHeadersOnAllow) provider.headersToDownstreamOnAllow = DOWNSTREAM_HEADERS_ON_ALLOW;
  provider.headersToDownstreamOnDeny = DOWNSTREAM_HEADERS_ON_DENY;
  return { name, envoyExtAuthzHttp: provider };
}

/**
 * Seed 001's header allow-lists for its EnvoyFilter, kept as the seed wrote them (the author found
 * that trimming them broke the flow in subtle ways).
 */
const SEED_REQUEST_HEADERS = [
  { exact: 'accept' }, { exact: 'authorization' }, { exact: 'cookie' }, { exact: 'from' }, { exact: 'proxy-authorization' },
  { exact: 'user-agent' }, { exact: 'x-forwarded-access-token' }, { exact: 'x-forwarded-email' }, { exact: 'x-forwarded-for' },
  { exact: 'x-forwarded-host' }, { exact: 'x-forwarded-proto' }, { exact: 'x-forwarded-user' },
  { prefix: 'x-auth-request' }, { prefix: 'x-forwarded' },
];
/**
 * `location` and `set-cookie` must stay: the filter also checks `/oauth2/*` of the app host, so the
 * callback is handled inside the check, and its 302 and session cookie reach the browser only as
 * allowed client headers of a denied check.
 */
const SEED_RESPONSE_HEADERS = [
  { exact: 'authorization' }, { exact: 'location' }, { exact: 'proxy-authenticate' }, { exact: 'set-cookie' },
  { exact: 'www-authenticate' }, { prefix: 'x-auth-request' }, { prefix: 'x-forwarded' },
];

/** The type URL of the ext_authz filter config. @internal */
export const EXT_AUTHZ_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
/** The name of the ext_authz HTTP filter, which per-route configs are keyed by. */
const EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';

/**
 * The part of a virtual host (or route) that turns the ext_authz filter off for it, in protobuf
 * JSON: an `ExtAuthzPerRoute` with `disabled` under the filter's name.
 * @internal
 */
export function extAuthzDisabled(): Record<string, any> {
  return {
    typed_per_filter_config: {
      [EXT_AUTHZ_FILTER]: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', 'disabled': true },
    },
  };
}

/**
 * The ext_authz HTTP filter (an `HttpFilter` of the HTTP connection manager) calling oauth2-proxy,
 * in protobuf JSON with snake_case field names throughout. The request-header allow-list moves to
 * `ExtAuthz.allowed_headers` on releases whose Envoy deprecates the old place.
 * @internal
 */
export function extAuthzHttpFilter(istio: IstioRelease, service: AuthService): Record<string, any> {
  const requestHeaders = { patterns: SEED_REQUEST_HEADERS };
  const authorizationResponse: Record<string, any> = {
    allowed_upstream_headers: { patterns: SEED_RESPONSE_HEADERS },
    allowed_client_headers: { patterns: SEED_RESPONSE_HEADERS },
  };
  if (istio.extAuthzDownstreamHeadersOnAllow) {
    authorizationResponse.allowed_client_headers_on_success = { patterns: DOWNSTREAM_HEADERS_ON_ALLOW.map((exact) => ({ exact })) };
  }
  const httpService: Record<string, any> = {
    server_uri: {
      uri: `http://${service.fqdn}:${service.port}`,
      cluster: `outbound|${service.port}||${service.fqdn}`,
      timeout: service.timeout,
    },
    authorization_response: authorizationResponse,
  };
  const config: Record<string, any> = {
    '@type': EXT_AUTHZ_TYPE,
    'http_service': httpService,
    'failure_mode_allow': false,
  };
  if (istio.extAuthzTopLevelAllowedHeaders) config.allowed_headers = requestHeaders;
  else httpService.authorization_request = { allowed_headers: requestHeaders };
  return EnvoyHttpFilter.of(EXT_AUTHZ_FILTER, config).toJson();
}

/**
 * Headers an app behind oauth2-proxy may take for the user's identity: the `set_xauthrequest`
 * headers of a check, and the X-Forwarded-* ones of oauth2-proxy's proxy mode. ext_authz only adds
 * or replaces the headers a check returns, and oauth2-proxy leaves out a header whose claim is
 * empty (e.g. groups), so without this list a client's own value would reach the app.
 * @internal
 */
export const IDENTITY_HEADERS = [
  'x-auth-request-user',
  'x-auth-request-email',
  'x-auth-request-groups',
  'x-auth-request-preferred-username',
  'x-auth-request-access-token',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
];

/**
 * An HTTP filter (Lua, which every Istio proxy build has) that removes the identity headers a
 * client sent, so that the app gets them from oauth2-proxy's check or not at all. Inserted first
 * in the app host's filter chain, before the ext_authz filter.
 * @internal
 */
export function identityHeaderFilter(istio: IstioRelease): Record<string, any> {
  // Envoy passes header names with "_" by default, and servers that fold "_" into "-" (CGI-style
  // environments) would read x_auth_request_user as the real header: drop both spellings. Envoy's
  // header map can't change while it is iterated, so the names are collected first.
  const script = [
    '-- identity headers reach the app only from oauth2-proxy\'s check: drop those the client sent, in any spelling',
    `local identity = { ${IDENTITY_HEADERS.map((h) => `["${h}"] = true`).join(', ')} }`,
    'function envoy_on_request(request_handle)',
    '  local headers = request_handle:headers()',
    '  local drop = {}',
    '  for name, _ in pairs(headers) do',
    '    local canonical = string.gsub(string.lower(name), "_", "-")',
    '    if identity[canonical] then drop[#drop + 1] = name end',
    '  end',
    '  for _, name in ipairs(drop) do',
    '    headers:remove(name)',
    '  end',
    'end',
    '',
  ].join('\n');
  return EnvoyHttpFilter.of('envoy.filters.http.lua', {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua',
    ...(istio.luaDefaultSourceCode ? { default_source_code: { inline_string: script } } : { inline_code: script }),
  }).toJson();
}
