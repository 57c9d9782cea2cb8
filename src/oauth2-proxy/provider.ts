import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { TomlValue } from './toml';
import { propError, show } from '../validation/errors';
import { checkHostName } from '../validation/names';

/** Which access-token version Entra ID issues to clients of the app registration. */
export enum EntraAccessTokenVersion {
  /**
   * v1 tokens (the default of an app registration, `accessTokenAcceptedVersion: null`): issuer
   * `https://sts.windows.net/<tenant>/`, audience the Application ID URI (`api://<client id>`).
   */
  V1 = 'V1',
  /**
   * v2 tokens (`accessTokenAcceptedVersion: 2` in the app manifest): issuer
   * `https://login.microsoftonline.com/<tenant>/v2.0`, audience the client ID.
   */
  V2 = 'V2',
}

/** Options of `OAuth2Provider.entraId`: the Entra ID tenant and app registration oauth2-proxy signs in with. */
export interface EntraIdProviderOptions {
  /** The directory (tenant) ID: the GUID on the app registration's overview page (not a domain). */
  readonly tenantId: string;

  /** The application (client) ID of the app registration. */
  readonly clientId: string;

  /**
   * Object IDs of service principals allowed to call the app with client_credentials tokens
   * (`az ad sp show --id <app id> --query id -o tsv`). Entra issues those tokens without an email
   * claim, so oauth2-proxy authorizes them by subject through its authenticated-emails file.
   * Listing any turns on `skip_jwt_bearer_tokens`: a valid bearer token is accepted without a login.
   * @default - interactive logins only
   */
  readonly servicePrincipalIds?: string[];

  /**
   * The access-token version Entra issues for `api://<client id>/.default`, which decides the issuer
   * and audience oauth2-proxy and the RequestAuthentication accept for client_credentials tokens.
   * @default EntraAccessTokenVersion.V1 — what an app registration issues unless its manifest says otherwise
   */
  readonly accessTokenVersion?: EntraAccessTokenVersion;

  /**
   * The Application ID URI: the audience of v1 access tokens.
   * @default "api://<clientId>"
   */
  readonly applicationIdUri?: string;

  /**
   * Entra group object IDs whose members may log in (`allowed_groups`; needs the groups claim).
   * oauth2-proxy checks the groups of bearer tokens too: with `servicePrincipalIds`, their tokens
   * must carry the groups claim (the app registration's `groupMembershipClaims`, and the service
   * principals members of an allowed group), or every call of theirs is refused with 403. A user
   * in more than 200 groups gets no groups claim; oauth2-proxy then reads the groups from Microsoft
   * Graph, which needs the `User.Read` scope (in the default `scope` when groups are set).
   * @default - any account of the tenant that passes the email checks
   */
  readonly allowedGroups?: string[];

  /**
   * The claim of the ID token oauth2-proxy reads the user's email from (`oidc_email_claim`).
   * Accounts without an `email` claim (Entra guests and accounts without a mailbox, for instance)
   * fail at the callback; `"preferred_username"` (Entra's UPN) serves them. The email checks
   * (`emailDomains`, `authenticatedEmails`) apply to the claim's value.
   * @default "email"
   */
  readonly emailClaim?: string;

  /**
   * OAuth scopes requested at login. Always written to the configuration: left to oauth2-proxy,
   * `allowedGroups` would add a "groups" scope, which Entra doesn't support. `offline_access` is
   * what makes Entra issue the refresh token that sessions are refreshed with; `User.Read` lets
   * oauth2-proxy read the groups of users in more than 200 from Microsoft Graph (without it they
   * sign in with no groups and fail `allowedGroups`).
   * @default "openid email profile offline_access", and "User.Read" with `allowedGroups`
   */
  readonly scope?: string;

  /**
   * How long the ID tokens of the provider live. oauth2-proxy checks a session's token only when it
   * refreshes the session, and until then passes an expired ID token on (which the app's
   * RequestAuthentication answers with 401), so the session is refreshed before this
   * (`cookie.refresh` defaults to a minute less; a longer one, or 0, is refused).
   * @default Duration.hours(1), the lifetime of Entra ID tokens
   */
  readonly tokenLifetime?: Duration;
}

/** Options of `OAuth2Provider.oidc`: any OpenID Connect issuer and its client. */
export interface OidcProviderOptions {
  /** The issuer URL (https), as in the `iss` claim of the tokens it issues. */
  readonly issuerUrl: string;

  /** The OAuth client ID. */
  readonly clientId: string;

  /**
   * The JWKS URL Istio fetches signing keys from.
   * @default - Istio discovers it from `<issuerUrl>/.well-known/openid-configuration`
   */
  readonly jwksUri?: string;

  /**
   * Audiences the RequestAuthentication accepts.
   * @default - the client ID (the audience of the ID tokens oauth2-proxy forwards)
   */
  readonly audiences?: string[];

  /**
   * Hosts besides the issuer's and the JWKS URL's that oauth2-proxy must reach (token, userinfo
   * or login endpoints on other hosts).
   * @default - none
   */
  readonly egressHosts?: string[];

  /**
   * Accept requests carrying a valid bearer JWT of this issuer without a login (`skip_jwt_bearer_tokens`).
   * @default false
   */
  readonly acceptBearerTokens?: boolean;

  /**
   * Groups (the `groups` claim) whose members may log in.
   * @default - anyone who passes the email checks
   */
  readonly allowedGroups?: string[];

  /**
   * OAuth scopes requested at login. Always written to the configuration: left to oauth2-proxy,
   * `allowedGroups` would add a "groups" scope, which providers without one refuse.
   * @default "openid email profile"
   */
  readonly scope?: string;

  /**
   * The claim of the ID token oauth2-proxy reads the user's email from (`oidc_email_claim`).
   * Accounts without an `email` claim (Entra guests and accounts without a mailbox, for instance)
   * fail at the callback; `"preferred_username"` (Entra's UPN) serves them. The email checks
   * (`emailDomains`, `authenticatedEmails`) apply to the claim's value.
   * @default "email"
   */
  readonly emailClaim?: string;

  /**
   * How long the ID tokens of the provider live. oauth2-proxy checks a session's token only when it
   * refreshes the session, and until then passes an expired ID token on (which the app's
   * RequestAuthentication answers with 401), so the session is refreshed before this
   * (`cookie.refresh` defaults to a minute less; a longer one, or 0, is refused).
   * @default - unknown: sessions are refreshed hourly unless `cookie.refresh` says otherwise, which
   * suits providers whose ID tokens live an hour or longer (Google, Okta, Entra ID); give it for
   * shorter ones (Keycloak's 5 minutes: use `OAuth2Provider.keycloak`)
   */
  readonly tokenLifetime?: Duration;
}

/** Options of `OAuth2Provider.keycloak`: a Keycloak realm and its client. */
export interface KeycloakProviderOptions {
  /** The realm URL, e.g. "https://keycloak.example.com/realms/myrealm" (Keycloak 17+, no /auth). */
  readonly realmUrl: string;

  /** The client ID. Keycloak needs an audience mapper that puts it in the `aud` claim. */
  readonly clientId: string;

  /**
   * Realm roles, or `<client>:<role>` client roles, whose holders may log in (`allowed_roles`).
   * @default - any user of the realm who passes the email checks
   */
  readonly allowedRoles?: string[];

  /**
   * Groups whose members may log in (`allowed_groups`). Keycloak puts them in the tokens through
   * a Group Membership mapper on the client (its dedicated scope); with the mapper's "Full group
   * path" on (its default) give the paths, e.g. "/admins". The construct requests
   * `openid email profile` only: the `groups` scope oauth2-proxy would otherwise add exists in a
   * realm only if you created it.
   * @default - no group restriction
   */
  readonly allowedGroups?: string[];

  /**
   * Accept requests carrying a valid bearer JWT of the realm without a login.
   * @default false
   */
  readonly acceptBearerTokens?: boolean;

  /**
   * How long the ID tokens of the provider live. oauth2-proxy checks a session's token only when it
   * refreshes the session, and until then passes an expired ID token on (which the app's
   * RequestAuthentication answers with 401), so the session is refreshed before this
   * (`cookie.refresh` defaults to a minute less; a longer one, or 0, is refused).
   * @default Duration.minutes(5), Keycloak's default Access Token Lifespan (ID tokens follow it)
   */
  readonly tokenLifetime?: Duration;
}

/** An issuer whose JWTs the RequestAuthentication accepts. @internal */
export interface JwtIssuer {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly audiences?: string[];
}

/** What a provider contributes to oauth2-proxy, the RequestAuthentication and the egress. @internal */
export interface BoundProvider {
  /** oauth2-proxy config keys of the provider. */
  readonly config: Record<string, TomlValue>;
  /** Entries of the authenticated-emails file (subjects of tokens without an email claim). */
  readonly authenticatedEmails: string[];
  /** Hosts oauth2-proxy calls (login, token, keys, graph). */
  readonly egressHosts: string[];
  /** The host of the provider's login page, where browsers go to sign in (for OIDC, the issuer's). */
  readonly loginHost: string;
  /** JWT issuers of the tokens that reach the app. */
  readonly jwtIssuers: JwtIssuer[];
  /** How long the provider's ID tokens live, when known. */
  readonly tokenLifetime?: Duration;
  /** HTTPS ports besides 443 that the provider's URLs name (e.g. a Keycloak on :8443). */
  readonly egressPorts?: number[];
}

/**
 * The identity provider oauth2-proxy signs users in with. Each factory knows the provider's
 * issuer, signing keys and egress hosts, so the construct derives the ServiceEntry and the
 * RequestAuthentication from it.
 */
export abstract class OAuth2Provider {
  /**
   * Microsoft Entra ID (formerly Azure AD) through oauth2-proxy's `entra-id` provider and the v2.0
   * endpoint (`https://login.microsoftonline.com/<tenant>/v2.0`), single-tenant. ID tokens that
   * oauth2-proxy forwards are v2 tokens; client_credentials tokens are v1 unless the app manifest
   * asks for v2 (see `accessTokenVersion`).
   */
  public static entraId(options: EntraIdProviderOptions): OAuth2Provider {
    return new EntraIdProvider(options);
  }

  /** Any OpenID Connect provider, through oauth2-proxy's `oidc` provider and discovery. */
  public static oidc(options: OidcProviderOptions): OAuth2Provider {
    return new OidcProvider(options);
  }

  /** Keycloak 17 or newer, through oauth2-proxy's `keycloak-oidc` provider, with PKCE (S256). */
  public static keycloak(options: KeycloakProviderOptions): OAuth2Provider {
    return new KeycloakProvider(options);
  }

  /** @internal */
  public abstract _bind(scope: IConstruct, prop: string): BoundProvider;
}

const ENTRA_LOGIN_HOST = 'login.microsoftonline.com';
const ENTRA_V1_ISSUER_HOST = 'sts.windows.net';
/** Where the v1 discovery document's jwks_uri points. */
const ENTRA_V1_KEYS_HOST = 'login.windows.net';
/** Microsoft Graph: oauth2-proxy reads group overages and profile data from it. */
const MICROSOFT_GRAPH_HOST = 'graph.microsoft.com';
/** Multi-tenant aliases: their tokens come from many issuers, which a single-tenant setup can't verify. */
const ENTRA_TENANT_ALIASES = ['common', 'organizations', 'consumers'];
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ENTRA_DEFAULT_SCOPE = 'openid email profile offline_access';
/** oauth2-proxy's OIDC scope without its "groups" addition. */
const OIDC_DEFAULT_SCOPE = 'openid email profile';

class EntraIdProvider extends OAuth2Provider {
  constructor(private readonly options: EntraIdProviderOptions) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): BoundProvider {
    const o = this.options;
    const tenant = requireText(scope, `${prop}.tenantId`, o.tenantId, 'give the directory (tenant) ID from the app registration\'s overview page');
    if (ENTRA_TENANT_ALIASES.includes(tenant.toLowerCase())) {
      throw propError(scope, `${prop}.tenantId`, `${show(tenant)} is not a single tenant (multi-tenant aliases issue tokens from many issuers)`,
        'give the directory (tenant) ID, a GUID such as "72f988bf-86f1-41af-91ab-2d7cd011db47"');
    }
    if (!GUID.test(tenant)) {
      throw propError(scope, `${prop}.tenantId`, `${show(tenant)} is not a directory (tenant) ID: Entra's discovery documents name the issuer by the GUID, `
        + 'so with a domain oauth2-proxy\'s issuer check fails at start and the mesh\'s RequestAuthentication never matches the tokens',
      'give the directory (tenant) ID GUID from the app registration\'s overview page');
    }
    const clientId = requireText(scope, `${prop}.clientId`, o.clientId, 'give the application (client) ID of the app registration');
    const principals = o.servicePrincipalIds ?? [];
    principals.forEach((id, i) => requireText(scope, `${prop}.servicePrincipalIds[${i}]`, id, 'give the object ID of the service principal'));
    const clientCredentials = principals.length > 0;
    const v1 = (o.accessTokenVersion ?? EntraAccessTokenVersion.V1) === EntraAccessTokenVersion.V1;
    const appIdUri = o.applicationIdUri ?? `api://${clientId}`;
    const issuerV2 = `https://${ENTRA_LOGIN_HOST}/${tenant}/v2.0`;
    const issuerV1 = `https://${ENTRA_V1_ISSUER_HOST}/${tenant}/`;

    const config: Record<string, TomlValue> = {
      provider: 'entra-id',
      client_id: clientId,
      oidc_issuer_url: issuerV2,
    };
    // Explicit: with allowed_groups and no scope, oauth2-proxy would add a "groups" scope, which Entra doesn't know.
    // with groups required, User.Read lets oauth2-proxy read a group overage (over 200) from Microsoft Graph
    const defaultScope = o.allowedGroups?.length ? `${ENTRA_DEFAULT_SCOPE} User.Read` : ENTRA_DEFAULT_SCOPE;
    config.scope = o.scope === undefined ? defaultScope : requireText(scope, `${prop}.scope`, o.scope, `give the scopes separated by spaces, e.g. ${show(ENTRA_DEFAULT_SCOPE)}`);
    if (o.allowedGroups?.length) config.allowed_groups = [...o.allowedGroups];
    if (o.emailClaim !== undefined) config.oidc_email_claim = requireText(scope, `${prop}.emailClaim`, o.emailClaim, 'give a claim name, e.g. "preferred_username"');
    const jwtIssuers: JwtIssuer[] = [{ issuer: issuerV2, jwksUri: `https://${ENTRA_LOGIN_HOST}/${tenant}/discovery/v2.0/keys`, audiences: [clientId] }];
    const egressHosts = [ENTRA_LOGIN_HOST, MICROSOFT_GRAPH_HOST];
    if (clientCredentials) {
      config.skip_jwt_bearer_tokens = true;
      if (v1) {
        // v1 access tokens: a second verifier (discovered from the v1 issuer) with the App ID URI as audience
        config.extra_jwt_issuers = [`${issuerV1}=${appIdUri}`];
        jwtIssuers.push({ issuer: issuerV1, jwksUri: `https://${ENTRA_LOGIN_HOST}/${tenant}/discovery/keys`, audiences: [appIdUri] });
        // the v1 discovery document (sts.windows.net) points its jwks_uri at login.windows.net
        egressHosts.push(ENTRA_V1_ISSUER_HOST, ENTRA_V1_KEYS_HOST);
      }
    }
    const tokenLifetime = checkLifetime(scope, `${prop}.tokenLifetime`, o.tokenLifetime ?? Duration.hours(1));
    return { config, authenticatedEmails: [...principals], egressHosts, loginHost: ENTRA_LOGIN_HOST, jwtIssuers, tokenLifetime };
  }
}

class OidcProvider extends OAuth2Provider {
  constructor(private readonly options: OidcProviderOptions) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): BoundProvider {
    const o = this.options;
    const issuer = requireHttpsUrl(scope, `${prop}.issuerUrl`, o.issuerUrl, 'the issuer');
    const clientId = requireText(scope, `${prop}.clientId`, o.clientId, 'give the OAuth client ID');
    const jwks = o.jwksUri !== undefined ? requireHttpsUrl(scope, `${prop}.jwksUri`, o.jwksUri, 'the issuer\'s JWKS') : undefined;
    (o.egressHosts ?? []).forEach((h, i) => checkHostName(scope, `${prop}.egressHosts[${i}]`, h, { allowWildcard: true }));
    // the issuer must equal the tokens' `iss` claim character for character: keep it as given
    const config: Record<string, TomlValue> = { provider: 'oidc', client_id: clientId, oidc_issuer_url: o.issuerUrl.trim() };
    // explicit: left to oauth2-proxy, allowed_groups would add a "groups" scope
    config.scope = o.scope === undefined ? OIDC_DEFAULT_SCOPE : requireText(scope, `${prop}.scope`, o.scope, `give the scopes separated by spaces, e.g. ${show(OIDC_DEFAULT_SCOPE)}`);
    if (o.allowedGroups?.length) config.allowed_groups = [...o.allowedGroups];
    if (o.emailClaim !== undefined) config.oidc_email_claim = requireText(scope, `${prop}.emailClaim`, o.emailClaim, 'give a claim name, e.g. "preferred_username"');
    if (o.acceptBearerTokens) config.skip_jwt_bearer_tokens = true;
    return {
      config,
      authenticatedEmails: [],
      egressHosts: uniqueSorted([issuer.hostname, ...(jwks ? [jwks.hostname] : []), ...(o.egressHosts ?? [])]),
      loginHost: issuer.hostname,
      egressPorts: otherPorts([issuer, ...(jwks ? [jwks] : [])]),
      jwtIssuers: [{ issuer: o.issuerUrl.trim(), jwksUri: jwks?.href, audiences: o.audiences ?? [clientId] }],
      tokenLifetime: o.tokenLifetime === undefined ? undefined : checkLifetime(scope, `${prop}.tokenLifetime`, o.tokenLifetime),
    };
  }
}

class KeycloakProvider extends OAuth2Provider {
  constructor(private readonly options: KeycloakProviderOptions) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): BoundProvider {
    const o = this.options;
    const realm = requireHttpsUrl(scope, `${prop}.realmUrl`, o.realmUrl, 'the Keycloak realm');
    if (!/\/realms\/[^/]+\/?$/.test(realm.pathname)) {
      throw propError(scope, `${prop}.realmUrl`, `${show(o.realmUrl)} does not end in /realms/<realm>`, 'give the realm URL, e.g. "https://keycloak.example.com/realms/myrealm"');
    }
    const issuer = o.realmUrl.replace(/\/$/, '');
    const clientId = requireText(scope, `${prop}.clientId`, o.clientId, 'give the Keycloak client ID');
    const config: Record<string, TomlValue> = {
      provider: 'keycloak-oidc',
      client_id: clientId,
      oidc_issuer_url: issuer,
      // explicit: left to oauth2-proxy, allowed_groups would add a "groups" scope, which Keycloak
      // refuses (invalid_scope) unless a client scope of that name exists
      scope: OIDC_DEFAULT_SCOPE,
      code_challenge_method: 'S256',
    };
    if (o.allowedRoles?.length) config.allowed_roles = [...o.allowedRoles];
    if (o.allowedGroups?.length) config.allowed_groups = [...o.allowedGroups];
    if (o.acceptBearerTokens) config.skip_jwt_bearer_tokens = true;
    return {
      config,
      authenticatedEmails: [],
      egressHosts: [realm.hostname],
      loginHost: realm.hostname,
      egressPorts: otherPorts([realm]),
      jwtIssuers: [{ issuer, jwksUri: `${issuer}/protocol/openid-connect/certs`, audiences: [clientId] }],
      tokenLifetime: checkLifetime(scope, `${prop}.tokenLifetime`, o.tokenLifetime ?? Duration.minutes(5)),
    };
  }
}

function requireText(scope: IConstruct, prop: string, value: string | undefined, fix: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw propError(scope, prop, `received ${show(value)}`, fix);
  }
  return value.trim();
}

function requireHttpsUrl(scope: IConstruct, prop: string, value: string | undefined, what: string): URL {
  const text = requireText(scope, prop, value, `give the https URL of ${what}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw propError(scope, prop, `${show(text)} is not a URL`, 'give an https URL such as "https://idp.example.com"');
  }
  if (url.protocol !== 'https:') {
    throw propError(scope, prop, `${show(text)} is not an https URL`, 'identity providers must be reached over https; give the https URL');
  }
  return url;
}

/** The ports other than 443 that https URLs name. */
function otherPorts(urls: URL[]): number[] {
  return [...new Set(urls.filter((u) => u.port !== '' && u.port !== '443').map((u) => Number(u.port)))].sort((a, b) => a - b);
}

function uniqueSorted(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}

/** A token lifetime: at least a minute, in whole seconds. */
function checkLifetime(scope: IConstruct, prop: string, lifetime: Duration): Duration {
  const seconds = lifetime instanceof Duration ? lifetime.toSeconds({ integral: false }) : NaN;
  if (!(seconds >= 60 && Number.isInteger(seconds))) {
    throw propError(scope, prop, `received ${lifetime instanceof Duration ? `${seconds}s` : show(lifetime)}`,
      'give the lifetime the provider gives its tokens, at least Duration.minutes(1)');
  }
  return lifetime;
}
