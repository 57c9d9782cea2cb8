/*
 * Side b's Envoy configuration, written by hand: what a team without the library keeps in its
 * cdk8s code to give each workload its Envoy bootstrap and SDS file. Plain object literals and a
 * few helpers, serialized with JSON.stringify (pretty-printed, as the library writes them), with
 * no model and no validation: the cost of producing the same text with no abstraction at all.
 *
 * The text must equal what the library writes for the same workload, byte for byte:
 * `npm run bench` compares the synthesized YAML of every side before it times them, and
 * test/bench-baseline.test.ts does so in the test suite.
 */
import { NAMESPACE, WORKLOAD } from './workloads';

const ADMIN_PORT = 9901;
const SIGSCI_CLUSTER = 'sigsci-agent-grpc';
const SIGSCI_GRPC_PORT = 9999;
const CONFIG_DIR = '/etc/envoy';

const typed = (type: string, config: object = {}) => ({ '@type': `type.googleapis.com/${type}`, ...config });
const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
const ROUTER = { name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') };
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HARDENING = {
  normalize_path: true,
  merge_slashes: true,
  request_headers_timeout: '10s',
  common_http_protocol_options: { headers_with_underscores_action: 'DROP_HEADER' },
  http2_protocol_options: { max_concurrent_streams: 100, initial_stream_window_size: 65536, initial_connection_window_size: 1048576 },
};

interface ListenerExtras {
  readonly transportSocket?: object;
  readonly bypassOverloadManager?: boolean;
}

function listener(name: string, address: string, port: number, hcm: object, direction: string, extras: ListenerExtras = {}) {
  return {
    name,
    address: socket(address, port),
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', hcm),
      }],
      ...extras.transportSocket ? { transport_socket: extras.transportSocket } : {},
    }],
    traffic_direction: direction,
    ...extras.bypassOverloadManager ? { bypass_overload_manager: true } : {},
  };
}

function routeConfig(name: string, routes: object[]) {
  return { name, virtual_hosts: [{ name, domains: ['*'], routes }] };
}

function circuitBreakers(maxConnections = 1024, maxPending = 1024) {
  return { thresholds: [{ priority: 'DEFAULT', max_connections: maxConnections, max_pending_requests: maxPending, max_requests: 1024, max_retries: 3 }] };
}

function cluster(name: string, type: string, address: string, port: number, extra: object = {}, connectTimeout = '1s') {
  return {
    name,
    type,
    connect_timeout: connectTimeout,
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(address, port) } }] }] },
    ...extra,
  };
}

const fixedHeap = (threshold: number) => [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: threshold } }];

/** Workload `name`'s Envoy bootstrap; `sigsci`: with the Signal Sciences agent wired in. */
export function envoyBootstrap(name: string, i: number, sigsci: boolean): object {
  const tls = `${name}-tls`;
  const grpc = { envoy_grpc: { cluster_name: SIGSCI_CLUSTER } };
  const [users, orders] = WORKLOAD.upstreams;
  const upstreamHost = (upstream: string) => `${upstream}-${i % 10}.${NAMESPACE}.svc.cluster.local`;
  const stats = listener('stats', '0.0.0.0', WORKLOAD.statsPort, {
    stat_prefix: 'stats',
    codec_type: 'AUTO',
    use_remote_address: false,
    ...HARDENING,
    route_config: routeConfig('stats', [
      { match: { path: '/ready' }, route: { cluster: 'envoy-admin', timeout: '5s' } },
      { match: { path: '/stats/prometheus' }, route: { cluster: 'envoy-admin', timeout: '10s' } },
    ]),
    http_filters: [
      ...sigsci ? [{
        name: 'envoy.filters.http.health_check',
        typed_config: typed('envoy.extensions.filters.http.health_check.v3.HealthCheck', {
          pass_through_mode: false,
          headers: [{ name: ':path', string_match: { exact: '/ready' } }],
          cluster_min_healthy_percentages: { [SIGSCI_CLUSTER]: { value: 100 } },
        }),
      }] : [],
      ROUTER,
    ],
  }, 'INBOUND', { bypassOverloadManager: true });
  const inbound = listener('inbound', '0.0.0.0', WORKLOAD.inboundPort, {
    stat_prefix: 'inbound',
    codec_type: 'AUTO',
    use_remote_address: true,
    preserve_external_request_id: true,
    ...HARDENING,
    route_config: routeConfig('inbound', [{ match: { prefix: '/' }, route: { cluster: 'local-app', timeout: '15s' } }]),
    http_filters: [
      ...sigsci ? [{
        name: 'envoy.filters.http.ext_authz',
        typed_config: typed('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', {
          transport_api_version: 'V3',
          grpc_service: { ...grpc, timeout: '1s' },
          failure_mode_allow: false,
          status_on_error: { code: 'ServiceUnavailable' },
          with_request_body: { max_request_bytes: 8192, allow_partial_message: true },
        }),
      }] : [],
      ROUTER,
    ],
    access_log: [
      {
        name: 'envoy.access_loggers.stdout',
        typed_config: typed('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', {
          log_format: {
            json_format: {
              start_time: '%START_TIME%',
              method: '%REQ(:METHOD)%',
              path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
              protocol: '%PROTOCOL%',
              status: '%RESPONSE_CODE%',
              response_flags: '%RESPONSE_FLAGS%',
              bytes_received: '%BYTES_RECEIVED%',
              bytes_sent: '%BYTES_SENT%',
              duration_ms: '%DURATION%',
              upstream_host: '%UPSTREAM_HOST%',
              upstream_cluster: '%UPSTREAM_CLUSTER%',
              request_id: '%REQ(X-REQUEST-ID)%',
              user_agent: '%REQ(USER-AGENT)%',
            },
          },
        }),
      },
      ...sigsci ? [{
        name: 'envoy.access_loggers.http_grpc',
        typed_config: typed('envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig', {
          common_config: { log_name: SIGSCI_CLUSTER, transport_api_version: 'V3', grpc_service: grpc },
          additional_request_headers_to_log: ['x-sigsci-request-id', 'x-sigsci-waf-response', 'accept', 'content-type', 'content-length'],
          additional_response_headers_to_log: ['date', 'server', 'content-type', 'content-length'],
        }),
      }] : [],
    ],
  }, 'INBOUND', {
    transportSocket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: typed('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
        common_tls_context: {
          tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
          alpn_protocols: ['h2', 'http/1.1'],
          tls_certificate_sds_secret_configs: [{
            name: tls,
            sds_config: {
              path_config_source: { path: `${CONFIG_DIR}/sds-${tls}.json`, watched_directory: { path: CONFIG_DIR } },
              resource_api_version: 'V3',
            },
          }],
        },
      }),
    },
  });
  const outbound = (upstream: string, port: number, route: object) => listener(`outbound-${upstream}`, '127.0.0.1', port, {
    stat_prefix: `outbound-${upstream}`,
    codec_type: 'AUTO',
    use_remote_address: false,
    route_config: routeConfig(`outbound-${upstream}`, [{ match: { prefix: '/' }, route: { cluster: upstream, ...route } }]),
    http_filters: [ROUTER],
  }, 'OUTBOUND');

  return {
    node: { id: name, cluster: name },
    admin: { address: socket('127.0.0.1', ADMIN_PORT), ignore_global_conn_limit: true },
    static_resources: {
      listeners: [
        stats,
        inbound,
        outbound(users.name, users.listenPort, {
          timeout: '5s',
          auto_host_rewrite: true,
          retry_policy: {
            retry_on: 'connect-failure,refused-stream,reset-before-request',
            num_retries: 2,
            retry_host_predicate: [{
              name: 'envoy.retry_host_predicates.previous_hosts',
              typed_config: typed('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'),
            }],
            host_selection_retry_max_attempts: 3,
          },
        }),
        outbound(orders.name, orders.listenPort, { timeout: '15s', auto_host_rewrite: true }),
      ],
      clusters: [
        cluster('envoy-admin', 'STATIC', '127.0.0.1', ADMIN_PORT, { circuit_breakers: circuitBreakers() }),
        cluster('local-app', 'STATIC', '127.0.0.1', WORKLOAD.appPort, {
          circuit_breakers: circuitBreakers(),
          typed_extension_protocol_options: {
            [HTTP_PROTOCOL_OPTIONS]: typed(HTTP_PROTOCOL_OPTIONS, {
              common_http_protocol_options: { idle_timeout: '1s' },
              explicit_http_config: { http_protocol_options: {} },
            }),
          },
        }),
        cluster(users.name, 'STRICT_DNS', upstreamHost(users.name), users.port, {
          circuit_breakers: circuitBreakers(100, 50),
          dns_lookup_family: 'V4_PREFERRED',
        }),
        cluster(orders.name, 'STRICT_DNS', upstreamHost(orders.name), orders.port, {
          circuit_breakers: circuitBreakers(),
          dns_lookup_family: 'V4_PREFERRED',
          outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 10, always_eject_one_host: true },
        }),
        ...sigsci ? [cluster(SIGSCI_CLUSTER, 'STATIC', '127.0.0.1', SIGSCI_GRPC_PORT, {
          circuit_breakers: circuitBreakers(),
          health_checks: [{ timeout: '1s', interval: '2s', unhealthy_threshold: 2, healthy_threshold: 1, no_traffic_interval: '2s', tcp_health_check: {} }],
          typed_extension_protocol_options: {
            [HTTP_PROTOCOL_OPTIONS]: typed(HTTP_PROTOCOL_OPTIONS, { explicit_http_config: { http2_protocol_options: {} } }),
          },
        }, '0.25s')] : [],
      ],
    },
    overload_manager: {
      refresh_interval: '0.25s',
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.fixed_heap',
          typed_config: typed('envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', { max_heap_size_bytes: 214748364 }),
        },
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: typed('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', {
            max_active_downstream_connections: 10000,
          }),
        },
      ],
      actions: [
        { name: 'envoy.overload_actions.disable_http_keepalive', triggers: fixedHeap(0.92) },
        { name: 'envoy.overload_actions.shrink_heap', triggers: fixedHeap(0.92) },
        { name: 'envoy.overload_actions.stop_accepting_requests', triggers: fixedHeap(0.95) },
      ],
      loadshed_points: [{ name: 'envoy.load_shed_points.tcp_listener_accept', triggers: fixedHeap(0.95) }],
    },
  };
}

/** The SDS file serving the certificate of Secret `secret`, mounted under /etc/envoy/tls/<secret>. */
export function sdsFile(secret: string): object {
  const dir = `${CONFIG_DIR}/tls/${secret}`;
  return {
    resources: [{
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      'name': secret,
      'tls_certificate': {
        certificate_chain: { filename: `${dir}/tls.crt` },
        private_key: { filename: `${dir}/tls.key` },
        watched_directory: { path: dir },
      },
    }],
  };
}
