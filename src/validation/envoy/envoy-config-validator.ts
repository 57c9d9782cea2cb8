import { EnvoySchema } from './schema';
import { TYPE_URL_PREFIX, validateEnvoyJson } from './validator';

/** One problem found in an Envoy config. */
export interface EnvoyFinding {
  /**
   * JSON path of the value, with the keys as written in the config, e.g.
   * `static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix`;
   * map keys are written `["key"]`. Empty for the root object.
   */
  readonly path: string;

  /** What is wrong and, where it can be said, what is allowed instead. */
  readonly message: string;

  /**
   * What to write instead, when there is one thing to write: the field or `@type` meant by a
   * misspelt one (`write "connect_timeout" instead`), the v3 `@type` of a v2 one, what replaced a
   * field or enum value removed from Envoy's API, or `drop it` when nothing did.
   * @default - no single fix (the message says what is allowed)
   */
  readonly fix?: string;
}

/** How EnvoyConfigValidator.validate reads a config. */
export interface EnvoyValidationOptions {
  /**
   * The config is a fragment that will be merged into a full one (an Istio EnvoyFilter `MERGE`
   * patch, a partial override): fields it leaves out are not reported, even where the protos
   * require them. Everything it does set is still checked.
   *
   * @default false - the config is a whole message; missing required fields are errors
   */
  readonly partial?: boolean;
}

/** The outcome of validating one Envoy config. */
export interface EnvoyValidationResult {
  /** Whether Envoy would accept the config as far as its API protos tell: no errors (warnings allowed). */
  readonly valid: boolean;

  /** Problems that make Envoy reject the config, in document order. */
  readonly errors: EnvoyFinding[];

  /** Deprecated or work-in-progress fields and values, and types this library could not check. */
  readonly warnings: EnvoyFinding[];
}

/**
 * Validates Envoy configuration against Envoy's own v3 API protos (compiled into the package at
 * build time), the way Envoy's JSON/YAML loader reads it: field names in snake_case or
 * lowerCamelCase, 64-bit integers as numbers or strings, enums by name or number, durations as
 * `"1.5s"`, `google.protobuf.Any` as `{"@type": "type.googleapis.com/<type>", ...fields}`.
 *
 * Errors: unknown fields, values of the wrong JSON type, unknown enum names, ill-formed or
 * negative durations, `@type`s that don't resolve to a v3 message (checked recursively through
 * every `typed_config`, Any and TypedStruct), and the protoc-gen-validate rules of the protos
 * (required fields and oneofs, string lengths, number ranges such as `port_value <= 65535`,
 * list sizes, defined enum values, duration bounds). Warnings: deprecated and work-in-progress
 * fields and enum values.
 *
 * Not checked: rules that need more than the protos (a route naming a cluster that doesn't
 * exist, an extension name Envoy wasn't built with, file paths).
 */
export class EnvoyConfigValidator {
  /** `envoy.config.bootstrap.v3.Bootstrap`: a whole `envoy.yaml` (the default). */
  public static readonly BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
  /** `envoy.config.listener.v3.Listener` (LDS; marin3r resource type `listener`). */
  public static readonly LISTENER = 'envoy.config.listener.v3.Listener';
  /** `envoy.config.cluster.v3.Cluster` (CDS; marin3r `cluster`). */
  public static readonly CLUSTER = 'envoy.config.cluster.v3.Cluster';
  /** `envoy.config.route.v3.RouteConfiguration` (RDS; marin3r `route`). */
  public static readonly ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
  /** `envoy.config.route.v3.ScopedRouteConfiguration` (SRDS; marin3r `scopedRoute`). */
  public static readonly SCOPED_ROUTE_CONFIGURATION = 'envoy.config.route.v3.ScopedRouteConfiguration';
  /** `envoy.config.endpoint.v3.ClusterLoadAssignment` (EDS; marin3r `endpoint`). */
  public static readonly CLUSTER_LOAD_ASSIGNMENT = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
  /** `envoy.extensions.transport_sockets.tls.v3.Secret` (SDS; marin3r `secret`). */
  public static readonly SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';
  /** `envoy.service.runtime.v3.Runtime` (RTDS; marin3r `runtime`). */
  public static readonly RUNTIME = 'envoy.service.runtime.v3.Runtime';
  /** `envoy.config.core.v3.TypedExtensionConfig` (ECDS; marin3r `extensionConfig`). */
  public static readonly TYPED_EXTENSION_CONFIG = 'envoy.config.core.v3.TypedExtensionConfig';
  /** `envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`. */
  public static readonly HTTP_CONNECTION_MANAGER = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  /** `envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter`: one entry of `http_filters` (e.g. an EnvoyFilter patch value). */
  public static readonly HTTP_FILTER = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';

  /**
   * Validates a config given as parsed JSON (or YAML) against one message type of the Envoy v3 API.
   *
   * The first call loads the compiled API (a few tens of milliseconds); later calls reuse it.
   *
   * @param config the config as plain JSON data (objects, arrays, strings, numbers, booleans, null)
   * @param typeName the message type of the config: a full name such as
   * `envoy.config.cluster.v3.Cluster`, a type URL, or one of this class's constants.
   * Default: the Bootstrap.
   * @param options how to read the config (e.g. as a partial fragment)
   */
  public static validate(config: any, typeName?: string, options: EnvoyValidationOptions = {}): EnvoyValidationResult {
    const name = EnvoyConfigValidator.resolveTypeName(typeName ?? EnvoyConfigValidator.BOOTSTRAP);
    const findings = validateEnvoyJson(config, name, options.partial ?? false);
    return { valid: findings.errors.length === 0, errors: findings.errors, warnings: findings.warnings };
  }

  /**
   * Whether the name (or type URL) is a message type of the Envoy v3 API that this library knows.
   */
  public static isKnownType(typeName: string): boolean {
    return EnvoySchema.get().isMessage(stripTypeName(typeName));
  }

  /** Where the compiled API comes from (package and version of the protos). */
  public static apiSource(): string {
    return EnvoySchema.get().source;
  }

  private static resolveTypeName(typeName: string): string {
    const name = stripTypeName(typeName);
    if (!EnvoySchema.get().isMessage(name)) {
      throw new Error(`EnvoyConfigValidator: ${JSON.stringify(typeName)} is not a message type of the Envoy v3 API; give a full name such as "${EnvoyConfigValidator.CLUSTER}" or "${TYPE_URL_PREFIX}${EnvoyConfigValidator.CLUSTER}", or use a constant such as EnvoyConfigValidator.BOOTSTRAP`);
    }
    return name;
  }

  private constructor() {}
}

function stripTypeName(typeName: string): string {
  const slash = typeName.lastIndexOf('/');
  const name = slash >= 0 ? typeName.slice(slash + 1) : typeName;
  return name.startsWith('.') ? name.slice(1) : name;
}
