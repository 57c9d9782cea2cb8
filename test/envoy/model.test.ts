import { Duration } from 'cdk8s';
import {
  EnvoyConfigValidator,
  EnvoyAccessLog, EnvoyBootstrap, EnvoyCluster, EnvoyClusterDiscovery, EnvoyDownstreamTls, EnvoyHttpFilter, EnvoyHttpListener,
  EnvoyTlsVersion, EnvoyTrafficDirection, EnvoyUpstreamProtocol,
} from '../../src';

const ep = (address: string, port = 80) => ({ address, port });

describe('EnvoyCluster', () => {
  test('an IP endpoint makes a STATIC cluster with Envoy default circuit breakers written out', () => {
    const json = new EnvoyCluster({ name: 'local-app', endpoints: [ep('127.0.0.1', 8080)] }).toJson();
    expect(json).toEqual({
      name: 'local-app',
      type: 'STATIC',
      connect_timeout: '1s',
      lb_policy: 'ROUND_ROBIN',
      load_assignment: {
        cluster_name: 'local-app',
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] }],
      },
      circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 }] },
    });
  });

  test('a DNS name makes a STRICT_DNS cluster preferring IPv4', () => {
    const json = new EnvoyCluster({ name: 'mathoid', endpoints: [ep('mathoid.default.svc.cluster.local', 10044)] }).toJson();
    expect(json.type).toBe('STRICT_DNS');
    expect(json.dns_lookup_family).toBe('V4_PREFERRED');
  });

  test('HTTP/2 upstreams use typed_extension_protocol_options, not the removed http2_protocol_options field', () => {
    const json = new EnvoyCluster({ name: 'grpc', endpoints: [ep('127.0.0.1', 9999)], protocol: EnvoyUpstreamProtocol.HTTP2 }).toJson();
    expect(json.http2_protocol_options).toBeUndefined();
    expect(json.typed_extension_protocol_options).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        'explicit_http_config': { http2_protocol_options: {} },
      },
    });
  });

  test('an idle timeout goes into the common HTTP options, with the protocol spelt out as the options message requires, and passes Envoy\'s protos', () => {
    const options = (c: EnvoyCluster) => c.toJson().typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    const http1 = new EnvoyCluster({ name: 'app', endpoints: [ep('127.0.0.1', 8080)], idleTimeout: Duration.millis(1500) });
    expect(options(http1)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      'common_http_protocol_options': { idle_timeout: '1.5s' },
      'explicit_http_config': { http_protocol_options: {} },
    });
    expect(EnvoyConfigValidator.validate(http1.toJson(), EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    const http2 = new EnvoyCluster({ name: 'grpc', endpoints: [ep('127.0.0.1', 9999)], protocol: EnvoyUpstreamProtocol.HTTP2, idleTimeout: Duration.seconds(30) });
    expect(options(http2)).toMatchObject({ common_http_protocol_options: { idle_timeout: '30s' }, explicit_http_config: { http2_protocol_options: {} } });
    expect(EnvoyConfigValidator.validate(http2.toJson(), EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    // without one, an HTTP/1 cluster leaves Envoy's protocol options alone (one hour idle)
    expect(new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')] }).toJson()).not.toHaveProperty('typed_extension_protocol_options');
    expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], idleTimeout: Duration.seconds(0) }))
      .toThrow('cluster "x".idleTimeout: 0 ms is not a positive duration; use a duration of at least 1 ms, e.g. Duration.seconds(5)');
  });

  test('HTTP/2 keepalive PINGs go into the explicit HTTP/2 options, and pass Envoy\'s protos', () => {
    const cluster = new EnvoyCluster({
      name: 'grpc',
      endpoints: [ep('agents.svc', 9999)],
      protocol: EnvoyUpstreamProtocol.HTTP2,
      http2Keepalive: { interval: Duration.seconds(10), timeout: Duration.seconds(3) },
    }).toJson();
    expect(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config)
      .toEqual({ http2_protocol_options: { connection_keepalive: { interval: '10s', timeout: '3s' } } });
    expect(EnvoyConfigValidator.validate(cluster, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
  });

  test('TCP keepalive goes into upstream_connection_options in whole seconds, and passes Envoy\'s protos', () => {
    const cluster = new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], tcpKeepalive: { time: Duration.minutes(1) } }).toJson();
    expect(cluster.upstream_connection_options).toEqual({ tcp_keepalive: { keepalive_probes: 3, keepalive_time: 60, keepalive_interval: 5 } });
    expect(EnvoyConfigValidator.validate(cluster, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], tcpKeepalive: { interval: Duration.millis(1500) } }))
      .toThrow('cluster "x".tcpKeepalive.interval: 1500 ms is not a whole number of seconds from 1 to 32767; give whole seconds, e.g. Duration.seconds(10): '
        + 'the kernel counts keepalive times in seconds and refuses more than 32767');
    expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], tcpKeepalive: { time: Duration.hours(10) } })).toThrow('cluster "x".tcpKeepalive.time: 36000000 ms');
    expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], tcpKeepalive: { probes: 0 } })).toThrow('cluster "x".tcpKeepalive.probes');
    expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], tcpKeepalive: { probes: 128 } })).toThrow('cluster "x".tcpKeepalive.probes');
  });

  test('outlier detection takes Envoy defaults for what is not given', () => {
    const json = new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], outlierDetection: { maxEjectionPercent: 50 } }).toJson();
    expect(json.outlier_detection).toEqual({ consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 });
    const always = new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], outlierDetection: { alwaysEjectOneHost: true } }).toJson();
    expect(always.outlier_detection.always_eject_one_host).toBe(true);
  });

  test('durations become Envoy duration strings with millisecond precision', () => {
    const json = new EnvoyCluster({ name: 'x', endpoints: [ep('10.0.0.1')], connectTimeout: Duration.millis(250) }).toJson();
    expect(json.connect_timeout).toBe('0.25s');
  });

  test('active health checks', () => {
    const json = new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], healthCheck: { path: '/healthz' } }).toJson();
    // any 2xx is healthy (Envoy's own default is 200 only), and the Host header is the member's DNS name (not the cluster name)
    expect(json.health_checks).toEqual([{
      timeout: '2s',
      interval: '10s',
      unhealthy_threshold: 3,
      healthy_threshold: 2,
      http_health_check: { path: '/healthz', expected_statuses: [{ start: 200, end: 300 }], host: 'x.svc' },
    }]);
    expect(EnvoyConfigValidator.validate(json, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
  });

  test('the Host header of an HTTP health check: given, else the TLS SNI, else none for IP members (Envoy then sends the cluster name)', () => {
    const check = (opts: any) => new EnvoyCluster({ name: 'x', endpoints: [ep('10.0.0.1')], ...opts }).toJson().health_checks[0].http_health_check;
    expect(check({ healthCheck: { path: '/healthz' } }).host).toBeUndefined();
    expect(check({ tls: { sni: 'api.example.com' }, healthCheck: { path: '/healthz' } }).host).toBe('api.example.com');
    expect(check({ tls: { sni: 'api.example.com' }, healthCheck: { path: '/healthz', host: 'health.example.com' } }).host).toBe('health.example.com');
    // members of different DNS names: each gets its own name, the check none
    const two = new EnvoyCluster({ name: 'x', endpoints: [ep('a.example.com'), ep('b.example.com')], healthCheck: { path: '/healthz' } }).toJson();
    expect(two.health_checks[0].http_health_check.host).toBeUndefined();
    expect(two.load_assignment.endpoints[0].lb_endpoints.map((l: any) => l.endpoint.health_check_config)).toEqual([{ hostname: 'a.example.com' }, { hostname: 'b.example.com' }]);
    expect(EnvoyConfigValidator.validate(two, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    // one name: on the check, not on each member
    const one = new EnvoyCluster({ name: 'x', endpoints: [ep('a.example.com'), ep('a.example.com')], healthCheck: { path: '/healthz' } }).toJson();
    expect(one.health_checks[0].http_health_check.host).toBe('a.example.com');
    expect(one.load_assignment.endpoints[0].lb_endpoints[0].endpoint.health_check_config).toBeUndefined();
    expect(() => check({ healthCheck: { host: 'a.example.com' } }))
      .toThrow('cluster "x".healthCheck.host: "a.example.com" is given for a TCP check, which sends no Host header; give healthCheck.path for an HTTP check, or drop host');
    expect(() => check({ healthCheck: { path: '/', host: 'a b' } })).toThrow('cluster "x".healthCheck.host: "a b" is not a host name; give the DNS name the member serves');
  });

  test('an HTTP health check of an HTTP/2 cluster speaks HTTP/2, as its upstream may accept nothing else', () => {
    const json = new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], protocol: EnvoyUpstreamProtocol.HTTP2, healthCheck: { path: '/healthz' } }).toJson();
    expect(json.health_checks[0].http_health_check).toEqual({ path: '/healthz', expected_statuses: [{ start: 200, end: 300 }], host: 'x.svc', codec_client_type: 'HTTP2' });
    expect(EnvoyConfigValidator.validate(json, EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
  });

  test('a health check without a path is a TCP connect check, and no_traffic_interval is written when given', () => {
    const cluster = new EnvoyCluster({ name: 'x', endpoints: [ep('10.0.0.1')], healthCheck: { noTrafficInterval: Duration.seconds(3) } });
    expect(cluster.activeHealthCheck).toBe(true);
    expect(cluster.toJson().health_checks).toEqual([{ timeout: '2s', interval: '10s', no_traffic_interval: '3s', unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: {} }]);
    expect(EnvoyConfigValidator.validate(cluster.toJson(), EnvoyConfigValidator.CLUSTER).errors).toEqual([]);
    expect(new EnvoyCluster({ name: 'y', endpoints: [ep('10.0.0.1')] }).activeHealthCheck).toBe(false);
  });

  test('upstream TLS verifies the server name against the system trust store by default', () => {
    const json = new EnvoyCluster({ name: 'api', endpoints: [ep('api.example.com', 443)], tls: {} }).toJson();
    expect(json.transport_socket.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      'sni': 'api.example.com',
      'common_tls_context': {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
        validation_context: {
          trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' },
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'api.example.com' } }],
        },
      },
    });
  });

  test('overrides deep-merge into the cluster and null removes a field', () => {
    const json = new EnvoyCluster({
      name: 'x',
      endpoints: [ep('x.svc')],
      overrides: { circuit_breakers: null, common_lb_config: { healthy_panic_threshold: { value: 0 } } },
    }).toJson();
    expect(json.circuit_breakers).toBeUndefined();
    expect(json.common_lb_config).toEqual({ healthy_panic_threshold: { value: 0 } });
    expect(json.type).toBe('STRICT_DNS');
  });

  describe('rejects', () => {
    test('an empty endpoint list', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [] })).toThrow('cluster "x".endpoints: received no endpoints; give at least one { address, port }');
    });
    test('HTTP/2 keepalive on an HTTP/1.1 cluster, and a zero keepalive timeout', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], http2Keepalive: { interval: Duration.seconds(10), timeout: Duration.seconds(3) } }))
        .toThrow('cluster "x".http2Keepalive: is set on a cluster that speaks HTTP1, where HTTP/2 PINGs don\'t exist; set protocol: EnvoyUpstreamProtocol.HTTP2, or drop http2Keepalive');
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], protocol: EnvoyUpstreamProtocol.HTTP2, http2Keepalive: { interval: Duration.seconds(10), timeout: Duration.seconds(0) } }))
        .toThrow('cluster "x".http2Keepalive.timeout: 0 ms is not a positive duration; use a duration of at least 1 ms, e.g. Duration.seconds(5)');
    });
    test('an empty address', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('')] }))
        .toThrow('cluster "x".endpoints[0].address: received ""; give the DNS name or IP address of the upstream, e.g. "mathoid.default.svc.cluster.local"');
    });
    test('a URL where a host name belongs', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('http://mathoid:10044')] }))
        .toThrow('cluster "x".endpoints[0].address: "http://mathoid:10044" is neither an IP address nor a DNS name; give a host name without scheme, port or path');
    });
    test('a port out of range', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc', 70000)] })).toThrow('cluster "x".endpoints[0].port: 70000 is not a valid port; use an integer from 1 to 65535');
    });
    test('a DNS name in a STATIC cluster', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], discovery: EnvoyClusterDiscovery.STATIC }))
        .toThrow('cluster "x".discovery: STATIC needs IP addresses but "x.svc" is a DNS name; use EnvoyClusterDiscovery.STRICT_DNS (or LOGICAL_DNS) for DNS names');
    });
    test('several endpoints in a LOGICAL_DNS cluster', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('a.svc'), ep('b.svc')], discovery: EnvoyClusterDiscovery.LOGICAL_DNS }))
        .toThrow('cluster "x".discovery: LOGICAL_DNS takes exactly one endpoint, received 2; use STRICT_DNS for several endpoints');
    });
    test.each(['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRetries'])('a circuit-breaker %s below 1', (field) => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], circuitBreaker: { [field]: 0 } }))
        .toThrow(`cluster "x".circuitBreaker.${field}: 0 is below 1; use an integer of at least 1`);
    });
    test('a zero connect timeout', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], connectTimeout: Duration.millis(0) }))
        .toThrow('cluster "x".connectTimeout: 0 ms is not a positive duration; use a duration of at least 1 ms, e.g. Duration.seconds(5)');
    });
    test('a zero outlier interval (negative durations are already refused by cdk8s Duration)', () => {
      expect(() => Duration.millis(-5)).toThrow();
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], outlierDetection: { interval: Duration.seconds(0) } }))
        .toThrow('cluster "x".outlierDetection.interval: 0 ms is not a positive duration');
    });
    test('a zero no-traffic health-check interval', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], healthCheck: { noTrafficInterval: Duration.seconds(0) } }))
        .toThrow('cluster "x".healthCheck.noTrafficInterval: 0 ms is not a positive duration');
    });
    test('a relative health-check path', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], healthCheck: { path: 'healthz' } }))
        .toThrow('cluster "x".healthCheck.path: "healthz" is not an absolute path; give a path such as "/healthz"');
    });
    test('an ejection percentage above 100', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('x.svc')], outlierDetection: { maxEjectionPercent: 101 } }))
        .toThrow('cluster "x".outlierDetection.maxEjectionPercent: 101 is outside 1..100; use an integer from 1 to 100');
    });
    test('TLS to an IP endpoint without a server name', () => {
      expect(() => new EnvoyCluster({ name: 'x', endpoints: [ep('10.0.0.1', 443)], tls: {} }))
        .toThrow('cluster "x".tls.sni: is required when the endpoint is an IP address; give the host name the upstream certificate is issued for');
    });
    test('a name Envoy stats would choke on', () => {
      expect(() => new EnvoyCluster({ name: 'my cluster', endpoints: [ep('x.svc')] })).toThrow('name: "my cluster" is not a valid name');
    });
  });
});

describe('EnvoyHttpListener', () => {
  const listener = () => new EnvoyHttpListener({ name: 'inbound', port: 8443, routes: [{ cluster: 'local-app' }] });

  test('routes go through an http_connection_manager whose last filter is the router', () => {
    const l = listener();
    l.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.ext_authz', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz' }));
    l.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.cors', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' }));
    const hcm = l.toJson().filter_chains[0].filters[0].typed_config;
    expect(hcm.http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.ext_authz', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
    expect(l.httpFilterNames).toEqual(['envoy.filters.http.ext_authz', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
  });

  test('hardens request handling: normalized paths, merged slashes, underscore headers dropped', () => {
    const hcm = listener().toJson().filter_chains[0].filters[0].typed_config;
    expect(hcm).toMatchObject({ normalize_path: true, merge_slashes: true, common_http_protocol_options: { headers_with_underscores_action: 'DROP_HEADER' } });
    const inbound = new EnvoyHttpListener({ name: 'in', port: 8443, trafficDirection: EnvoyTrafficDirection.INBOUND, routes: [{ cluster: 'local-app' }] });
    expect(inbound.toJson().filter_chains[0].filters[0].typed_config).toMatchObject({ normalize_path: true, merge_slashes: true });
  });

  test('bounds what clients can make Envoy hold: headers within 10 s, 100 HTTP/2 streams, 64 KiB / 1 MiB flow-control windows', () => {
    const inbound = new EnvoyHttpListener({ name: 'in', port: 8443, trafficDirection: EnvoyTrafficDirection.INBOUND, routes: [{ cluster: 'local-app' }] });
    const hcm = inbound.toJson().filter_chains[0].filters[0].typed_config;
    expect(hcm.request_headers_timeout).toBe('10s');
    expect(hcm.http2_protocol_options)
      .toEqual({ max_concurrent_streams: 100, initial_stream_window_size: 65536, initial_connection_window_size: 1048576 });
    expect(EnvoyConfigValidator.validate(inbound.toJson(), EnvoyConfigValidator.LISTENER).errors).toEqual([]);
    // raw overrides still win
    const raised = new EnvoyHttpListener({
      name: 'in', port: 8443, routes: [{ cluster: 'local-app' }], connectionManagerOverrides: { http2_protocol_options: { max_concurrent_streams: 1000 } },
    });
    expect(raised.toJson().filter_chains[0].filters[0].typed_config.http2_protocol_options)
      .toEqual({ max_concurrent_streams: 1000, initial_stream_window_size: 65536, initial_connection_window_size: 1048576 });
  });

  test('an outbound listener passes the app\'s own requests on unchanged: no path normalization, underscore headers kept', () => {
    const outbound = new EnvoyHttpListener({ name: 'out', port: 6001, address: '127.0.0.1', trafficDirection: EnvoyTrafficDirection.OUTBOUND, routes: [{ cluster: 'users' }] });
    const hcm = outbound.toJson().filter_chains[0].filters[0].typed_config;
    expect(hcm).not.toHaveProperty('normalize_path');
    expect(hcm).not.toHaveProperty('merge_slashes');
    expect(hcm).not.toHaveProperty('common_http_protocol_options');
    expect(hcm).not.toHaveProperty('request_headers_timeout');
    expect(hcm).not.toHaveProperty('http2_protocol_options');
  });

  test('keeps external request ids only when asked (preserve_external_request_id)', () => {
    expect(listener().toJson().filter_chains[0].filters[0].typed_config).not.toHaveProperty('preserve_external_request_id');
    const kept = new EnvoyHttpListener({ name: 'in', port: 8443, preserveExternalRequestId: true, routes: [{ cluster: 'local-app' }] });
    expect(kept.toJson().filter_chains[0].filters[0].typed_config.preserve_external_request_id).toBe(true);
    expect(EnvoyConfigValidator.validate(kept.toJson(), EnvoyConfigValidator.LISTENER).errors).toEqual([]);
  });

  test('logs to stdout as JSON by default', () => {
    const [log] = listener().toJson().filter_chains[0].filters[0].typed_config.access_log;
    expect(log.name).toBe('envoy.access_loggers.stdout');
    expect(log.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog');
    expect(log.typed_config.log_format.json_format).toMatchObject({ status: '%RESPONSE_CODE%', request_id: '%REQ(X-REQUEST-ID)%' });
  });

  test('route timeout and retry policy', () => {
    const l = new EnvoyHttpListener({
      name: 'outbound-mathoid',
      port: 6500,
      address: '127.0.0.1',
      trafficDirection: EnvoyTrafficDirection.OUTBOUND,
      routes: [{ cluster: 'mathoid', timeout: Duration.seconds(5), retries: { numRetries: 3, retryOn: ['connect-failure', 'reset'], perTryTimeout: Duration.millis(1500) }, autoHostRewrite: true }],
    });
    const json = l.toJson();
    expect(json.traffic_direction).toBe('OUTBOUND');
    expect(json.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 6500 });
    expect(json.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes).toEqual([{
      match: { prefix: '/' },
      route: {
        cluster: 'mathoid',
        timeout: '5s',
        auto_host_rewrite: true,
        retry_policy: {
          retry_on: 'connect-failure,reset',
          num_retries: 3,
          per_try_timeout: '1.5s',
          // a retry picks another member than the ones tried, when there is one
          retry_host_predicate: [{
            name: 'envoy.retry_host_predicates.previous_hosts',
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
          }],
          host_selection_retry_max_attempts: 3,
        },
      },
    }]);
  });

  test('downstream TLS from an SDS file watched for changes, TLS 1.2 minimum', () => {
    const l = new EnvoyHttpListener({ name: 'https', port: 8443, tls: EnvoyDownstreamTls.fromSdsFile('cert', '/etc/envoy/sds-cert.json', '/etc/envoy/tls/cert'), routes: [{ cluster: 'app' }] });
    expect(l.toJson().filter_chains[0].transport_socket.typed_config.common_tls_context).toEqual({
      tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
      alpn_protocols: ['h2', 'http/1.1'],
      tls_certificate_sds_secret_configs: [{
        name: 'cert',
        sds_config: { path_config_source: { path: '/etc/envoy/sds-cert.json', watched_directory: { path: '/etc/envoy/tls/cert' } }, resource_api_version: 'V3' },
      }],
    });
  });

  test('downstream TLS over ADS for a control plane, TLS 1.3 when asked', () => {
    const l = new EnvoyHttpListener({ name: 'https', port: 8443, tls: EnvoyDownstreamTls.fromAds('cert', { minimumProtocolVersion: EnvoyTlsVersion.TLS_V1_3 }) });
    const ctx = l.toJson().filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(ctx.tls_params.tls_minimum_protocol_version).toBe('TLSv1_3');
    expect(ctx.tls_certificate_sds_secret_configs[0].sds_config).toEqual({ ads: {}, resource_api_version: 'V3' });
  });

  test('rejects a filter added twice, a relative prefix, an empty retry list and a zero timeout', () => {
    const l = listener();
    l.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.cors', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' }));
    expect(() => l.addHttpFilter(EnvoyHttpFilter.of('envoy.filters.http.cors', { '@type': 'x' })))
      .toThrow('listener "inbound".httpFilters: already has a filter named "envoy.filters.http.cors"; add each filter once');
    expect(() => l.addRoute({ cluster: 'a', prefix: 'api' })).toThrow('listener "inbound".routes[1].prefix: "api" does not start with "/"; give an absolute path');
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: [] } })).toThrow('listener "inbound".routes[1].retries.retryOn: is empty');
    expect(() => l.addRoute({ cluster: 'a', timeout: Duration.seconds(0) })).toThrow('listener "inbound".routes[1].timeout: 0 ms is not a positive duration');
  });

  test('rejects a retry condition Envoy doesn\'t know (it would ignore it and never retry) and a per-try timeout as long as the route\'s', () => {
    const l = listener();
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: ['5XX'] } })).toThrow(
      'listener "inbound".routes[1].retries.retryOn: "5XX" is not a retry condition Envoy knows (it ignores unknown words, and would not retry on it); write "5xx"');
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: ['connect-failure', 'gateway_error'] } })).toThrow('"gateway_error" is not a retry condition Envoy knows (it ignores unknown words, and would not retry on it); write "gateway-error"');
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: ['on-error'] } })).toThrow('use Envoy\'s names: "5xx", "gateway-error", ');
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: ['retriable-status-codes'] } })).toThrow(
      '"retriable-status-codes" needs retriable_status_codes, which this route doesn\'t set, so it would never trigger');
    expect(() => l.addRoute({ cluster: 'a', timeout: Duration.seconds(5), retries: { retryOn: ['5xx'], perTryTimeout: Duration.seconds(5) } })).toThrow(
      'listener "inbound".routes[1].retries.perTryTimeout: 5s is not shorter than the route timeout (5s), so an attempt that times out leaves no time to retry; give each attempt a fraction of the route timeout (e.g. a third for two retries), or a longer route timeout');
    expect(() => l.addRoute({ cluster: 'a', retries: { retryOn: ['reset'], perTryTimeout: Duration.seconds(20) } })).toThrow('20s is not shorter than the route timeout (15s)');
    l.addRoute({ cluster: 'a', timeout: Duration.seconds(6), retries: { retryOn: ['connect-failure', 'refused-stream', 'gateway-error', 'unavailable'], perTryTimeout: Duration.seconds(2) } });
    expect(l.toJson().filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[1].route.retry_policy)
      .toEqual({ retry_on: 'connect-failure,refused-stream,gateway-error,unavailable', num_retries: 2, per_try_timeout: '2s', retry_host_predicate: [expect.objectContaining({ name: 'envoy.retry_host_predicates.previous_hosts' })], host_selection_retry_max_attempts: 3 });
  });

  test('rejects a per-try timeout that no retry condition covers (Envoy would end the request at the first timed-out attempt)', () => {
    const l = listener();
    const message = 'listener "inbound".routes[1].retries.perTryTimeout: is 2s, but none of the retry conditions (connect-failure, refused-stream, reset-before-request) covers an attempt that timed out, '
      + 'so the first timeout would end the request (Envoy retries a timed-out attempt only on "5xx", "gateway-error" or "reset"); '
      + 'add "reset" to retryOn if the upstream may see a request twice, or drop perTryTimeout (the route timeout then bounds the request)';
    expect(() => l.addRoute({ cluster: 'a', timeout: Duration.seconds(6), retries: { perTryTimeout: Duration.seconds(2) } })).toThrow(message);
    expect(() => l.addRoute({ cluster: 'a', timeout: Duration.seconds(6), retries: { retryOn: ['unavailable', 'refused-stream'], perTryTimeout: Duration.seconds(2) } }))
      .toThrow('none of the retry conditions (unavailable, refused-stream) covers an attempt that timed out');
    for (const word of ['5xx', 'gateway-error', 'reset']) {
      expect(() => l.addRoute({ cluster: 'a', timeout: Duration.seconds(6), retries: { retryOn: ['connect-failure', word], perTryTimeout: Duration.seconds(2) } })).not.toThrow();
    }
  });

  test('rejects a typed_config without @type', () => {
    expect(() => EnvoyHttpFilter.of('envoy.filters.http.ext_authz', { grpc_service: {} }))
      .toThrow('httpFilter "envoy.filters.http.ext_authz".typedConfig: has no "@type"');
    expect(() => EnvoyAccessLog.of('x', {})).toThrow('accessLog "x".typedConfig: has no "@type"');
  });
});

describe('EnvoyHttpListener idleTimeout', () => {
  test('closes idle client connections after the time given, beside the client hardening\'s options; zero is refused', () => {
    const l = new EnvoyHttpListener({ name: 'inbound', port: 8443, idleTimeout: Duration.seconds(10), routes: [{ cluster: 'app' }] }).toJson();
    const hcm = l.filter_chains[0].filters[0].typed_config;
    expect(hcm.common_http_protocol_options).toEqual({ headers_with_underscores_action: 'DROP_HEADER', idle_timeout: '10s' });
    expect(EnvoyConfigValidator.validate(l, EnvoyConfigValidator.LISTENER).errors).toEqual([]);
    const outbound = new EnvoyHttpListener({ name: 'out', port: 9000, trafficDirection: EnvoyTrafficDirection.OUTBOUND, idleTimeout: Duration.millis(1500) }).toJson();
    expect(outbound.filter_chains[0].filters[0].typed_config.common_http_protocol_options).toEqual({ idle_timeout: '1.5s' });
    expect(() => new EnvoyHttpListener({ name: 'bad', port: 9001, idleTimeout: Duration.seconds(0) })).toThrow('listener "bad".idleTimeout: 0 ms is not a positive duration');
  });
});

describe('EnvoyBootstrap', () => {
  test('binds the admin API to 127.0.0.1 only', () => {
    expect(new EnvoyBootstrap({ nodeId: 'kuard' }).toJson().admin).toEqual({ address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } });
  });

  test('rejects duplicate listener names and ports, the admin port, and duplicate clusters', () => {
    const b = new EnvoyBootstrap({ nodeId: 'kuard' });
    b.addListener(new EnvoyHttpListener({ name: 'inbound', port: 8443 }));
    expect(() => b.addListener(new EnvoyHttpListener({ name: 'inbound', port: 8444 }))).toThrow('listener "inbound": a listener with this name already exists');
    expect(() => b.addListener(new EnvoyHttpListener({ name: 'other', port: 8443 }))).toThrow('listener "other".port: 8443 is already used by listener "inbound"');
    expect(() => b.addListener(new EnvoyHttpListener({ name: 'other', port: 9901 }))).toThrow('listener "other".port: 9901 is the admin port');
    b.addCluster(new EnvoyCluster({ name: 'mathoid', endpoints: [ep('mathoid.svc')] }));
    expect(() => b.addCluster(new EnvoyCluster({ name: 'mathoid', endpoints: [ep('other.svc')] }))).toThrow('cluster "mathoid": a cluster with this name already exists; give each cluster its own name');
  });

  test('reports routes to clusters that do not exist', () => {
    const b = new EnvoyBootstrap({ nodeId: 'kuard' });
    b.addListener(new EnvoyHttpListener({ name: 'inbound', port: 8443, routes: [{ cluster: 'local-app' }] }));
    expect(b.danglingRoutes()).toEqual(['inbound → local-app']);
    b.addCluster(new EnvoyCluster({ name: 'local-app', endpoints: [ep('127.0.0.1', 8080)] }));
    expect(b.danglingRoutes()).toEqual([]);
  });

  test('overload: sheds load on heap pressure and limits connections, with the admin API and bypassing listeners outside', () => {
    const b = new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxHeapBytes: 200 * 1024 * 1024, maxDownstreamConnections: 5000 } });
    b.addListener(new EnvoyHttpListener({ name: 'stats', port: 9902, bypassOverloadManager: true }));
    b.addListener(new EnvoyHttpListener({ name: 'inbound', port: 8443 }));
    const json = b.toJson();
    expect(b.limitsConnections).toBe(true);
    expect(json.admin.ignore_global_conn_limit).toBe(true);
    expect(json.static_resources.listeners.map((l: any) => l.bypass_overload_manager)).toEqual([true, undefined]);
    const heap = (value: number) => [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value } }];
    expect(json.overload_manager).toEqual({
      refresh_interval: '0.25s',
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.fixed_heap',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', 'max_heap_size_bytes': 209715200 },
        },
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
            'max_active_downstream_connections': 5000,
          },
        },
      ],
      actions: [
        { name: 'envoy.overload_actions.disable_http_keepalive', triggers: heap(0.92) },
        { name: 'envoy.overload_actions.shrink_heap', triggers: heap(0.92) },
        { name: 'envoy.overload_actions.stop_accepting_requests', triggers: heap(0.95) },
      ],
    });
    expect(EnvoyConfigValidator.validate(json, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
  });

  test('overload: each monitor alone; no action hangs on the connection monitor', () => {
    const heapOnly = new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxHeapBytes: 64 * 1024 * 1024 } });
    expect(heapOnly.limitsConnections).toBe(false);
    expect(heapOnly.toJson().admin.ignore_global_conn_limit).toBeUndefined();
    expect(heapOnly.toJson().overload_manager.resource_monitors.map((m: any) => m.name)).toEqual(['envoy.resource_monitors.fixed_heap']);
    const connectionsOnly = new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxDownstreamConnections: 100 } }).toJson();
    expect(connectionsOnly.overload_manager).toEqual({
      refresh_interval: '0.25s',
      resource_monitors: [expect.objectContaining({ name: 'envoy.resource_monitors.global_downstream_max_connections' })],
    });
    expect(EnvoyConfigValidator.validate(connectionsOnly, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
    expect(new EnvoyBootstrap({ nodeId: 'kuard' }).toJson().overload_manager).toBeUndefined();
  });

  test('overload: shedNewConnections stops accepting connections at 95 % of the heap bound; it needs maxHeapBytes', () => {
    const json = new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxHeapBytes: 64 * 1024 * 1024, maxDownstreamConnections: 100, shedNewConnections: true } }).toJson();
    expect(json.overload_manager.loadshed_points).toEqual([
      { name: 'envoy.load_shed_points.tcp_listener_accept', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.95 } }] },
    ]);
    expect(EnvoyConfigValidator.validate(json, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
    expect(() => new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxDownstreamConnections: 100, shedNewConnections: true } })).toThrow(
      'overload.shedNewConnections: is true without maxHeapBytes, whose pressure it acts on; give maxHeapBytes, or leave shedNewConnections out');
  });

  test('overload: rejects an empty overload, a heap bound below 16 MiB or not in bytes, and a connection limit that is not a whole number from 1', () => {
    expect(() => new EnvoyBootstrap({ nodeId: 'kuard', overload: {} })).toThrow(
      'overload: sets neither maxHeapBytes nor maxDownstreamConnections; give at least one of them, or leave overload out');
    expect(() => new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxHeapBytes: 256 } })).toThrow(
      'overload.maxHeapBytes: 256 is not a whole number of bytes of at least 16777216 (16 MiB); give bytes, e.g. 209715200 for 200 MiB: '
      + "Envoy's heap at rest takes several MiB, so a smaller bound would shed load from the start");
    expect(() => new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxHeapBytes: 20e6 + 0.5 } })).toThrow('overload.maxHeapBytes: 20000000.5 is not a whole number of bytes');
    for (const max of [0, 100.5]) {
      expect(() => new EnvoyBootstrap({ nodeId: 'kuard', overload: { maxDownstreamConnections: max } })).toThrow(
        `overload.maxDownstreamConnections: ${max} is not a whole number of at least 1; give the number of connections, e.g. 10000`);
    }
  });

  test('addOverride merges raw fields last', () => {
    const b = new EnvoyBootstrap({ nodeId: 'kuard' });
    b.addOverride({ layered_runtime: { layers: [{ name: 'static', static_layer: { 'overload.global_downstream_max_connections': 50000 } }] } });
    expect(b.toJson().layered_runtime.layers[0].name).toBe('static');
    expect(b.toJson().admin.address.socket_address.address).toBe('127.0.0.1');
  });
});
