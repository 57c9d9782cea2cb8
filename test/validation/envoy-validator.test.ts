import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import * as configs from './envoy-configs';
import { EnvoyConfigValidator as V } from '../../src';
import { assertValidEnvoyConfig } from '../../src/validation/envoy/assert';
import { DescriptorIndex, EnvoySchema, jsonName } from '../../src/validation/envoy/schema';
import { REMOVED_REPLACEMENTS } from '../../src/validation/envoy/validator';

const { TYPE } = configs;
const HCM = 'filter_chains[0].filters[0].typed_config';

function errors(config: unknown, typeName?: string) {
  return V.validate(config, typeName).errors;
}

function expectValid(config: unknown, typeName?: string): void {
  const result = V.validate(config, typeName);
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  expect(result.valid).toBe(true);
}

describe('known-good configs pass', () => {
  test('a bootstrap with the admin interface on 127.0.0.1:9901', () => {
    expectValid({ admin: { address: configs.socketAddress('127.0.0.1', 9901) } });
  });

  test('an HTTPS listener: TLS from files, http_connection_manager, ext_authz, router, gRPC access log', () => {
    expectValid(configs.httpsListener(), V.LISTENER);
  });

  test('a STRICT_DNS cluster with circuit breakers, outlier detection and a health check', () => {
    expectValid(configs.remoteCluster(), V.CLUSTER);
  });

  test('a STATIC cluster speaking HTTP/2 through typed_extension_protocol_options', () => {
    expectValid(configs.sigsciCluster(), V.CLUSTER);
  });

  test('the Signal Sciences ext_authz filter as an http_filters entry', () => {
    expectValid(configs.sigsciExtAuthz(), V.HTTP_FILTER);
  });

  test('the Signal Sciences gRPC access logger', () => {
    expectValid(configs.sigsciAccessLog(), 'envoy.config.accesslog.v3.AccessLog');
  });

  test('a marin3r listener with its certificate over SDS from ADS', () => {
    expectValid(configs.marin3rListener(), V.LISTENER);
  });

  test("seed 002's kuard cluster and listener, translated to v3", () => {
    expectValid(configs.kuardCluster(), V.CLUSTER);
    expectValid(configs.kuardListener(), V.LISTENER);
  });

  test('a TLS secret for SDS', () => {
    expectValid(configs.tlsSecret(), V.SECRET);
  });

  test('a cluster written in lowerCamelCase', () => {
    expectValid(configs.camelCaseCluster(), V.CLUSTER);
  });

  test('a config mixing snake_case and lowerCamelCase', () => {
    const cluster = configs.kuardCluster();
    delete cluster.connect_timeout;
    cluster.connectTimeout = '1s';
    cluster.load_assignment.endpoints[0].lbEndpoints = cluster.load_assignment.endpoints[0].lb_endpoints;
    delete cluster.load_assignment.endpoints[0].lb_endpoints;
    expectValid(cluster, V.CLUSTER);
  });

  test('a typical sidecar bootstrap: 3 listeners, 4 clusters, runtime layer', () => {
    expectValid(configs.sidecarBootstrap());
  });

  test('integers as strings, as proto3 JSON allows', () => {
    const cluster = configs.kuardCluster();
    cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = '8080';
    cluster.per_connection_buffer_limit_bytes = '32768';
    cluster.max_requests_per_connection = undefined;
    expectValid(cluster, V.CLUSTER);
  });

  test('enums by number, as proto3 JSON allows', () => {
    const cluster = configs.kuardCluster();
    cluster.type = 1; // STRICT_DNS
    expectValid(cluster, V.CLUSTER);
  });

  test('null as "not set"', () => {
    const cluster = configs.kuardCluster();
    cluster.circuit_breakers = null;
    expectValid(cluster, V.CLUSTER);
  });

  test('google.protobuf.Struct and Value take any JSON (metadata, runtime layers)', () => {
    const cluster = configs.kuardCluster();
    cluster.metadata = { filter_metadata: { 'envoy.lb': { canary: true, weights: [1, 2], nested: { anything: null } } } };
    expectValid(cluster, V.CLUSTER);
  });

  test('a TypedStruct carrying its config in "value"', () => {
    const filter = {
      name: 'envoy.filters.http.router',
      typed_config: {
        '@type': `${TYPE}xds.type.v3.TypedStruct`,
        'type_url': `${TYPE}envoy.extensions.filters.http.router.v3.Router`,
        'value': { suppress_envoy_headers: true },
      },
    };
    expectValid(filter, V.HTTP_FILTER);
  });

  test('an Any holding a well-known type in "value"', () => {
    const route = configs.kuardListener().filter_chains[0].filters[0].typed_config.route_config;
    route.typed_per_filter_config = { 'envoy.filters.http.foo': { '@type': `${TYPE}google.protobuf.Struct`, 'value': { any: 'thing' } } };
    expectValid(route, V.ROUTE_CONFIGURATION);
  });

  test('bytes as base64', () => {
    expectValid({ name: 'ticket-keys', session_ticket_keys: { keys: [{ inline_bytes: Buffer.alloc(80, 7).toString('base64') }] } }, V.SECRET);
  });

  test('a type URL as the type name', () => {
    expectValid(configs.kuardCluster(), `${TYPE}envoy.config.cluster.v3.Cluster`);
  });
});

describe('known-bad configs fail with the JSON path and what is wrong', () => {
  test('an unknown snake_case field, with the closest known name', () => {
    const cluster = configs.kuardCluster();
    cluster.conect_timeout = cluster.connect_timeout;
    delete cluster.connect_timeout;
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'conect_timeout',
      message: 'unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster; did you mean "connect_timeout"?',
      fix: 'write "connect_timeout" instead',
    }]);
  });

  test('an unknown lowerCamelCase field, with the closest known JSON name', () => {
    const cluster = configs.camelCaseCluster();
    cluster.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portVal = 8080;
    delete cluster.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue;
    expect(errors(cluster, V.CLUSTER)).toEqual([
      {
        path: 'loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portVal',
        message: 'unknown field "portVal" in envoy.config.core.v3.SocketAddress; did you mean "portValue"?',
        fix: 'write "portValue" instead',
      },
      {
        path: 'loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress',
        message: 'one of port_value, named_port is required (oneof port_specifier)',
      },
    ]);
  });

  test('an unknown field without a close match lists the fields', () => {
    expect(errors({ admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901, tls: true } } } })).toEqual([{
      path: 'admin.address.socket_address.tls',
      message: 'unknown field "tls" in envoy.config.core.v3.SocketAddress; its fields are protocol, address, port_value, named_port, resolver_name, ipv4_compat '
        + '(unless it is newer than the Envoy API checked here, the protos of @grpc/grpc-js-xds 1.14.1, older than Envoy 1.32)',
    }]);
  });

  const REMOVED = 'Envoy\'s API reserves the name, and no Envoy release reads it (a static bootstrap with it is refused; xDS drops it with a warning)';

  test('a field removed from the v3 API (a reserved name) is reported as removed, with what replaced it as the fix', () => {
    const cluster = configs.kuardCluster();
    cluster.tls_context = { common_tls_context: {} };
    const tls = 'use transport_socket with name envoy.transport_sockets.tls and a typed_config of "@type" '
      + 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'tls_context',
      message: `field "tls_context" was removed from envoy.config.cluster.v3.Cluster: ${REMOVED}; ${tls}`,
      fix: tls,
    }]);
  });

  test('a removed field written in lowerCamelCase gets the fix in lowerCamelCase', () => {
    const camel = configs.camelCaseCluster();
    camel.hosts = [{ socketAddress: { address: 'kuard', portValue: 8080 } }];
    const fix = 'list the endpoints in loadAssignment (clusterName, endpoints[].lbEndpoints[].endpoint.address)';
    expect(errors(camel, V.CLUSTER)).toEqual([{ path: 'hosts', message: `field "hosts" was removed from envoy.config.cluster.v3.Cluster: ${REMOVED}; ${fix}`, fix }]);
  });

  test('the http_connection_manager\'s removed idle_timeout points to common_http_protocol_options', () => {
    const listener = configs.httpsListener();
    listener.filter_chains[0].filters[0].typed_config.idle_timeout = '300s';
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.idle_timeout`,
      message: `field "idle_timeout" was removed from envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager: ${REMOVED}; `
        + 'use common_http_protocol_options.idle_timeout',
      fix: 'use common_http_protocol_options.idle_timeout',
    }]);
  });

  test('a removed config (the v2 untyped Struct) points to its typed_ twin, in the key\'s spelling; a map twin is said to be a map', () => {
    const listener = configs.httpsListener();
    const filter = listener.filter_chains[0].filters[0];
    filter.config = filter.typed_config;
    delete filter.typed_config;
    expect(errors(listener, V.LISTENER)).toContainEqual({
      path: 'filter_chains[0].filters[0].config',
      message: `field "config" was removed from envoy.config.listener.v3.Filter: ${REMOVED}; use typed_config, which takes the config as an Any with its "@type"`,
      fix: 'use typed_config, which takes the config as an Any with its "@type"',
    });
    const route = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], perFilterConfig: {} }] };
    const fix = 'use typedPerFilterConfig, which takes the configs as a map of name to Any with its "@type"';
    expect(errors(route, 'envoy.config.route.v3.RouteConfiguration')).toEqual([{
      path: 'virtual_hosts[0].perFilterConfig',
      message: `field "perFilterConfig" was removed from envoy.config.route.v3.VirtualHost: ${REMOVED}; ${fix}`,
      fix,
    }]);
  });

  test('a removed field that nothing replaced is to be dropped', () => {
    const listener = configs.httpsListener();
    const extAuthz = listener.filter_chains[0].filters[0].typed_config.http_filters[0].typed_config;
    extAuthz.use_alpha = true;
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.http_filters[0].typed_config.use_alpha`,
      message: `field "use_alpha" was removed from envoy.extensions.filters.http.ext_authz.v3.ExtAuthz: ${REMOVED}; `
        + 'drop it: nothing in envoy.extensions.filters.http.ext_authz.v3.ExtAuthz replaced it',
      fix: 'drop it: nothing in envoy.extensions.filters.http.ext_authz.v3.ExtAuthz replaced it',
    }]);
  });

  test('a removed load-balancing policy field gets typed_extension_config, not a typed_ twin that is itself removed', () => {
    const policy = { policies: [{ typed_config: { '@type': `${TYPE}envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin` } }] };
    expect(errors(policy, 'envoy.config.cluster.v3.LoadBalancingPolicy')).toEqual([{
      path: 'policies[0].typed_config',
      message: `field "typed_config" was removed from envoy.config.cluster.v3.LoadBalancingPolicy.Policy: ${REMOVED}; use typed_extension_config: { name, typed_config }`,
      fix: 'use typed_extension_config: { name, typed_config }',
    }]);
  });

  test('an enum value removed from the v3 API is reported as removed, in any case, with what replaced it in the key\'s spelling', () => {
    for (const value of ['ORIGINAL_DST_LB', 'original_dst_lb']) {
      const cluster = configs.kuardCluster();
      cluster.lb_policy = value;
      expect(errors(cluster, V.CLUSTER)).toEqual([{
        path: 'lb_policy',
        message: `"${value}" was removed from envoy.config.cluster.v3.Cluster.LbPolicy: ${REMOVED}; use type ORIGINAL_DST with lb_policy CLUSTER_PROVIDED`,
        fix: 'use type ORIGINAL_DST with lb_policy CLUSTER_PROVIDED',
      }]);
    }
    const camel = configs.camelCaseCluster();
    camel.lbPolicy = 'ORIGINAL_DST_LB';
    expect(errors(camel, V.CLUSTER).map((e) => e.fix)).toEqual(['use type ORIGINAL_DST with lbPolicy CLUSTER_PROVIDED']);
  });

  test('every replacement named for a removed name: the name is reserved, the replacement\'s fields and enum values exist and the hints name them', () => {
    const schema = EnvoySchema.get();
    expect(Object.keys(REMOVED_REPLACEMENTS).length).toBeGreaterThan(20);
    for (const [key, entry] of Object.entries(REMOVED_REPLACEMENTS)) {
      const removed = key.slice(key.lastIndexOf('.') + 1);
      const type = key.slice(0, key.lastIndexOf('.'));
      const isEnum = schema.isEnum(type);
      expect({ key, reserved: (isEnum ? schema.enum(type) : schema.message(type)).reserved.has(removed) }).toEqual({ key, reserved: true });
      // an enum's replacement is a field of the message that declares the enum
      const holder = isEnum ? type.slice(0, type.lastIndexOf('.')) : type;
      for (const fieldPath of entry.fields) {
        let message = schema.message(holder);
        const segments = fieldPath.split('.');
        segments.forEach((segment, i) => {
          const field = message.byKey.get(segment);
          expect({ key, fieldPath, segment, exists: field !== undefined }).toEqual({ key, fieldPath, segment, exists: true });
          if (i < segments.length - 1) message = schema.message(field!.typeName);
        });
        // the hint names the replacement's first field, in each spelling
        const first = segments[0];
        expect({ key, first, inHint: entry.hint.includes(first) }).toEqual({ key, first, inHint: true });
        if (first.includes('_')) expect({ key, camel: (entry.camel ?? '').includes(jsonName(first)) }).toEqual({ key, camel: true });
      }
      for (const value of entry.values ?? []) {
        const enumName = value.slice(0, value.lastIndexOf('.'));
        const valueName = value.slice(value.lastIndexOf('.') + 1);
        expect({ key, value, exists: schema.enum(enumName).byName.has(valueName), inHint: entry.hint.includes(valueName) })
          .toEqual({ key, value, exists: true, inHint: true });
      }
    }
  });

  test('a string where port_value needs a number', () => {
    const cluster = configs.kuardCluster();
    cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 'https';
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
      message: 'expected uint32 (a whole number, or a string of digits), got string "https"',
    }]);
  });

  test('numbers in strings as protobuf\'s JSON parser reads them: a whole "80.0" or "1e3" for an integer, "nan" or " 1.5" for a float (with a warning for control planes)', () => {
    const cluster = configs.kuardCluster();
    const address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    address.port_value = '8080.0';
    expectValid(cluster, V.CLUSTER);
    address.port_value = '8e3';
    expect(V.validate(cluster, V.CLUSTER).warnings).toEqual([]);
    for (const bad of ['80.5', ' 80', 'eighty']) {
      address.port_value = bad;
      expect(errors(cluster, V.CLUSTER).map((e) => e.message)).toEqual([`expected uint32 (a whole number, or a string of digits), got string ${JSON.stringify(bad)}`]);
    }
    address.port_value = '1e20';
    expect(errors(cluster, V.CLUSTER).map((e) => e.message)).toEqual(['1e20 is out of range for uint32 (0 to 4294967295)']);
    expect(errors({ start: '1e18', end: '9007199254740993' }, 'envoy.type.v3.Int64Range').map((e) => e.message)).toEqual(['"1e18" is too large for a float spelling (protobuf reads one within ±2^53); write the int64\'s digits']);
    // spellings Go's protojson (marin3r) refuses warn; plain digits and JSON numbers don't
    for (const [text, canonical] of [['+80', '80'], ['080', '80'], ['8.', '8'], ['8e1', undefined], ['80', undefined], ['8.5e1', undefined]] as const) {
      address.port_value = text;
      expect(V.validate(cluster, V.CLUSTER).warnings.map((w) => w.message)).toEqual(canonical === undefined ? []
        : [`${JSON.stringify(text)} is a number in a spelling Envoy's file loader accepts and JSON-reading control planes such as marin3r don't; write ${JSON.stringify(canonical)}`]);
    }
    // a float: Envoy's loader also takes what absl::SimpleAtod does; Go's protojson (marin3r) doesn't
    for (const [text, canonical] of [['nan', 'NaN'], [' 1.5', 1.5], ['+2', 2], ['2.', 2]] as const) {
      const result = V.validate({ value: text }, 'envoy.type.v3.Percent');
      expect(result.errors).toEqual([]);
      expect(result.warnings.map((w) => w.message)).toEqual([
        `${JSON.stringify(text)} is a number in a spelling Envoy's file loader accepts and JSON-reading control planes such as marin3r don't; write ${JSON.stringify(canonical)}`,
      ]);
    }
    expect(errors({ value: '-INF' }, 'envoy.type.v3.Percent').map((e) => e.message)).toEqual(['-INF is out of range; must be at least 0 (gte 0)']);
    expect(V.validate({ value: '1.5e1' }, 'envoy.type.v3.Percent').warnings).toEqual([]);
    expect(errors({ value: '+-1' }, 'envoy.type.v3.Percent').map((e) => e.message)).toEqual(['expected a number, got string "+-1"']);
    expect(errors({ value: '++1' }, 'envoy.type.v3.Percent').map((e) => e.message)).toEqual(['expected a number, got string "++1"']);
    // integer map keys are digits only
    const method = (key: string) => ({ name: { exact: 'get' }, params_match: { [key]: { exact_match: 'x' } } });
    expectValid(method('0'), 'envoy.extensions.filters.network.dubbo_proxy.v3.MethodMatch');
    expect(V.validate(method(' 1 '), 'envoy.extensions.filters.network.dubbo_proxy.v3.MethodMatch')).toEqual({
      valid: true,
      errors: [],
      warnings: [{
        path: 'params_match[" 1 "]',
        message: 'map key " 1 " is a number in a spelling Envoy\'s file loader accepts and JSON-reading control planes such as marin3r don\'t; write "1"',
      }],
    });
    expect(errors(method('0.0'), 'envoy.extensions.filters.network.dubbo_proxy.v3.MethodMatch').map((e) => e.message)).toEqual(['map key "0.0" is not a uint32']);
  });

  test('a number where a string is needed', () => {
    const filter = configs.sigsciExtAuthz();
    filter.typed_config.grpc_service.envoy_grpc.cluster_name = 9999;
    expect(errors(filter, V.HTTP_FILTER)).toEqual([{
      path: 'typed_config.grpc_service.envoy_grpc.cluster_name',
      message: 'expected a string, got number 9999',
    }]);
  });

  test('a fraction where an integer is needed', () => {
    const cluster = configs.remoteCluster();
    cluster.circuit_breakers.thresholds[0].max_connections = 10.5;
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'circuit_breakers.thresholds[0].max_connections',
      message: 'expected uint32 (a whole number, or a string of digits), got number 10.5',
    }]);
  });

  test('a bad enum name, listing the valid names', () => {
    const cluster = configs.kuardCluster();
    cluster.lb_policy = 'ROUND_ROBBIN';
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'lb_policy',
      message: '"ROUND_ROBBIN" is not a value of envoy.config.cluster.v3.Cluster.LbPolicy; use one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG',
    }]);
  });

  test('an enum number that the enum does not define (defined_only)', () => {
    const cluster = configs.kuardCluster();
    cluster.type = 9;
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'type',
      message: '9 is not a defined value of envoy.config.cluster.v3.Cluster.DiscoveryType; use one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST',
    }]);
  });

  test('a negative duration', () => {
    const cluster = configs.kuardCluster();
    cluster.connect_timeout = '-1s';
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'connect_timeout', message: '"-1s" is negative; Envoy rejects negative durations' }]);
  });

  test('an ill-formed duration', () => {
    const cluster = configs.remoteCluster();
    cluster.outlier_detection.interval = '10 seconds';
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'outlier_detection.interval',
      message: '"10 seconds" is not a duration; write seconds with an "s" suffix, e.g. "0.25s" or "300s"',
    }]);
  });

  test('a duration given as a number', () => {
    const cluster = configs.kuardCluster();
    cluster.connect_timeout = 2;
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'connect_timeout', message: 'expected a duration string such as "1.5s", got number 2' }]);
  });

  test('a zero duration where the protos require more (duration.gt)', () => {
    const cluster = configs.kuardCluster();
    cluster.connect_timeout = '0s';
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'connect_timeout', message: '"0s" is out of range; must be longer than 0s (gt)' }]);
  });

  test('an unresolvable @type two typed_configs deep, with the closest type', () => {
    const listener = configs.httpsListener();
    listener.filter_chains[0].filters[0].typed_config.http_filters[0].typed_config['@type'] = `${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuth`;
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.http_filters[0].typed_config`,
      message: `unknown @type "${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuth": no such message in the Envoy v3 API checked here (the protos of @grpc/grpc-js-xds 1.14.1, older than Envoy 1.32); `
        + `did you mean "${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"?`,
      fix: `write "${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz" instead`,
    }]);
  });

  test('fields inside a typed_config inside a typed_config are checked', () => {
    const listener = configs.httpsListener();
    listener.filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.grpc_service.envoy_grpc = { cluster: 'sigsci-agent-grpc' };
    expect(errors(listener, V.LISTENER)).toEqual([
      {
        path: `${HCM}.http_filters[0].typed_config.grpc_service.envoy_grpc.cluster`,
        message: 'unknown field "cluster" in envoy.config.core.v3.GrpcService.EnvoyGrpc; did you mean "cluster_name"?',
        fix: 'write "cluster_name" instead',
      },
      {
        path: `${HCM}.http_filters[0].typed_config.grpc_service.envoy_grpc.cluster_name`,
        message: 'missing; must not be empty (min_len 1)',
      },
    ]);
  });

  test("seed 002's v2 @types are reported, with the v3 names that replaced them", () => {
    expect(errors(configs.kuardListenerV2(), V.LISTENER)).toEqual([
      {
        path: HCM,
        message: `"${TYPE}envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager" is a type of Envoy's removed v2 API, which current Envoy rejects; use "${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"`,
        fix: `write "${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" instead`,
      },
      {
        path: 'filter_chains[0].transport_socket.typed_config',
        message: `"${TYPE}envoy.api.v2.auth.DownstreamTlsContext" is a type of Envoy's removed v2 API, which current Envoy rejects; use "${TYPE}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"`,
        fix: `write "${TYPE}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext" instead`,
      },
    ]);
  });

  test('only Envoy\'s own v2 packages count as the removed v2 API: another vendor\'s v2alpha1 type is an unknown type', () => {
    const alpn = { name: 'istio.alpn', typed_config: { '@type': `${TYPE}istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig` } };
    expect(errors(alpn, V.HTTP_FILTER).map((e: any) => e.message)).toEqual([`unknown @type "${TYPE}istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig": no such message in the Envoy v3 API checked here (the protos of @grpc/grpc-js-xds 1.14.1, older than Envoy 1.32); types of other vendors (istio.*, ...) are not in it`]);
    const removed = { name: 'x', typed_config: { '@type': `${TYPE}envoy.config.filter.http.buffer.v2.Buffer` } };
    expect(errors(removed, V.HTTP_FILTER).map((e: any) => e.message)[0]).toContain('is a type of Envoy\'s removed v2 API');
  });

  test('an Any without "@type"', () => {
    const filter = configs.router();
    delete filter.typed_config['@type'];
    expect(errors(filter, V.HTTP_FILTER)).toEqual([{
      path: 'typed_config',
      message: `missing "@type"; an Any names the type of its content, e.g. "${TYPE}envoy.extensions.filters.http.router.v3.Router"`,
    }]);
  });

  test('a TypedStruct whose value has an unknown field', () => {
    const filter = {
      name: 'envoy.filters.http.router',
      typed_config: {
        '@type': `${TYPE}udpa.type.v1.TypedStruct`,
        'type_url': `${TYPE}envoy.extensions.filters.http.router.v3.Router`,
        'value': { suppress_envoy_header: true },
      },
    };
    expect(errors(filter, V.HTTP_FILTER)).toEqual([{
      path: 'typed_config.value.suppress_envoy_header',
      message: 'unknown field "suppress_envoy_header" in envoy.extensions.filters.http.router.v3.Router; did you mean "suppress_envoy_headers"?',
      fix: 'write "suppress_envoy_headers" instead',
    }]);
  });

  test('a route without an action (required oneof)', () => {
    const listener = configs.kuardListener();
    delete listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route;
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.route_config.virtual_hosts[0].routes[0]`,
      message: 'one of route, redirect, direct_response, filter_action, non_forwarding_action is required (oneof action)',
    }]);
  });

  test('a route without a match (message.required)', () => {
    const listener = configs.kuardListener();
    delete listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match;
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.route_config.virtual_hosts[0].routes[0].match`,
      message: 'missing; set match (a envoy.config.route.v3.RouteMatch), which Envoy requires here',
    }]);
  });

  test('a cluster without a name (string min_len 1 on an absent field)', () => {
    const cluster = configs.kuardCluster();
    delete cluster.name;
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'name', message: 'missing; must not be empty (min_len 1)' }]);
  });

  test('an empty string where min_len is 1', () => {
    const cluster = configs.kuardCluster();
    cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = '';
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address',
      message: 'must not be empty (min_len 1)',
    }]);
  });

  test('port_value 70000 (uint32.lte 65535)', () => {
    const bootstrap = { admin: { address: configs.socketAddress('127.0.0.1', 70000) } };
    expect(errors(bootstrap)).toEqual([{
      path: 'admin.address.socket_address.port_value',
      message: '70000 is out of range; must be at most 65535 (lte 65535)',
    }]);
  });

  test('a number out of the range of its type', () => {
    const bootstrap = { admin: { address: configs.socketAddress('127.0.0.1', -1) } };
    expect(errors(bootstrap)).toEqual([{
      path: 'admin.address.socket_address.port_value',
      message: '-1 is out of range for uint32 (0 to 4294967295)',
    }]);
  });

  test('an empty list where min_items is 1', () => {
    const listener = configs.kuardListener();
    listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains = [];
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.route_config.virtual_hosts[0].domains`,
      message: 'has 0 items; at least 1 item required (min_items 1)',
    }]);
  });

  test('a list that is absent where min_items is 1', () => {
    const listener = configs.kuardListener();
    delete listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains;
    expect(errors(listener, V.LISTENER)).toEqual([{
      path: `${HCM}.route_config.virtual_hosts[0].domains`,
      message: 'missing; at least 1 item required (min_items 1)',
    }]);
  });

  test('a repeated item where items must be unique, also when one is written as a number and one as a string', () => {
    const stats = (buckets: unknown[]) => ({ histogram_bucket_settings: [{ match: { prefix: 'cluster.' }, buckets }] });
    expect(errors(stats([0.5, 1, 5]), 'envoy.config.metrics.v3.StatsConfig')).toEqual([]);
    expect(errors(stats([0.5, 1, '1.0']), 'envoy.config.metrics.v3.StatsConfig')).toEqual([{
      path: 'histogram_bucket_settings[0].buckets',
      message: '1 appears more than once; items must be unique',
    }]);
    const policy = { response_headers_to_copy: ['x-a', 'x-b', 'x-a'] };
    expect(errors(policy, 'envoy.config.route.v3.InternalRedirectPolicy')).toEqual([{
      path: 'response_headers_to_copy',
      message: '"x-a" appears more than once; items must be unique',
    }]);
  });

  test('a value above a percentage limit (outlier detection, lte 100)', () => {
    const cluster = configs.remoteCluster();
    cluster.outlier_detection.max_ejection_percent = 150;
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'outlier_detection.max_ejection_percent', message: '150 is out of range; must be at most 100 (lte 100)' }]);
  });

  test('a header name with a space (well_known_regex HTTP_HEADER_NAME)', () => {
    const cluster = configs.remoteCluster();
    cluster.health_checks[0].http_health_check.request_headers_to_add = [{ header: { key: 'x request', value: 'hc' } }];
    expect(errors(cluster, V.CLUSTER)).toEqual([]); // strict: false on HeaderValue.key allows spaces
    cluster.health_checks[0].http_health_check.request_headers_to_add = [{ header: { key: 'x\nrequest', value: 'hc' } }];
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'health_checks[0].http_health_check.request_headers_to_add[0].header.key',
      message: '"x\\nrequest" is not a valid HTTP header name',
    }]);
  });

  test('two members of one oneof', () => {
    const bootstrap = { admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901, named_port: 'admin' } } } };
    expect(errors(bootstrap)).toEqual([{
      path: 'admin.address.socket_address.named_port',
      message: '"port_value" is already set, and both belong to oneof port_specifier; set only one of port_value, named_port',
    }]);
  });

  test('the same field under its proto name and its JSON name', () => {
    const cluster = configs.kuardCluster();
    cluster.connectTimeout = '1s';
    expect(errors(cluster, V.CLUSTER)).toEqual([{ path: 'connectTimeout', message: 'is set twice, as "connect_timeout" and "connectTimeout"; keep one' }]);
  });

  test('a list where an object is needed, and an object where a list is needed', () => {
    const cluster = configs.kuardCluster();
    cluster.load_assignment.endpoints = { lb_endpoints: [] };
    cluster.circuit_breakers = [];
    expect(errors(cluster, V.CLUSTER)).toEqual([
      { path: 'load_assignment.endpoints', message: 'expected a list of envoy.config.endpoint.v3.LocalityLbEndpoints, got an object' },
      { path: 'circuit_breakers', message: 'expected an object (envoy.config.cluster.v3.CircuitBreakers), got a list' },
    ]);
  });

  test.each(['QQ=', 'QUJD=', 'QUJDR'])('base64 %p, whose padding or length no decoder accepts', (text) => {
    expect(errors({ name: 'k', session_ticket_keys: { keys: [{ inline_bytes: text }] } }, V.SECRET)).toEqual([{
      path: 'session_ticket_keys.keys[0].inline_bytes',
      message: `expected base64-encoded bytes, got string ${JSON.stringify(text)}`,
    }]);
  });

  test('base64 padded or unpadded passes', () => {
    for (const text of ['QQ==', 'QQ', 'QUJD', 'QUI=', 'QUI']) {
      expect(errors({ name: 'k', session_ticket_keys: { keys: [{ inline_bytes: text }] } }, V.SECRET).filter((e) => /base64/.test(e.message))).toEqual([]);
    }
  });

  test('bad base64 in a bytes field', () => {
    expect(errors({ name: 'k', session_ticket_keys: { keys: [{ inline_bytes: 'not base64!' }] } }, V.SECRET)).toEqual([{
      path: 'session_ticket_keys.keys[0].inline_bytes',
      message: 'expected base64-encoded bytes, got string "not base64!"',
    }]);
  });

  test('a map value of the wrong type names the map key in the path', () => {
    const cluster = configs.sigsciCluster();
    cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config = { http2_protocol_options: { max_concurrent_streams: 0 } };
    expect(errors(cluster, V.CLUSTER)).toEqual([{
      path: 'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options.max_concurrent_streams',
      message: '0 is out of range; must be at least 1 (gte 1)',
    }]);
  });

  test('every error of a config is reported, in document order', () => {
    const cluster = configs.kuardCluster();
    cluster.name = '';
    cluster.type = 'DNS';
    cluster.connect_timeout = '-5s';
    expect(errors(cluster, V.CLUSTER).map((e) => e.path)).toEqual(['name', 'connect_timeout', 'type']);
  });
});

describe('transport_api_version, which Envoy requires to be V3 although the enum defaults to AUTO', () => {
  const HTTP_FILTER = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';
  const extAuthz = (config: Record<string, unknown>) => ({
    name: 'envoy.filters.http.ext_authz', typed_config: { '@type': `${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`, ...config },
  });
  const PROBLEM = 'Envoy refuses any transport_api_version but V3 here, AUTO (the default) included ("V2 (and AUTO) xDS transport protocol versions are deprecated"); set transport_api_version: V3';

  test('a gRPC ext_authz without it fails', () => {
    expect(errors(extAuthz({ grpc_service: { envoy_grpc: { cluster_name: 'authz' } } }), HTTP_FILTER))
      .toEqual([{ path: 'typed_config.transport_api_version', message: `missing; ${PROBLEM}` }]);
  });

  test('an HTTP ext_authz needs none (Envoy checks the gRPC client only)', () => {
    expectValid(extAuthz({ http_service: { server_uri: { uri: 'http://authz:8080', cluster: 'authz', timeout: '1s' } } }), HTTP_FILTER);
  });

  test('an xDS config source with AUTO fails', () => {
    expect(errors({ api_type: 'GRPC', transport_api_version: 'AUTO', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] }, 'envoy.config.core.v3.ApiConfigSource'))
      .toEqual([{ path: 'transport_api_version', message: `"AUTO" is refused; ${PROBLEM}` }]);
  });

  test('V3, by name or number, passes', () => {
    expectValid({ api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] }, 'envoy.config.core.v3.ApiConfigSource');
    expectValid({ api_type: 'GRPC', transport_api_version: 2, grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] }, 'envoy.config.core.v3.ApiConfigSource');
  });

  test('V3 in another case or as a digit string passes the check, as Envoy\'s parser reads it (the case gets its usual warning)', () => {
    const source = (v: string) => ({ api_type: 'GRPC', transport_api_version: v, grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] });
    expect(V.validate(source('v3'), 'envoy.config.core.v3.ApiConfigSource').errors).toEqual([]);
    expect(V.validate(source('2'), 'envoy.config.core.v3.ApiConfigSource').errors).toEqual([]);
    expect(V.validate(source('1'), 'envoy.config.core.v3.ApiConfigSource').errors).toEqual([{ path: 'transport_api_version', message: `"1" is refused; ${PROBLEM}` }]);
  });
});

describe('protobuf\'s and protoc-gen-validate\'s reading of edge cases', () => {
  const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
  const quicKeepalive = (keepalive: Record<string, string>) => ({
    explicit_http_config: { http3_protocol_options: { quic_protocol_options: { connection_keepalive: keepalive } } },
  });

  test('an upper bound below the lower bound excludes the range between (QUIC keepalive: 0s, or at least 1s)', () => {
    expectValid(quicKeepalive({ max_interval: '0s', initial_interval: '0s' }), HPO);
    expectValid(quicKeepalive({ max_interval: '30s', initial_interval: '1s' }), HPO);
    expect(errors(quicKeepalive({ max_interval: '0.5s' }), HPO)).toEqual([{
      path: 'explicit_http_config.http3_protocol_options.quic_protocol_options.connection_keepalive.max_interval',
      message: '"0.5s" is out of range; must be at most 0s or at least 1s (the range between is excluded)',
    }]);
  });

  test('a null value in a map of enums is an error, as in protobuf\'s parser (other null map values are the default)', () => {
    const ML = 'envoy.extensions.filters.http.proto_message_logging.v3.MethodLogging';
    expect(errors({ request_logging_by_field: { 'a.b': null } }, ML)).toEqual([{
      path: 'request_logging_by_field["a.b"]',
      message: 'null is not an enum value (protobuf refuses it in a map of enums: "expected number or string"); write the value\'s name or remove the entry',
    }]);
    expect(errors({ request_logging_by_field: { 'a.b': 'LOG' } }, ML)).toEqual([]);
  });

  test('a deprecated enum field given its zero value by name or as 0 is not set, as Envoy reads it (no warning)', () => {
    const cluster = configs.kuardCluster();
    cluster.protocol_selection = 'USE_CONFIGURED_PROTOCOL';
    expect(V.validate(cluster, V.CLUSTER).warnings).toEqual([]);
    cluster.protocol_selection = 0;
    expect(V.validate(cluster, V.CLUSTER).warnings).toEqual([]);
    cluster.protocol_selection = 'USE_DOWNSTREAM_PROTOCOL';
    expect(V.validate(cluster, V.CLUSTER).warnings.map((w) => w.path)).toEqual(['protocol_selection']);
  });

  test('retry predicates, retry priorities and the HTTP tracer need typed_config too (Envoy looks them up by type URL)', () => {
    const route = { match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }] } } };
    expect(errors(route, 'envoy.config.route.v3.Route').map((e) => [e.path, e.message.split(';')[0]])).toEqual([
      ['route.retry_policy.retry_host_predicate[0]', '"envoy.retry_host_predicates.previous_hosts" has no typed_config'],
    ]);
    route.route.retry_policy.retry_host_predicate[0] = {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: { '@type': `${TYPE}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate` },
    } as any;
    expectValid(route, 'envoy.config.route.v3.Route');
  });

  test('NaN passes range rules, as in PGV, whose rules test for failure', () => {
    expect(errors({ value: 'NaN' }, 'envoy.type.v3.Percent')).toEqual([]);
    expect(errors({ value: 101 }, 'envoy.type.v3.Percent')).toHaveLength(1);
  });

  test('a null map value is the default value, checked against the rules; a null twin of a field doesn\'t count; both warn for JSON control planes', () => {
    const metadata = V.validate({ filter_metadata: { 'envoy.lb': null } }, 'envoy.config.core.v3.Metadata');
    expect(metadata.errors).toEqual([]);
    expect(metadata.warnings[0].message).toMatch(/^null stands for the default value here: Envoy's file loader accepts it, JSON-reading control planes such as marin3r don't/);
    // an RBAC policy needs permissions and principals, which the default value lacks
    expect(errors({ rules: { policies: { admins: null } } }, 'envoy.extensions.filters.http.rbac.v3.RBAC').map((e) => e.path))
      .toEqual(['rules.policies["admins"].permissions', 'rules.policies["admins"].principals']);
    const twin = V.validate({ name: 'c', ignore_health_on_host_removal: null, ignoreHealthOnHostRemoval: true, connect_timeout: '1s' }, V.CLUSTER);
    expect(twin.errors).toEqual([]);
    expect(twin.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/is given twice, as "ignore_health_on_host_removal" and "ignoreHealthOnHostRemoval", once null/));
    expect(errors({ name: 'c', ignore_health_on_host_removal: false, ignoreHealthOnHostRemoval: true }, V.CLUSTER)[0].message).toMatch(/is set twice/);
  });

  test('a TypedStruct\'s type_url is a plain string: Envoy takes what follows its last "/"', () => {
    const filter = { name: 'router', typed_config: { '@type': `${TYPE}xds.type.v3.TypedStruct`, 'type_url': '/envoy.extensions.filters.http.router.v3.Router', 'value': {} } };
    expect(errors(filter, V.HTTP_FILTER)).toEqual([]);
  });

  test('an enum as a digit string and numbers with a leading "+" are read as protobuf reads them', () => {
    const digits = V.validate({ name: 'c', lb_policy: '1' }, V.CLUSTER);
    expect(digits.errors).toEqual([]);
    expect(digits.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^"1" is the number of a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy as a string/));
    expect(errors({ name: 'c', lb_policy: '99999999999' }, V.CLUSTER)[0].message).toMatch(/"99999999999" is not a value of/);
    expect(errors({ name: 'c', per_connection_buffer_limit_bytes: '+1024' }, V.CLUSTER)).toEqual([]);
    expect(errors({ name: 'c', lb_policy: '99' }, V.CLUSTER)[0].message).toMatch(/99 is not a defined value/);
  });

  test('an extension named without typed_config fails (Envoy finds extensions by type URL), unless discovered over ECDS or optional', () => {
    expect(errors({ name: 'envoy.filters.http.router' }, V.HTTP_FILTER)).toEqual([{
      path: '',
      message: '"envoy.filters.http.router" has no typed_config; Envoy finds extensions by the "@type" of typed_config, not by name, and refuses one without '
        + '("Didn\'t find a registered implementation ... with type URL: \'\'", unless the runtime sets envoy.reloadable_features.no_extension_lookup_by_name to false); '
        + 'add typed_config with the "@type" of the extension\'s config message, e.g. { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } for the router',
    }]);
    expect(errors({ name: 'c', connect_timeout: '1s', transport_socket: { name: 'envoy.transport_sockets.tls' } }, V.CLUSTER).map((e) => e.path)).toEqual(['transport_socket']);
    expect(errors({ name: 'envoy.filters.http.cors', is_optional: true }, V.HTTP_FILTER)).toEqual([]);
    // upstream network filters and stats sinks are found the same way
    expect(errors({ name: 'c', connect_timeout: '1s', filters: [{ name: 'envoy.filters.network.upstream.metadata_exchange' }] }, V.CLUSTER).map((e) => e.path)).toEqual(['filters[0]']);
    expect(errors({ stats_sinks: [{ name: 'envoy.stat_sinks.statsd' }] }).map((e) => e.path)).toEqual(['stats_sinks[0]']);
    // another unknown field doesn't hide it
    expect(errors({ name: 'envoy.filters.http.router', disabled_x: true }, V.HTTP_FILTER).map((e) => e.message)).toEqual([
      expect.stringMatching(/^unknown field "disabled_x"/), expect.stringMatching(/has no typed_config/),
    ]);
    // a misspelt typed_config is reported once, as an unknown field
    expect(errors({ name: 'envoy.filters.http.router', typed_conifg: {} }, V.HTTP_FILTER).map((e) => e.message)).toEqual([expect.stringMatching(/^unknown field "typed_conifg"/)]);
    expect(errors({ name: 'authz', config_discovery: { config_source: { ads: {} }, type_urls: [`${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`] } }, V.HTTP_FILTER)).toEqual([]);
  });

  test('a type URL needs a host before its last "/"', () => {
    const filter = { name: 'envoy.filters.http.router', typed_config: { '@type': '/envoy.extensions.filters.http.router.v3.Router' } };
    expect(errors(filter, V.HTTP_FILTER)).toEqual([{
      path: 'typed_config',
      message: '"/envoy.extensions.filters.http.router.v3.Router" is not a type URL (protobuf wants a host before the last "/"); write "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"',
      fix: 'write "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" instead',
    }]);
  });
});

describe('warnings', () => {
  test('an enum name in another case is a warning naming the canonical spelling (Envoy\'s file loader accepts it, JSON control planes don\'t)', () => {
    const cluster = configs.kuardCluster();
    cluster.lb_policy = 'round_robin';
    const result = V.validate(cluster, V.CLUSTER);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([{
      path: 'lb_policy',
      message: '"round_robin" is ROUND_ROBIN in another case: Envoy\'s file loader accepts it, JSON-reading control planes such as marin3r don\'t; write "ROUND_ROBIN"',
    }]);
  });

  test('a disallowed enum value names the runtime key Envoy reads (the value\'s full name, scoped beside its enum)', () => {
    const result = V.validate({ api_type: 'DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE', transport_api_version: 'V3' }, 'envoy.config.core.v3.ApiConfigSource');
    expect(result.errors.map((e) => e.message).join('\n')).toContain('"envoy.deprecated_features:envoy.config.core.v3.ApiConfigSource.DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE"');
  });

  test('a deprecated field is a warning, not an error', () => {
    const cluster = configs.kuardCluster();
    cluster.http2_protocol_options = {};
    const result = V.validate(cluster, V.CLUSTER);
    expect(result.valid).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([{
      path: 'http2_protocol_options',
      message: 'envoy.config.cluster.v3.Cluster.http2_protocol_options is deprecated: Envoy logs a warning and will remove it; use its replacement (see the Envoy API docs)',
    }]);
  });

  test('a deprecated scalar field left at its default is not reported', () => {
    const cluster = configs.kuardCluster();
    cluster.use_tcp_for_dns_lookups = false;
    expect(V.validate(cluster, V.CLUSTER).warnings).toEqual([]);
  });

  test('a message of a proto file marked work-in-progress is a warning, once per file (as Envoy warns on loading it)', () => {
    const filter = {
      name: 'envoy.filters.http.file_system_buffer',
      typed_config: {
        '@type': `${TYPE}envoy.extensions.filters.http.file_system_buffer.v3.FileSystemBufferFilterConfig`,
        'manager_config': { id: 'buffers', thread_pool: { thread_count: 1 } },
        'request': { behavior: { fully_buffer: {} } },
        'response': { behavior: { bypass: {} } },
      },
    };
    const result = V.validate(filter, V.HTTP_FILTER);
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        path: 'typed_config',
        message: 'envoy.extensions.filters.http.file_system_buffer.v3.FileSystemBufferFilterConfig is declared in envoy/extensions/filters/http/file_system_buffer/v3/file_system_buffer.proto, a proto file marked work-in-progress: not yet stable, and it may change in breaking ways',
      },
      {
        path: 'typed_config.manager_config',
        message: 'envoy.extensions.common.async_files.v3.AsyncFileManagerConfig is declared in envoy/extensions/common/async_files/v3/async_file_manager.proto, a proto file marked work-in-progress: not yet stable, and it may change in breaking ways',
      },
    ]);
  });

  test('a type whose proto file could not be compiled is a warning', () => {
    const log = { name: 'envoy.access_loggers.open_telemetry', typed_config: { '@type': `${TYPE}envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig` } };
    const result = V.validate(log, 'envoy.config.accesslog.v3.AccessLog');
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([{
      path: 'typed_config',
      message: 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig was not checked: its proto file imports protos that the Envoy API copy of this library (@grpc/grpc-js-xds) does not ship',
    }]);
  });
});

describe('EnvoyConfigValidator', () => {
  test('validates a Bootstrap by default', () => {
    expect(errors({ static_resources: { clusters: 'x' } })).toEqual([{
      path: 'static_resources.clusters',
      message: 'expected a list of envoy.config.cluster.v3.Cluster, got string "x"',
    }]);
  });

  test('checks a partial fragment (an EnvoyFilter MERGE patch) without asking for what it leaves out', () => {
    const patch = { typed_config: { '@type': `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, 'common_http_protocol_options': { idle_timeout: '30s' } } };
    expect(V.validate(patch, 'envoy.config.listener.v3.Filter', { partial: true }).errors).toEqual([]);
    expect(V.validate(patch, 'envoy.config.listener.v3.Filter').errors.map((e) => e.path)).toEqual(['typed_config.stat_prefix', 'typed_config', 'name']);
    patch.typed_config.common_http_protocol_options.idle_timeout = '-30s';
    expect(V.validate(patch, 'envoy.config.listener.v3.Filter', { partial: true }).errors).toEqual([
      { path: 'typed_config.common_http_protocol_options.idle_timeout', message: '"-30s" is negative; Envoy rejects negative durations' },
    ]);
  });

  test('rejects a type name it does not know', () => {
    expect(() => V.validate({}, 'envoy.config.cluster.v3.Clustr')).toThrow(
      'EnvoyConfigValidator: "envoy.config.cluster.v3.Clustr" is not a message type of the Envoy v3 API; give a full name such as "envoy.config.cluster.v3.Cluster" or "type.googleapis.com/envoy.config.cluster.v3.Cluster", or use a constant such as EnvoyConfigValidator.BOOTSTRAP');
  });

  test('knows the root types the library uses, and no v2 types', () => {
    for (const name of [V.BOOTSTRAP, V.LISTENER, V.CLUSTER, V.ROUTE_CONFIGURATION, V.SCOPED_ROUTE_CONFIGURATION, V.CLUSTER_LOAD_ASSIGNMENT,
      V.SECRET, V.RUNTIME, V.TYPED_EXTENSION_CONFIG, V.HTTP_CONNECTION_MANAGER, V.HTTP_FILTER]) {
      expect(V.isKnownType(name)).toBe(true);
    }
    expect(V.isKnownType('envoy.api.v2.Cluster')).toBe(false);
  });

  test('names the source of the compiled API', () => {
    expect(V.apiSource()).toMatch(/^@grpc\/grpc-js-xds \d+\.\d+\.\d+ /);
  });

  test('ships the descriptor that the generator writes from the installed protos', () => {
    const script = path.join(__dirname, '..', '..', 'scripts', 'build-envoy-descriptors.js');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('assertValidEnvoyConfig', () => {
  test('throws one error naming the construct, the prop and every problem', () => {
    const scope = new Construct(Testing.chart(), 'envoy');
    const cluster = configs.kuardCluster();
    cluster.name = '';
    cluster.lb_policy = 'FASTEST';
    expect(() => assertValidEnvoyConfig(scope, 'clusters[0]', cluster, V.CLUSTER)).toThrow(
      'test/envoy: clusters[0]: Envoy would reject this envoy.config.cluster.v3.Cluster (2 errors, checked against Envoy\'s v3 API):\n'
      + '  name: must not be empty (min_len 1)\n'
      + '  lb_policy: "FASTEST" is not a value of envoy.config.cluster.v3.Cluster.LbPolicy; use one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG; fix the fields above');
  });

  test('returns the result with its warnings when the config is valid', () => {
    const scope = new Construct(Testing.chart(), 'envoy');
    const cluster = configs.kuardCluster();
    cluster.http2_protocol_options = {};
    expect(assertValidEnvoyConfig(scope, 'clusters[0]', cluster, V.CLUSTER).warnings).toHaveLength(1);
  });
});

describe('the descriptor file', () => {
  const file = path.join(__dirname, '..', '..', 'src', 'validation', 'envoy', 'descriptors.json');
  const text = fs.readFileSync(file, 'utf8');

  test('is older than Envoy 1.32, as the messages about unknown fields and types say (update them when @grpc/grpc-js-xds ships newer protos)', () => {
    // http1_safe_max_connection_duration came with Envoy 1.32.0
    const hcm = { '@type': `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, 'stat_prefix': 'x', 'http1_safe_max_connection_duration': true };
    expect(errors({ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }, 'envoy.config.listener.v3.Filter').map((e) => e.path))
      .toContain('typed_config.http1_safe_max_connection_duration');
  });

  test('is indexed line by line, and reads the same as when parsed whole', () => {
    const lines = DescriptorIndex.parse(text);
    const whole = DescriptorIndex.parse(JSON.stringify(JSON.parse(text), null, 2));
    expect(lines.names()).toEqual(whole.names());
    expect(lines.names().length).toBeGreaterThan(1000);
    for (const name of ['envoy.config.cluster.v3.Cluster', 'envoy.config.cluster.v3.Cluster.LbPolicy', 'google.protobuf.Duration', 'envoy.nope.v3.Nope']) {
      expect(lines.kind(name)).toEqual(whole.kind(name));
      if (lines.kind(name)) expect(lines.type(name)).toEqual(whole.type(name));
    }
    expect(lines.kind('envoy.config.cluster.v3.Cluster.LbPolicy')).toBe('enum');
    expect(lines.renamedFrom('envoy.api.v2.Cluster')).toBe('envoy.config.cluster.v3.Cluster');
    expect(whole.renamedFrom('envoy.api.v2.Cluster')).toBe('envoy.config.cluster.v3.Cluster');
    expect([...lines.unchecked]).toEqual([...whole.unchecked]);
    expect(lines.source).toEqual(whole.source);
  });
});
