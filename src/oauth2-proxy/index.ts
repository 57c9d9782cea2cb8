export {
  CookieSameSite,
  ExtAuthzMode,
  OAuth2ProxyIstio,
  type OAuth2ProxyCookieOptions,
  type OAuth2ProxyIstioProps,
  type OAuth2ProxyLoggingOptions,
  type OAuth2ProxyOptions,
} from './oauth2-proxy-istio';
export {
  EntraAccessTokenVersion,
  type EntraIdProviderOptions,
  type KeycloakProviderOptions,
  OAuth2Provider,
  type OidcProviderOptions,
} from './provider';
export { type RedisSessionStoreOptions, SessionStore } from './session-store';
