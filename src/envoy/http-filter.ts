import { EnvoyModelError, quote } from './model-error';

/**
 * An HTTP filter of an http_connection_manager. Filters run in the order they were added, and
 * the router always runs last.
 */
export class EnvoyHttpFilter {
  /**
   * A filter from its name and typed_config.
   * @param name filter name, e.g. "envoy.filters.http.ext_authz"
   * @param typedConfig the typed_config, with its "@type" (validated against Envoy's protos at synth)
   */
  public static of(name: string, typedConfig: any): EnvoyHttpFilter {
    return new EnvoyHttpFilter(name, typedConfig);
  }

  /** The router, which sends requests to the route's cluster. */
  public static router(): EnvoyHttpFilter {
    return new EnvoyHttpFilter('envoy.filters.http.router', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' });
  }

  private constructor(public readonly name: string, private readonly typedConfig: any) {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new EnvoyModelError('httpFilter.name', `received ${quote(name)}`, 'give the filter name, e.g. "envoy.filters.http.ext_authz"');
    }
    if (!typedConfig || typeof typedConfig !== 'object' || typeof typedConfig['@type'] !== 'string') {
      throw new EnvoyModelError(`httpFilter ${quote(name)}.typedConfig`, 'has no "@type"', 'give the typed_config with its "@type", e.g. "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"');
    }
  }

  /** The filter as Envoy v3 JSON (an `HttpFilter` of the http_connection_manager). */
  public toJson(): any {
    return { name: this.name, typed_config: this.typedConfig };
  }
}
