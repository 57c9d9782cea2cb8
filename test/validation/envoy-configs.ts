/**
 * Known-good Envoy v3 configs, written as Envoy's docs and the seed documents write them. Each
 * function returns a fresh object, so a test can break one field of it. Used by the validator
 * tests and by scripts/bench-envoy-validator.ts.
 */

export const TYPE = 'type.googleapis.com/';

export function socketAddress(address: string, port: number): any {
  return { socket_address: { address, port_value: port } };
}

/** A cluster of one endpoint (load_assignment). */
export function endpoints(cluster: string, address: string, port: number): any {
  return { cluster_name: cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] };
}

/** typed_extension_protocol_options that make a cluster speak HTTP/2 (current Envoy). */
export function http2ProtocolOptions(): any {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': `${TYPE}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
      'explicit_http_config': { http2_protocol_options: {} },
    },
  };
}

export function router(): any {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': `${TYPE}envoy.extensions.filters.http.router.v3.Router` } };
}

/** The Signal Sciences ext_authz gRPC filter (DOMAIN.md §1). */
export function sigsciExtAuthz(): any {
  return {
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': `${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
      'transport_api_version': 'V3',
      'failure_mode_allow': true,
      'grpc_service': { envoy_grpc: { cluster_name: 'sigsci-agent-grpc' }, timeout: '5.2s' },
    },
  };
}

/** The Signal Sciences gRPC access logger (DOMAIN.md §1). */
export function sigsciAccessLog(): any {
  return {
    name: 'envoy.access_loggers.http_grpc',
    typed_config: {
      '@type': `${TYPE}envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig`,
      'common_config': {
        log_name: 'sigsci-agent-grpc',
        transport_api_version: 'V3',
        grpc_service: { envoy_grpc: { cluster_name: 'sigsci-agent-grpc' } },
      },
      'additional_request_headers_to_log': ['x-sigsci-request-id', 'x-sigsci-waf-response', 'accept', 'content-type', 'content-length'],
      'additional_response_headers_to_log': ['date', 'server', 'content-type', 'content-length'],
    },
  };
}

/** An http_connection_manager network filter routing everything to one cluster. */
export function httpConnectionManager(statPrefix: string, cluster: string, httpFilters: any[] = [router()], accessLog: any[] = []): any {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
      'stat_prefix': statPrefix,
      'codec_type': 'AUTO',
      'route_config': {
        name: `${statPrefix}_route`,
        virtual_hosts: [{
          name: cluster,
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '15s', retry_policy: { retry_on: '5xx,connect-failure', num_retries: 2 } } }],
        }],
      },
      'http_filters': httpFilters,
      ...(accessLog.length ? { access_log: accessLog } : {}),
    },
  };
}

/** TLS from the files of a mounted kubernetes.io/tls Secret (DOMAIN.md §7). */
export function downstreamTlsFromFiles(): any {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${TYPE}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
      'common_tls_context': {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
        tls_certificates: [{ certificate_chain: { filename: '/etc/envoy/tls/tls.crt' }, private_key: { filename: '/etc/envoy/tls/tls.key' } }],
      },
    },
  };
}

/** The HTTPS inbound listener: TLS from files, ext_authz, router, gRPC access log. */
export function httpsListener(): any {
  return {
    name: 'inbound_https',
    address: socketAddress('0.0.0.0', 8443),
    filter_chains: [{
      filters: [httpConnectionManager('ingress_https', 'local_app', [sigsciExtAuthz(), router()], [sigsciAccessLog()])],
      transport_socket: downstreamTlsFromFiles(),
    }],
  };
}

/** A STRICT_DNS upstream with circuit breakers, outlier detection and an HTTP health check (seed 003). */
export function remoteCluster(): any {
  return {
    name: 'mathoid',
    connect_timeout: '0.25s',
    type: 'STRICT_DNS',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: endpoints('mathoid', 'mathoid.default.svc.cluster.local', 10044),
    circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 }] },
    outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 10 },
    health_checks: [{ timeout: '1s', interval: '10s', unhealthy_threshold: 3, healthy_threshold: 2, http_health_check: { path: '/healthz' } }],
  };
}

/** The Signal Sciences agent cluster: STATIC, HTTP/2 (DOMAIN.md §1). */
export function sigsciCluster(): any {
  return {
    name: 'sigsci-agent-grpc',
    connect_timeout: '0.25s',
    type: 'STATIC',
    lb_policy: 'ROUND_ROBIN',
    typed_extension_protocol_options: http2ProtocolOptions(),
    load_assignment: endpoints('sigsci-agent-grpc', '127.0.0.1', 9999),
  };
}

/** A typical sidecar bootstrap: 3 listeners, 4 clusters, ext_authz and gRPC access log. */
export function sidecarBootstrap(): any {
  return {
    node: { id: 'kuard', cluster: 'kuard' },
    admin: {
      address: socketAddress('127.0.0.1', 9901),
      access_log: [{ name: 'envoy.access_loggers.stdout', typed_config: { '@type': `${TYPE}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog` } }],
    },
    static_resources: {
      listeners: [
        httpsListener(),
        { name: 'outbound_mathoid', address: socketAddress('127.0.0.1', 6500), filter_chains: [{ filters: [httpConnectionManager('egress_mathoid', 'mathoid')] }] },
        { name: 'metrics', address: socketAddress('0.0.0.0', 9902), filter_chains: [{ filters: [httpConnectionManager('metrics', 'envoy_admin')] }] },
      ],
      clusters: [
        { name: 'local_app', connect_timeout: '0.25s', type: 'STATIC', load_assignment: endpoints('local_app', '127.0.0.1', 8080) },
        remoteCluster(),
        sigsciCluster(),
        { name: 'envoy_admin', connect_timeout: '0.25s', type: 'STATIC', load_assignment: endpoints('envoy_admin', '127.0.0.1', 9901) },
      ],
    },
    layered_runtime: { layers: [{ name: 'static', static_layer: { 'overload.global_downstream_max_connections': 50000 } }] },
  };
}

/** A marin3r listener serving a certificate over SDS from the discovery service (DOMAIN.md §5). */
export function marin3rListener(): any {
  return {
    name: 'https',
    address: socketAddress('0.0.0.0', 8443),
    filter_chains: [{
      filters: [httpConnectionManager('ingress_http', 'kuard')],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `${TYPE}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
          'common_tls_context': {
            tls_certificate_sds_secret_configs: [{ name: 'kuard-certificate', sds_config: { ads: {}, resource_api_version: 'V3' } }],
          },
        },
      },
    }],
  };
}

/** Seed 002's kuard cluster, already v3. */
export function kuardCluster(): any {
  return {
    name: 'kuard',
    connect_timeout: '2s',
    type: 'STRICT_DNS',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: endpoints('kuard', '127.0.0.1', 8080),
  };
}

/** Seed 002's kuard listener with the given @types, filter names and SDS config. */
function kuardListenerWith(hcmType: string, tlsType: string, hcmName: string, routerFilter: any, sdsConfig: any): any {
  return {
    name: 'https',
    address: socketAddress('0.0.0.0', 8443),
    filter_chains: [{
      filters: [{
        name: hcmName,
        typed_config: {
          '@type': `${TYPE}${hcmType}`,
          'stat_prefix': 'ingress_http',
          'route_config': {
            name: 'local_route',
            virtual_hosts: [{ name: 'kuard', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'kuard' } }] }],
          },
          'http_filters': [routerFilter],
        },
      }],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `${TYPE}${tlsType}`,
          'common_tls_context': { tls_certificate_sds_secret_configs: [{ name: 'kuard-certificate', sds_config: sdsConfig }] },
        },
      },
    }],
  };
}

/** Seed 002's kuard listener translated to v3 (v3 @types, current filter names, typed router). */
export function kuardListener(): any {
  return kuardListenerWith(
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    'envoy.filters.network.http_connection_manager', router(), { ads: {}, resource_api_version: 'V3' });
}

/** Seed 002's kuard listener as the seed writes it: v2 @types (rejected by current Envoy). */
export function kuardListenerV2(): any {
  return kuardListenerWith(
    'envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager',
    'envoy.api.v2.auth.DownstreamTlsContext',
    'envoy.http_connection_manager', { name: 'envoy.router' }, { ads: {} });
}

/** A cluster written in lowerCamelCase, as Envoy's JSON loader also accepts. */
export function camelCaseCluster(): any {
  return {
    name: 'kuard',
    connectTimeout: '2s',
    type: 'STRICT_DNS',
    lbPolicy: 'ROUND_ROBIN',
    loadAssignment: {
      clusterName: 'kuard',
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 8080 } } } }] }],
    },
    circuitBreakers: { thresholds: [{ maxConnections: 100, maxRetries: 3 }] },
    outlierDetection: { consecutive5xx: 5, baseEjectionTime: '30s' },
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': `${TYPE}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
        'explicitHttpConfig': { http2ProtocolOptions: { maxConcurrentStreams: 100 } },
      },
    },
  };
}

/** A TLS certificate for SDS (marin3r `secret` resources). */
export function tlsSecret(): any {
  return {
    name: 'kuard-certificate',
    tls_certificate: { certificate_chain: { filename: '/etc/tls/tls.crt' }, private_key: { filename: '/etc/tls/tls.key' } },
  };
}
