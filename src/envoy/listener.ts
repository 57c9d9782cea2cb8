import { Duration } from 'cdk8s';
import { EnvoyAccessLog } from './access-log';
import { EnvoyHttpFilter } from './http-filter';
import { EnvoyModelError, quote } from './model-error';
import { EnvoyDownstreamTls } from './tls';
import {
  checkAtLeast, checkModelPort, checkResourceName, deepMerge, envoyDuration, formatDuration, isAddress, isAtLeast, isHttpToken, isPort,
  isPositive, isResourceName,
} from './values';

/** Which way a listener's traffic flows; Envoy's `/drain_listeners?inboundonly` drains only INBOUND listeners. */
export enum EnvoyTrafficDirection {
  UNSPECIFIED = 'UNSPECIFIED',
  /** Requests from clients to the app. */
  INBOUND = 'INBOUND',
  /** Requests from the app to other services. */
  OUTBOUND = 'OUTBOUND',
}

/** Retries of a route. */
export interface EnvoyRetryOptions {
  /**
   * Retries after the first attempt.
   * @default 2
   */
  readonly numRetries?: number;
  /**
   * Conditions that trigger a retry (Envoy's `retry_on` names, HTTP and gRPC). Envoy retries
   * whatever the method, so the default keeps to failures before the upstream saw the request;
   * add "5xx", "gateway-error" or "reset" only for upstreams that may see a request twice.
   * @default ["connect-failure", "refused-stream", "reset-before-request"]
   */
  readonly retryOn?: string[];
  /**
   * Timeout of each attempt. Envoy retries an attempt that timed out only when `retryOn` holds
   * "5xx", "gateway-error" or "reset", so it is refused without one of them. The route timeout
   * covers all attempts and the back-off between them (25 ms and up, jittered): with
   * (numRetries + 1) × perTryTimeout above it, the last attempt is cut short (a 504 after the
   * route timeout).
   * @default - the route timeout
   */
  readonly perTryTimeout?: Duration;
}

/**
 * What a consistent-hash load balancer (EnvoyLoadBalancing.RING_HASH or MAGLEV) hashes a request
 * on, so that requests with the same value go to the same member (a route's `hash_policy`).
 * Without one, those balancers pick a random member for every request.
 */
export class EnvoyHashPolicy {
  /** The value of a request header, e.g. "x-user-id"; requests without the header go to a random member. */
  public static header(name: string): EnvoyHashPolicy {
    if (!isHttpToken(name)) {
      throw new EnvoyModelError('hashPolicy.header', `${quote(name)} is not an HTTP header name`, 'give a header name such as "x-user-id"');
    }
    return new EnvoyHashPolicy({ header: { header_name: name.toLowerCase() } });
  }

  /**
   * A cookie. With `ttl`, Envoy sets the cookie (path "/", for that long; zero makes it a session
   * cookie) on responses to requests that came without it, so that a client sticks to one member;
   * without `ttl`, requests lacking it go to a random member. On a listener the local app calls,
   * this works only if the app's HTTP client keeps cookies.
   */
  public static cookie(name: string, ttl?: Duration): EnvoyHashPolicy {
    if (!isHttpToken(name)) {
      throw new EnvoyModelError('hashPolicy.cookie', `${quote(name)} is not a cookie name`, 'give a cookie name of letters, digits and !#$%&\'*+-.^_`|~');
    }
    if (ttl === undefined) return new EnvoyHashPolicy({ cookie: { name } });
    // cdk8s refuses negative and non-numeric durations itself
    return new EnvoyHashPolicy({ cookie: { name, ttl: formatDuration(ttl), path: '/' } });
  }

  /**
   * The client's IP address (the downstream connection's). Useless on a listener the local app
   * calls through 127.0.0.1, where every request comes from the same address.
   */
  public static sourceIp(): EnvoyHashPolicy {
    return new EnvoyHashPolicy({ connection_properties: { source_ip: true } });
  }

  private constructor(private readonly json: Record<string, unknown>) {}

  /** The policy as Envoy v3 JSON (`envoy.config.route.v3.RouteAction.HashPolicy`). */
  public toJson(): any {
    return JSON.parse(JSON.stringify(this.json));
  }
}

/** A route of an HTTP listener. */
export interface EnvoyRouteOptions {
  /** Cluster the matching requests go to. */
  readonly cluster: string;
  /**
   * Path prefix the route matches.
   * @default "/"
   */
  readonly prefix?: string;
  /**
   * Match the path exactly instead of by prefix.
   * @default - prefix match
   */
  readonly exactPath?: string;
  /**
   * How long a request may take, retries included.
   * @default Duration.seconds(15) (Envoy's route default)
   */
  readonly timeout?: Duration;
  /**
   * Retry policy.
   * @default - no retries
   */
  readonly retries?: EnvoyRetryOptions;
  /**
   * Set the Host header to the upstream's DNS name (only for DNS-discovered clusters).
   * @default false
   */
  readonly autoHostRewrite?: boolean;
  /**
   * Set the Host header to this name (`host_rewrite_literal`), e.g. the TLS name of an upstream
   * reached by IP address.
   * @default - the Host header is left as the client sent it
   */
  readonly hostRewrite?: string;
  /**
   * What a consistent-hash load balancer of the cluster (RING_HASH, MAGLEV) hashes requests on;
   * the first policy that yields a value decides.
   * @default - none
   */
  readonly hashPolicies?: EnvoyHashPolicy[];
}

/** Options of an HTTP listener (a listener with one http_connection_manager). */
export interface EnvoyHttpListenerOptions {
  /** Listener name; also the stat prefix. */
  readonly name: string;
  /** Port the listener binds. */
  readonly port: number;
  /**
   * Address the listener binds.
   * @default "0.0.0.0"
   */
  readonly address?: string;
  /**
   * With an IPv6 `address` (such as `"::"`), accept IPv4 connections too, as IPv4-mapped
   * addresses (`ipv4_compat`).
   * @default false
   */
  readonly ipv4Compat?: boolean;
  /**
   * Terminate TLS with this context.
   * @default - plaintext
   */
  readonly tls?: EnvoyDownstreamTls;
  /**
   * Direction of the traffic. Every listener but an OUTBOUND one normalizes paths, merges
   * slashes and drops headers with underscores in their names (client hardening; the app gets the
   * normalized path too, and escaped slashes, `%2F` and `%5C`, pass unchanged, as apps such as
   * GitLab's API need: `connectionManagerOverrides` can set `path_with_escaped_slashes_action`
   * where filters authorize by path); an OUTBOUND
   * listener leaves paths and header names as the app wrote them (Envoy still applies its own
   * header handling: it adds `x-request-id` and `x-forwarded-proto`, removes `x-envoy-*`
   * request headers from clients it counts as external, and rewrites Host if the route says so).
   * @default EnvoyTrafficDirection.UNSPECIFIED
   */
  readonly trafficDirection?: EnvoyTrafficDirection;
  /**
   * Routes, matched in order; `addRoute()` adds more.
   * @default - none
   */
  readonly routes?: EnvoyRouteOptions[];
  /**
   * Host names the virtual host answers for.
   * @default ["*"]
   */
  readonly domains?: string[];
  /**
   * Access loggers; `addAccessLog()` adds more.
   * @default [EnvoyAccessLog.stdout()]
   */
  readonly accessLogs?: EnvoyAccessLog[];
  /**
   * Trust the connection's remote address for X-Forwarded-For and internal/external decisions.
   * True for listeners that face clients directly.
   * @default true
   */
  readonly useRemoteAddress?: boolean;
  /**
   * Keep the `x-request-id` a client sends (`preserve_external_request_id`). With
   * `useRemoteAddress`, Envoy counts every client as external (since 1.33 it trusts no address
   * as internal unless `internal_address_config` says so) and replaces the id of each external
   * request, so the id a caller or an upstream proxy gave a request would change at this hop.
   * Requests without the header get a new id either way.
   * @default false (Envoy's default)
   */
  readonly preserveExternalRequestId?: boolean;
  /**
   * Connection upgrades the listener passes through (`upgrade_configs`), e.g. `["websocket"]`.
   * @default - none: Envoy answers upgrade requests with 403
   */
  readonly upgradeTypes?: string[];
  /**
   * Close a client's connection after this long without a request in flight
   * (`common_http_protocol_options.idle_timeout`). A connection that has carried requests then
   * drains for the connection manager's `drain_timeout` (5 s by default; HTTP/2 and HTTP/3 clients
   * get a GOAWAY) before it closes.
   * @default - Envoy's default, one hour
   */
  readonly idleTimeout?: Duration;
  /**
   * Keep the listener out of the overload manager (`bypass_overload_manager`): its heap actions
   * don't apply to it, and Envoy gives it no overload state, so its connections aren't counted
   * against `EnvoyOverloadOptions.maxDownstreamConnections` either. For listeners that must
   * answer while Envoy sheds load, such as probes and metrics.
   * @default false
   */
  readonly bypassOverloadManager?: boolean;
  /**
   * Raw fields deep-merged into the generated HttpConnectionManager typed_config (snake_case).
   * The result is still validated against Envoy's protos.
   * @default - none
   */
  readonly connectionManagerOverrides?: { [key: string]: any };
}

/** A listener whose only filter is an http_connection_manager with a router at the end. */
export class EnvoyHttpListener {
  public readonly name: string;
  public readonly port: number;
  public readonly address: string;
  private readonly routes: EnvoyRouteOptions[] = [];
  private readonly filters: EnvoyHttpFilter[] = [];
  private readonly accessLogs: EnvoyAccessLog[];

  constructor(private readonly options: EnvoyHttpListenerOptions) {
    this.name = checkResourceName('listener.name', options.name);
    if (!isPort(options.port)) checkModelPort(`listener ${quote(this.name)}.port`, options.port);
    this.port = options.port;
    this.address = options.address ?? '0.0.0.0';
    if (options.ipv4Compat && !this.address.includes(':')) {
      throw new EnvoyModelError(`listener ${quote(this.name)}.ipv4Compat`, `is true with the IPv4 address ${quote(this.address)}`, 'bind an IPv6 address such as "::", or drop ipv4Compat');
    }
    this.accessLogs = [...(options.accessLogs ?? [EnvoyAccessLog.stdout()])];
    if (options.idleTimeout !== undefined && !isPositive(options.idleTimeout)) envoyDuration(`listener ${quote(this.name)}.idleTimeout`, options.idleTimeout);
    (options.upgradeTypes ?? []).forEach((t, i) => {
      if (!isHttpToken(t)) {
        throw new EnvoyModelError(`listener ${quote(this.name)}.upgradeTypes[${i}]`, `${quote(t)} is not an Upgrade header token`, 'give the protocol name the client sends in Upgrade, e.g. "websocket"');
      }
    });
    for (const r of options.routes ?? []) this.addRoute(r);
  }

  /** Adds a route after the existing ones. */
  public addRoute(route: EnvoyRouteOptions): void {
    const at = () => this.routeAt(this.routes.length);
    if (!isResourceName(route.cluster)) checkResourceName(`${at()}.cluster`, route.cluster);
    if (route.prefix !== undefined && route.exactPath !== undefined) {
      throw new EnvoyModelError(at(), 'has both prefix and exactPath', 'give one of them');
    }
    if (route.autoHostRewrite && route.hostRewrite !== undefined) {
      throw new EnvoyModelError(`${at()}.hostRewrite`, 'is given with autoHostRewrite', 'give one of them');
    }
    if (route.hostRewrite !== undefined && !isAddress(route.hostRewrite)) {
      throw new EnvoyModelError(`${at()}.hostRewrite`, `${quote(route.hostRewrite)} is not a host name`, 'give a DNS name, e.g. "api.example.com"');
    }
    const path = route.exactPath ?? route.prefix ?? '/';
    if (!path.startsWith('/')) throw new EnvoyModelError(`${at()}.prefix`, `${quote(path)} does not start with "/"`, 'give an absolute path');
    this.checkRoute(route, this.routes.length); // fail now on bad values
    this.routes.push(route);
  }

  /** Adds an HTTP filter; filters run in the order added, before the router. */
  public addHttpFilter(filter: EnvoyHttpFilter): void {
    if (this.filters.some((f) => f.name === filter.name)) {
      throw new EnvoyModelError(`listener ${quote(this.name)}.httpFilters`, `already has a filter named ${quote(filter.name)}`, 'add each filter once');
    }
    this.filters.push(filter);
  }

  /** Adds an access logger. */
  public addAccessLog(log: EnvoyAccessLog): void {
    this.accessLogs.push(log);
  }

  /** Names of the clusters the routes send requests to. */
  public get routedClusters(): string[] {
    return this.routes.map((r) => r.cluster);
  }

  /** Names of the HTTP filters, in order, router included. */
  public get httpFilterNames(): string[] {
    return [...this.filters.map((f) => f.name), 'envoy.filters.http.router'];
  }

  /** The listener as Envoy v3 JSON (`envoy.config.listener.v3.Listener`). */
  public toJson(): any {
    const hcm: any = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'stat_prefix': this.name,
      'codec_type': 'AUTO',
      'use_remote_address': this.options.useRemoteAddress ?? true,
      ...(this.options.preserveExternalRequestId ? { preserve_external_request_id: true } : {}),
      ...(this.options.trafficDirection === EnvoyTrafficDirection.OUTBOUND ? {} : clientHardening()),
      'route_config': {
        name: this.name,
        virtual_hosts: [{
          name: this.name,
          domains: this.options.domains ?? ['*'],
          routes: this.routes.map((r, i) => this.routeJson(r, i)),
        }],
      },
      'http_filters': [...this.filters, EnvoyHttpFilter.router()].map((f) => f.toJson()),
    };
    if (this.options.idleTimeout !== undefined) {
      hcm.common_http_protocol_options = { ...hcm.common_http_protocol_options, idle_timeout: formatDuration(this.options.idleTimeout) };
    }
    if (this.accessLogs.length > 0) hcm.access_log = this.accessLogs.map((l) => l.toJson());
    if (this.options.upgradeTypes?.length) hcm.upgrade_configs = this.options.upgradeTypes.map((t) => ({ upgrade_type: t }));
    const chain: any = {
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: deepMerge(hcm, this.options.connectionManagerOverrides),
      }],
    };
    if (this.options.tls) chain.transport_socket = this.options.tls.toJson();
    const listener: any = {
      name: this.name,
      address: { socket_address: { address: this.address, port_value: this.port, ...(this.options.ipv4Compat ? { ipv4_compat: true } : {}) } },
      filter_chains: [chain],
    };
    if (this.options.trafficDirection && this.options.trafficDirection !== EnvoyTrafficDirection.UNSPECIFIED) {
      listener.traffic_direction = this.options.trafficDirection;
    }
    if (this.options.bypassOverloadManager) listener.bypass_overload_manager = true;
    return listener;
  }

  private routeJson(r: EnvoyRouteOptions, i: number): any {
    this.checkRoute(r, i);
    const action: any = {
      cluster: r.cluster,
      timeout: formatDuration(r.timeout ?? FIFTEEN_SECONDS),
    };
    if (r.autoHostRewrite) action.auto_host_rewrite = true;
    if (r.hostRewrite !== undefined) action.host_rewrite_literal = r.hostRewrite;
    if (r.hashPolicies?.length) action.hash_policy = r.hashPolicies.map((h) => h.toJson());
    if (r.retries) {
      action.retry_policy = {
        retry_on: (r.retries.retryOn ?? DEFAULT_RETRY_ON).join(','),
        num_retries: r.retries.numRetries ?? 2,
      };
      if (r.retries.perTryTimeout) action.retry_policy.per_try_timeout = formatDuration(r.retries.perTryTimeout);
      // a retry goes to another member when there is one (Envoy would pick the failed one again as
      // often as any other); after three re-picks of tried members it takes the last pick anyway
      action.retry_policy.retry_host_predicate = [previousHosts()];
      action.retry_policy.host_selection_retry_max_attempts = 3;
    }
    const match = r.exactPath !== undefined ? { path: r.exactPath } : { prefix: r.prefix ?? '/' };
    return { match, route: action };
  }

  /**
   * Checks the values routeJson() writes for route `i`, in the order it writes them, without
   * rendering the route (or the property paths of the errors, unless a value is bad).
   */
  private checkRoute(r: EnvoyRouteOptions, i: number): void {
    const timeout = r.timeout ?? FIFTEEN_SECONDS;
    if (!isPositive(timeout)) envoyDuration(`${this.routeAt(i)}.timeout`, timeout);
    if (r.retries) {
      const retryOn = r.retries.retryOn ?? DEFAULT_RETRY_ON;
      if (retryOn.length === 0) throw new EnvoyModelError(`${this.routeAt(i)}.retries.retryOn`, 'is empty', 'name at least one retry condition, e.g. "5xx"');
      if (r.retries.retryOn !== undefined) checkRetryOn(`${this.routeAt(i)}.retries.retryOn`, retryOn);
      const numRetries = r.retries.numRetries ?? 2;
      if (!isAtLeast(numRetries, 1)) checkAtLeast(`${this.routeAt(i)}.retries.numRetries`, numRetries, 1);
      const perTry = r.retries.perTryTimeout;
      if (perTry && !isPositive(perTry)) envoyDuration(`${this.routeAt(i)}.retries.perTryTimeout`, perTry);
      if (perTry && !retryOn.some((w) => RETRY_ON_TIMEOUT.has(w))) {
        throw new EnvoyModelError(`${this.routeAt(i)}.retries.perTryTimeout`,
          `is ${formatDuration(perTry)}, but none of the retry conditions (${retryOn.join(', ')}) covers an attempt that timed out, so the first timeout would end the request `
          + '(Envoy retries a timed-out attempt only on "5xx", "gateway-error" or "reset")',
          'add "reset" to retryOn if the upstream may see a request twice, or drop perTryTimeout (the route timeout then bounds the request)');
      }
      if (perTry && perTry.toMilliseconds() >= timeout.toMilliseconds()) {
        throw new EnvoyModelError(`${this.routeAt(i)}.retries.perTryTimeout`,
          `${formatDuration(perTry)} is not shorter than the route timeout (${formatDuration(timeout)}), so an attempt that times out leaves no time to retry`,
          'give each attempt a fraction of the route timeout (e.g. a third for two retries), or a longer route timeout');
      }
    }
  }

  /** The property path of route `i` in errors. */
  private routeAt(i: number): string {
    return `listener ${quote(this.name)}.routes[${i}]`;
  }
}

const FIFTEEN_SECONDS = Duration.seconds(15);

/** The retry host predicate that steers retries away from members already tried. */
function previousHosts(): object {
  return {
    name: 'envoy.retry_host_predicates.previous_hosts',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
  };
}
/** Envoy's retry_on words, HTTP and gRPC (Envoy ignores any other word, and a route of only such words never retries). */
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
/** The conditions under which Envoy retries an attempt that hit its per-try timeout (it resets the stream and retries as for a reset). */
const RETRY_ON_TIMEOUT = new Set(['5xx', 'gateway-error', 'reset']);
/** Conditions that also need a list the model doesn't write (retriable_status_codes, retriable_headers). */
const RETRY_ON_NEEDING_LISTS = new Set(['retriable-status-codes', 'retriable-headers']);

function checkRetryOn(prop: string, retryOn: readonly string[]): void {
  for (const word of retryOn) {
    if (RETRY_ON_NEEDING_LISTS.has(word)) {
      throw new EnvoyModelError(prop, `${quote(word)} needs ${word === 'retriable-headers' ? 'retriable_headers' : 'retriable_status_codes'}, which this route doesn't set, so it would never trigger`,
        'use "5xx", "gateway-error" or "retriable-4xx", or set the list through raw overrides');
    }
    if (!RETRY_ON.has(word)) {
      const lower = typeof word === 'string' ? word.toLowerCase().replace(/_/g, '-') : word;
      throw new EnvoyModelError(prop, `${quote(word)} is not a retry condition Envoy knows (it ignores unknown words, and would not retry on it)`,
        RETRY_ON.has(lower) ? `write ${quote(lower)}` : `use Envoy's names: ${[...RETRY_ON].map((w) => quote(w)).join(', ')}`);
    }
  }
}
/**
 * For requests from clients (every listener but an outbound one, which passes the app's own
 * requests on as the app wrote them): paths normalized for the route match and the filters, and
 * headers such as X_Auth_User dropped (servers that fold "_" into "-" would otherwise let clients
 * spoof the headers that filters in front of them set). A client must send its headers within
 * 10 s (the timer starts with their first byte, so idle keep-alive connections are not cut). From
 * Envoy's edge-proxy practices (its defaults suit a mesh of trusted peers): an HTTP/2 client gets
 * 100 concurrent streams and flow-control windows of 64 KiB per stream and 1 MiB per connection,
 * instead of 1024 streams and 16 MiB / 24 MiB windows (Envoy 1.36 and later; 2^31 streams and
 * 256 MiB before), so that a few clients can't make Envoy buffer past its memory limit.
 */
function clientHardening(): object {
  return {
    normalize_path: true,
    merge_slashes: true,
    request_headers_timeout: '10s',
    common_http_protocol_options: { headers_with_underscores_action: 'DROP_HEADER' },
    http2_protocol_options: { max_concurrent_streams: 100, initial_stream_window_size: 65536, initial_connection_window_size: 1048576 },
  };
}
/** Failures before the upstream saw the request: safe to retry whatever the method. */
const DEFAULT_RETRY_ON = ['connect-failure', 'refused-stream', 'reset-before-request'];
