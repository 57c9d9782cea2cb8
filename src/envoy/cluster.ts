import { Duration } from 'cdk8s';
import { EnvoyModelError, quote } from './model-error';
import {
  checkAddress, checkAtLeast, checkModelPort, checkRange, checkResourceName, deepMerge, envoyDuration, formatDuration, isAddress, isAtLeast,
  isIpAddress, isPort, isPositive,
} from './values';

/** How Envoy finds the members of a cluster. */
export enum EnvoyClusterDiscovery {
  /** A fixed list of IP addresses. */
  STATIC = 'STATIC',
  /** Resolve DNS names continuously and balance across every address returned (a Kubernetes Service name, a headless Service). */
  STRICT_DNS = 'STRICT_DNS',
  /** Resolve one DNS name and connect to the first address; for large external services behind DNS load balancing. Exactly one endpoint. */
  LOGICAL_DNS = 'LOGICAL_DNS',
}

/** How Envoy spreads requests across the members of a cluster. */
export enum EnvoyLoadBalancing {
  ROUND_ROBIN = 'ROUND_ROBIN',
  LEAST_REQUEST = 'LEAST_REQUEST',
  RANDOM = 'RANDOM',
  /** Consistent hashing on a ring; needs a hash policy on the routes (EnvoyHashPolicy), or every request goes to a random member. */
  RING_HASH = 'RING_HASH',
  /** Consistent hashing with Maglev's table; needs a hash policy on the routes (EnvoyHashPolicy), like RING_HASH. */
  MAGLEV = 'MAGLEV',
}

/** The HTTP version Envoy speaks to the upstream. */
export enum EnvoyUpstreamProtocol {
  /** HTTP/1.1. */
  HTTP1 = 'HTTP1',
  /** HTTP/2 (required for gRPC upstreams), in cleartext unless upstream TLS is configured. */
  HTTP2 = 'HTTP2',
}

/** Which address families DNS discovery uses. */
export enum EnvoyDnsLookupFamily {
  AUTO = 'AUTO',
  V4_ONLY = 'V4_ONLY',
  V6_ONLY = 'V6_ONLY',
  V4_PREFERRED = 'V4_PREFERRED',
  ALL = 'ALL',
}

/** One member of a cluster. */
export interface EnvoyEndpoint {
  /** IP address or DNS name. */
  readonly address: string;
  /** Port of the member. */
  readonly port: number;
}

/**
 * Circuit-breaker thresholds (the DEFAULT priority, per Envoy instance). Past `maxPendingRequests`
 * or `maxRequests`, Envoy fails further requests at once (503, `x-envoy-overloaded`) instead of
 * queueing more work on an upstream that can't keep up. At `maxConnections`, requests wait as
 * pending for a connection (and fail only once the pending queue overflows); at `maxRetries`,
 * further retries are skipped, not the requests.
 */
export interface EnvoyCircuitBreakerOptions {
  /**
   * Maximum connections Envoy opens to the cluster.
   * @default 1024 (Envoy's default)
   */
  readonly maxConnections?: number;
  /**
   * Maximum requests waiting for a connection.
   * @default 1024 (Envoy's default)
   */
  readonly maxPendingRequests?: number;
  /**
   * Maximum requests in flight (HTTP/2: concurrent streams).
   * @default 1024 (Envoy's default)
   */
  readonly maxRequests?: number;
  /**
   * Maximum retries in flight to the cluster (at least 1; to turn retries off, give the routes no
   * retry policy).
   * @default 3 (Envoy's default)
   */
  readonly maxRetries?: number;
}

/** Passive health checking: eject members that keep failing. */
export interface EnvoyOutlierDetectionOptions {
  /**
   * Consecutive 5xx responses (or connect failures) after which a member is ejected.
   * @default 5 (Envoy's default)
   */
  readonly consecutive5xx?: number;
  /**
   * Interval of the outlier sweep, which returns ejected members whose ejection time is over (and
   * runs the success-rate checks). A member is ejected as soon as it reaches `consecutive5xx`, not
   * at the next sweep.
   * @default Duration.seconds(10) (Envoy's default)
   */
  readonly interval?: Duration;
  /**
   * Base time a member stays ejected (multiplied by the number of times it was ejected).
   * @default Duration.seconds(30) (Envoy's default)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Most members that may be ejected at once, in percent. Since Envoy 1.28 a member is ejected
   * only while (ejected + 1) / members stays within it, so 10 % ejects nothing in a cluster of
   * fewer than 10 members unless `alwaysEjectOneHost` is on.
   * @default 10 (Envoy's default)
   */
  readonly maxEjectionPercent?: number;
  /**
   * Eject a member while none is ejected, whatever `maxEjectionPercent` says
   * (`always_eject_one_host`, Envoy 1.31 and later; earlier releases refuse the field). With a
   * single member this changes nothing: Envoy's panic threshold routes to it anyway.
   * @default false (`EnvoySidecar` turns it on for Envoy 1.31 or newer images with ConfigMap delivery)
   */
  readonly alwaysEjectOneHost?: boolean;
}

/**
 * HTTP/2 PING keepalive on the connections to the upstream
 * (`http2_protocol_options.connection_keepalive`): a connection whose peer doesn't answer a PING
 * in time is closed, so requests stop going to a member that died or was cut off without closing
 * its connections (otherwise they time out one by one until the kernel gives the connection up,
 * which takes many minutes).
 */
export interface EnvoyHttp2KeepaliveOptions {
  /** How often a PING is sent. */
  readonly interval: Duration;
  /** How long Envoy waits for the answer before it closes the connection. */
  readonly timeout: Duration;
}

/**
 * TCP keepalive on the connections to the upstream (`upstream_connection_options.tcp_keepalive`):
 * the kernel probes an idle connection and closes it when the peer stops answering, whatever the
 * protocol on top. Only idle ones: while data waits for its acknowledgement the kernel sends no
 * probes, and its retransmission timeout decides instead.
 */
export interface EnvoyTcpKeepaliveOptions {
  /**
   * Idle time before the first probe (whole seconds, at most 32767: Linux's limit).
   * @default Duration.seconds(10)
   */
  readonly time?: Duration;
  /**
   * Time between probes (whole seconds, at most 32767).
   * @default Duration.seconds(5)
   */
  readonly interval?: Duration;
  /**
   * Unanswered probes before the connection is closed (1 to 127: Linux's limit).
   * @default 3
   */
  readonly probes?: number;
}

/** Active health checking of every member: an HTTP request, or a TCP connect when no path is given. */
export interface EnvoyHealthCheckOptions {
  /**
   * Path requested on each member (`http_health_check`), e.g. "/healthz"; any 2xx is healthy
   * (`expected_statuses` 200-299), anything else makes the member unhealthy at once.
   * @default - no request: a TCP connect check (`tcp_health_check` without payload), healthy when the member accepts the connection
   */
  readonly path?: string;
  /**
   * Host header of the HTTP check.
   * @default - the TLS SNI, else each member's DNS name; for IP members without SNI, the cluster name (Envoy's default)
   */
  readonly host?: string;
  /**
   * Time between checks.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Time to wait for a response.
   * @default Duration.seconds(2)
   */
  readonly timeout?: Duration;
  /**
   * Failed checks (timeouts, refused connections) before a member is marked unhealthy. An HTTP
   * check answered with a status outside 200-299 marks it unhealthy at once, whatever this says.
   * @default 3
   */
  readonly unhealthyThreshold?: number;
  /**
   * Time between checks until the cluster has carried traffic (`no_traffic_interval`). Envoy's
   * own default is long because checks of an idle cluster are seldom urgent; shorten it when
   * something waits for the first healthy result, e.g. a readiness dependency at start-up.
   * @default - Envoy's default, 60 seconds
   */
  readonly noTrafficInterval?: Duration;
  /**
   * Successful checks before a member is marked healthy again.
   * @default 2
   */
  readonly healthyThreshold?: number;
}

/** TLS from Envoy to the upstream. */
export interface EnvoyUpstreamTlsOptions {
  /**
   * Server name sent in the TLS handshake and required in the upstream certificate's SANs.
   * @default - the first endpoint's address when it is a DNS name; required for IP endpoints
   */
  readonly sni?: string;
  /**
   * File holding the CA certificates that sign the upstream's certificate.
   * @default "/etc/ssl/certs/ca-certificates.crt" (the system trust store of the Envoy image)
   */
  readonly trustedCaFile?: string;
}

/** Options of an upstream cluster. */
export interface EnvoyClusterOptions {
  /** Cluster name, referenced by routes. */
  readonly name: string;
  /** Members of the cluster (at least one). */
  readonly endpoints: EnvoyEndpoint[];
  /**
   * How members are found.
   * @default STATIC when every address is an IP address, STRICT_DNS otherwise
   */
  readonly discovery?: EnvoyClusterDiscovery;
  /**
   * Time allowed to establish a connection.
   * @default Duration.seconds(1)
   */
  readonly connectTimeout?: Duration;
  /**
   * Load-balancing policy.
   * @default EnvoyLoadBalancing.ROUND_ROBIN
   */
  readonly loadBalancing?: EnvoyLoadBalancing;
  /**
   * HTTP version spoken to the upstream.
   * @default EnvoyUpstreamProtocol.HTTP1
   */
  readonly protocol?: EnvoyUpstreamProtocol;
  /**
   * Circuit-breaker thresholds. They are always written out, so the limits in force are
   * visible in the config.
   * @default - Envoy's defaults: 1024 connections, 1024 pending, 1024 requests, 3 retries
   */
  readonly circuitBreaker?: EnvoyCircuitBreakerOptions;
  /**
   * Passive health checking.
   * @default - no outlier detection
   */
  readonly outlierDetection?: EnvoyOutlierDetectionOptions;
  /**
   * Active HTTP health checking.
   * @default - no active health checks
   */
  readonly healthCheck?: EnvoyHealthCheckOptions;
  /**
   * HTTP/2 PING keepalive (only with `protocol` HTTP2). gRPC servers may count PINGs on a
   * connection that carries no responses as abuse and close it (grpc-go: more often than every
   * 5 minutes); `tcpKeepalive` detects dead peers without that.
   * @default - none: Envoy sends no PINGs
   */
  readonly http2Keepalive?: EnvoyHttp2KeepaliveOptions;
  /**
   * How long a connection to a member may sit unused in Envoy's pool before Envoy closes it
   * (`common_http_protocol_options.idle_timeout`). Keep it below the member's own keep-alive
   * timeout: a server that closes an idle connection first races Envoy, which may send a request
   * on it as it closes, and the client gets a 503 ("upstream connect error ... connection
   * termination") that retries covering "reset-before-request" don't catch.
   * @default - Envoy's: one hour
   */
  readonly idleTimeout?: Duration;
  /**
   * TCP keepalive on the connections to the members.
   * @default - none: the kernel's defaults (no keepalive unless the socket asks for it)
   */
  readonly tcpKeepalive?: EnvoyTcpKeepaliveOptions;
  /**
   * Originate TLS to the upstream.
   * @default - plaintext
   */
  readonly tls?: EnvoyUpstreamTlsOptions;
  /**
   * Address families used by DNS discovery.
   * @default EnvoyDnsLookupFamily.V4_PREFERRED
   */
  readonly dnsLookupFamily?: EnvoyDnsLookupFamily;
  /**
   * Raw fields deep-merged into the generated cluster (snake_case, as in Envoy's docs), for
   * what the options don't cover. Objects merge key by key, arrays and scalars replace, `null`
   * removes a key. The result is still validated against Envoy's protos.
   * @default - none
   */
  readonly overrides?: { [key: string]: any };
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** An Envoy v3 upstream cluster. */
export class EnvoyCluster {
  /** The cluster name. */
  public readonly name: string;
  /** The discovery type in use. */
  public readonly discovery: EnvoyClusterDiscovery;
  private readonly options: EnvoyClusterOptions;

  constructor(options: EnvoyClusterOptions) {
    this.name = checkResourceName('name', options.name);
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new EnvoyModelError(`cluster ${quote(this.name)}.endpoints`, 'received no endpoints', 'give at least one { address, port }');
    }
    options.endpoints.forEach((e, i) => {
      if (!isAddress(e.address)) checkAddress(`cluster ${quote(this.name)}.endpoints[${i}].address`, e.address);
      if (!isPort(e.port)) checkModelPort(`cluster ${quote(this.name)}.endpoints[${i}].port`, e.port);
    });
    const allIps = options.endpoints.every((e) => isIpAddress(e.address));
    this.discovery = options.discovery ?? (allIps ? EnvoyClusterDiscovery.STATIC : EnvoyClusterDiscovery.STRICT_DNS);
    if (this.discovery === EnvoyClusterDiscovery.STATIC && !allIps) {
      const host = options.endpoints.find((e) => !isIpAddress(e.address))!.address;
      throw new EnvoyModelError(`cluster ${quote(this.name)}.discovery`, `STATIC needs IP addresses but ${quote(host)} is a DNS name`,
        'use EnvoyClusterDiscovery.STRICT_DNS (or LOGICAL_DNS) for DNS names');
    }
    if (this.discovery === EnvoyClusterDiscovery.LOGICAL_DNS && options.endpoints.length !== 1) {
      throw new EnvoyModelError(`cluster ${quote(this.name)}.discovery`, `LOGICAL_DNS takes exactly one endpoint, received ${options.endpoints.length}`,
        'use STRICT_DNS for several endpoints');
    }
    if (options.tls && !options.tls.sni && isIpAddress(options.endpoints[0].address)) {
      throw new EnvoyModelError(`cluster ${quote(this.name)}.tls.sni`, 'is required when the endpoint is an IP address',
        'give the host name the upstream certificate is issued for');
    }
    this.options = options;
    // every bad value fails where it was given, with the error toJson() would throw
    this.checkValues();
  }

  /**
   * The Host header of the HTTP health checks: the one given, else the TLS SNI, else the members'
   * DNS name when they share one; undefined otherwise (members of different names then get their
   * own, and IP members Envoy's default, the cluster name).
   */
  private healthCheckHost(): string | undefined {
    const o = this.options;
    if (o.healthCheck?.host !== undefined) return o.healthCheck.host;
    if (o.tls?.sni !== undefined) return o.tls.sni;
    const names = new Set(o.endpoints.filter((e) => !isIpAddress(e.address)).map((e) => e.address));
    return names.size === 1 && o.endpoints.every((e) => !isIpAddress(e.address)) ? [...names][0] : undefined;
  }

  /** True when the cluster's members are health-checked actively (`healthCheck`). */
  public get activeHealthCheck(): boolean {
    return this.options.healthCheck !== undefined;
  }

  /** True when the cluster ejects members that fail requests (`outlierDetection`). */
  public get usesOutlierDetection(): boolean {
    return this.options.outlierDetection !== undefined;
  }

  /** True when the cluster resolves DNS names (so `auto_host_rewrite` can use them). */
  public get usesDns(): boolean {
    return this.discovery !== EnvoyClusterDiscovery.STATIC;
  }

  /** The cluster as Envoy v3 JSON (`envoy.config.cluster.v3.Cluster`). */
  public toJson(): any {
    this.checkValues();
    const o = this.options;
    const cb = o.circuitBreaker ?? {};
    // the Host of HTTP health checks: on the check, or on each member when they differ
    const checkHost = o.healthCheck?.path !== undefined ? this.healthCheckHost() : undefined;
    const perEndpointHost = o.healthCheck?.path !== undefined && checkHost === undefined;
    const cluster: any = {
      name: this.name,
      type: this.discovery,
      connect_timeout: formatDuration(o.connectTimeout ?? ONE_SECOND),
      lb_policy: o.loadBalancing ?? EnvoyLoadBalancing.ROUND_ROBIN,
      load_assignment: {
        cluster_name: this.name,
        endpoints: [{
          lb_endpoints: o.endpoints.map((e) => ({
            endpoint: {
              address: { socket_address: { address: e.address, port_value: e.port } },
              // members of different DNS names get their own Host in HTTP health checks
              ...(perEndpointHost && !isIpAddress(e.address) ? { health_check_config: { hostname: e.address } } : {}),
            },
          })),
        }],
      },
      circuit_breakers: {
        thresholds: [{
          priority: 'DEFAULT',
          max_connections: cb.maxConnections ?? 1024,
          max_pending_requests: cb.maxPendingRequests ?? 1024,
          max_requests: cb.maxRequests ?? 1024,
          max_retries: cb.maxRetries ?? 3,
        }],
      },
    };
    if (this.usesDns) cluster.dns_lookup_family = o.dnsLookupFamily ?? EnvoyDnsLookupFamily.V4_PREFERRED;
    if (o.outlierDetection) {
      const od = o.outlierDetection;
      cluster.outlier_detection = {
        consecutive_5xx: od.consecutive5xx ?? 5,
        interval: formatDuration(od.interval ?? TEN_SECONDS),
        base_ejection_time: formatDuration(od.baseEjectionTime ?? THIRTY_SECONDS),
        max_ejection_percent: od.maxEjectionPercent ?? 10,
        ...(od.alwaysEjectOneHost ? { always_eject_one_host: true } : {}),
      };
    }
    if (o.healthCheck) {
      const hc = o.healthCheck;
      const check: any = {
        timeout: formatDuration(hc.timeout ?? TWO_SECONDS),
        interval: formatDuration(hc.interval ?? TEN_SECONDS),
        unhealthy_threshold: hc.unhealthyThreshold ?? 3,
        healthy_threshold: hc.healthyThreshold ?? 2,
      };
      if (hc.noTrafficInterval !== undefined) check.no_traffic_interval = formatDuration(hc.noTrafficInterval);
      if (hc.path === undefined) {
        check.tcp_health_check = {};
      } else {
        check.http_health_check = { path: hc.path, expected_statuses: [{ start: 200, end: 300 }] };
        if (checkHost !== undefined) check.http_health_check.host = checkHost;
        // Envoy checks over HTTP/1.1 unless told otherwise, which an HTTP/2-only upstream (gRPC) refuses.
        if (o.protocol === EnvoyUpstreamProtocol.HTTP2) check.http_health_check.codec_client_type = 'HTTP2';
      }
      cluster.health_checks = [check];
    }
    const http2 = (o.protocol ?? EnvoyUpstreamProtocol.HTTP1) === EnvoyUpstreamProtocol.HTTP2;
    if (http2 || o.idleTimeout) {
      cluster.typed_extension_protocol_options = {
        [HTTP_PROTOCOL_OPTIONS]: {
          '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`,
          ...(o.idleTimeout ? { common_http_protocol_options: { idle_timeout: formatDuration(o.idleTimeout) } } : {}),
          // the options message needs the protocol spelt out (its upstream_protocol_options is required)
          'explicit_http_config': http2
            ? {
              http2_protocol_options: o.http2Keepalive
                ? { connection_keepalive: { interval: formatDuration(o.http2Keepalive.interval), timeout: formatDuration(o.http2Keepalive.timeout) } }
                : {},
            }
            : { http_protocol_options: {} },
        },
      };
    }
    if (o.tcpKeepalive) {
      const k = o.tcpKeepalive;
      cluster.upstream_connection_options = {
        tcp_keepalive: {
          keepalive_probes: k.probes ?? 3,
          keepalive_time: (k.time ?? TEN_SECONDS).toSeconds(),
          keepalive_interval: (k.interval ?? FIVE_SECONDS).toSeconds(),
        },
      };
    }
    if (o.tls) {
      const sni = o.tls.sni ?? o.endpoints[0].address;
      cluster.transport_socket = {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni,
          'common_tls_context': {
            tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
            validation_context: {
              trusted_ca: { filename: o.tls.trustedCaFile ?? '/etc/ssl/certs/ca-certificates.crt' },
              match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: sni } }],
            },
          },
        },
      };
    }
    return deepMerge(cluster, o.overrides);
  }

  /**
   * Checks every value toJson() writes, in the order it writes them, without building the JSON
   * (or the property paths of the errors, unless a value is bad): the first bad value throws the
   * error toJson() used to throw while rendering.
   */
  private checkValues(): void {
    const o = this.options;
    const cb = o.circuitBreaker ?? {};
    const connectTimeout = o.connectTimeout ?? ONE_SECOND;
    if (!isPositive(connectTimeout)) envoyDuration(`${this.at()}.connectTimeout`, connectTimeout);
    const maxConnections = cb.maxConnections ?? 1024;
    if (!isAtLeast(maxConnections, 1)) checkAtLeast(`${this.at()}.circuitBreaker.maxConnections`, maxConnections, 1);
    const maxPendingRequests = cb.maxPendingRequests ?? 1024;
    if (!isAtLeast(maxPendingRequests, 1)) checkAtLeast(`${this.at()}.circuitBreaker.maxPendingRequests`, maxPendingRequests, 1);
    const maxRequests = cb.maxRequests ?? 1024;
    if (!isAtLeast(maxRequests, 1)) checkAtLeast(`${this.at()}.circuitBreaker.maxRequests`, maxRequests, 1);
    const maxRetries = cb.maxRetries ?? 3;
    if (!isAtLeast(maxRetries, 1)) checkAtLeast(`${this.at()}.circuitBreaker.maxRetries`, maxRetries, 1);
    if (o.outlierDetection) {
      const od = o.outlierDetection;
      const consecutive5xx = od.consecutive5xx ?? 5;
      if (!isAtLeast(consecutive5xx, 1)) checkAtLeast(`${this.at()}.outlierDetection.consecutive5xx`, consecutive5xx, 1);
      const interval = od.interval ?? TEN_SECONDS;
      if (!isPositive(interval)) envoyDuration(`${this.at()}.outlierDetection.interval`, interval);
      const baseEjectionTime = od.baseEjectionTime ?? THIRTY_SECONDS;
      if (!isPositive(baseEjectionTime)) envoyDuration(`${this.at()}.outlierDetection.baseEjectionTime`, baseEjectionTime);
      const percent = od.maxEjectionPercent ?? 10;
      if (!isAtLeast(percent, 1) || percent > 100) checkRange(`${this.at()}.outlierDetection.maxEjectionPercent`, percent, 1, 100);
    }
    if (o.idleTimeout !== undefined && !isPositive(o.idleTimeout)) envoyDuration(`${this.at()}.idleTimeout`, o.idleTimeout);
    if (o.http2Keepalive) {
      if ((o.protocol ?? EnvoyUpstreamProtocol.HTTP1) !== EnvoyUpstreamProtocol.HTTP2) {
        throw new EnvoyModelError(`${this.at()}.http2Keepalive`, `is set on a cluster that speaks ${o.protocol ?? EnvoyUpstreamProtocol.HTTP1}, where HTTP/2 PINGs don't exist`,
          'set protocol: EnvoyUpstreamProtocol.HTTP2, or drop http2Keepalive');
      }
      if (!isPositive(o.http2Keepalive.interval)) envoyDuration(`${this.at()}.http2Keepalive.interval`, o.http2Keepalive.interval);
      if (!isPositive(o.http2Keepalive.timeout)) envoyDuration(`${this.at()}.http2Keepalive.timeout`, o.http2Keepalive.timeout);
    }
    if (o.tcpKeepalive) {
      const k = o.tcpKeepalive;
      if (k.probes !== undefined && (!isAtLeast(k.probes, 1) || k.probes > 127)) checkRange(`${this.at()}.tcpKeepalive.probes`, k.probes, 1, 127);
      for (const [name, d] of [['time', k.time], ['interval', k.interval]] as const) {
        if (d === undefined) continue;
        const ms = d.toMilliseconds();
        if (!Number.isFinite(ms) || ms < 1000 || ms % 1000 !== 0 || ms > 32767000) {
          throw new EnvoyModelError(`${this.at()}.tcpKeepalive.${name}`, `${ms} ms is not a whole number of seconds from 1 to 32767`,
            'give whole seconds, e.g. Duration.seconds(10): the kernel counts keepalive times in seconds and refuses more than 32767');
        }
      }
    }
    if (o.healthCheck) {
      const hc = o.healthCheck;
      if (hc.path !== undefined && (typeof hc.path !== 'string' || !hc.path.startsWith('/'))) {
        throw new EnvoyModelError(`${this.at()}.healthCheck.path`, `${quote(hc.path)} is not an absolute path`, 'give a path such as "/healthz"');
      }
      if (hc.host !== undefined && hc.path === undefined) {
        throw new EnvoyModelError(`${this.at()}.healthCheck.host`, `${quote(hc.host)} is given for a TCP check, which sends no Host header`, 'give healthCheck.path for an HTTP check, or drop host');
      }
      if (hc.host !== undefined && !isAddress(hc.host)) {
        throw new EnvoyModelError(`${this.at()}.healthCheck.host`, `${quote(hc.host)} is not a host name`, 'give the DNS name the member serves, e.g. "payments.example.com"');
      }
      const timeout = hc.timeout ?? TWO_SECONDS;
      if (!isPositive(timeout)) envoyDuration(`${this.at()}.healthCheck.timeout`, timeout);
      const interval = hc.interval ?? TEN_SECONDS;
      if (!isPositive(interval)) envoyDuration(`${this.at()}.healthCheck.interval`, interval);
      const unhealthy = hc.unhealthyThreshold ?? 3;
      if (!isAtLeast(unhealthy, 1)) checkAtLeast(`${this.at()}.healthCheck.unhealthyThreshold`, unhealthy, 1);
      const healthy = hc.healthyThreshold ?? 2;
      if (!isAtLeast(healthy, 1)) checkAtLeast(`${this.at()}.healthCheck.healthyThreshold`, healthy, 1);
      if (hc.noTrafficInterval !== undefined && !isPositive(hc.noTrafficInterval)) envoyDuration(`${this.at()}.healthCheck.noTrafficInterval`, hc.noTrafficInterval);
    }
  }

  /** The start of this cluster's property paths in errors. */
  private at(): string {
    return `cluster ${quote(this.name)}`;
  }
}

const ONE_SECOND = Duration.seconds(1);
const TWO_SECONDS = Duration.seconds(2);
const FIVE_SECONDS = Duration.seconds(5);
const TEN_SECONDS = Duration.seconds(10);
const THIRTY_SECONDS = Duration.seconds(30);
