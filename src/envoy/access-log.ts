import { EnvoyModelError, quote } from './model-error';

/** Options of the stdout access log. */
export interface EnvoyStdoutAccessLogOptions {
  /**
   * Log each request as one JSON object with these fields (name → Envoy command operator, e.g.
   * `{ "status": "%RESPONSE_CODE%" }`).
   * @default - a JSON object with the usual request fields (time, method, path, protocol, status, flags, bytes, duration, upstream, request id)
   */
  readonly jsonFormat?: { [field: string]: string };
}

/** Options of the gRPC HTTP access log service. */
export interface EnvoyGrpcAccessLogOptions {
  /** Cluster of the access log service (must be HTTP/2). */
  readonly cluster: string;
  /** Log name sent to the service. */
  readonly logName: string;
  /**
   * Request headers sent along with each entry.
   * @default - none
   */
  readonly additionalRequestHeaders?: string[];
  /**
   * Response headers sent along with each entry.
   * @default - none
   */
  readonly additionalResponseHeaders?: string[];
}

const DEFAULT_JSON_FORMAT: { [field: string]: string } = {
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
};

/** An access logger of an http_connection_manager. */
export class EnvoyAccessLog {
  /** One JSON line per request on the container's stdout, where `kubectl logs` and log shippers find it. */
  public static stdout(options: EnvoyStdoutAccessLogOptions = {}): EnvoyAccessLog {
    return new EnvoyAccessLog('envoy.access_loggers.stdout', {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
      'log_format': { json_format: options.jsonFormat ?? DEFAULT_JSON_FORMAT },
    });
  }

  /** Stream entries to a gRPC access log service (`envoy.access_loggers.http_grpc`). */
  public static httpGrpc(options: EnvoyGrpcAccessLogOptions): EnvoyAccessLog {
    if (!options.cluster || !options.logName) {
      throw new EnvoyModelError('accessLog.httpGrpc', `cluster ${quote(options.cluster)} and logName ${quote(options.logName)}`, 'give both the cluster and the log name');
    }
    const config: any = {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig',
      'common_config': {
        log_name: options.logName,
        transport_api_version: 'V3',
        grpc_service: { envoy_grpc: { cluster_name: options.cluster } },
      },
    };
    if (options.additionalRequestHeaders?.length) config.additional_request_headers_to_log = [...options.additionalRequestHeaders];
    if (options.additionalResponseHeaders?.length) config.additional_response_headers_to_log = [...options.additionalResponseHeaders];
    return new EnvoyAccessLog('envoy.access_loggers.http_grpc', config);
  }

  /**
   * Any access logger from its name and typed_config.
   * @param typedConfig the typed_config, with its "@type" (validated against Envoy's protos at synth)
   */
  public static of(name: string, typedConfig: any): EnvoyAccessLog {
    if (!typedConfig || typeof typedConfig['@type'] !== 'string') {
      throw new EnvoyModelError(`accessLog ${quote(name)}.typedConfig`, 'has no "@type"', 'give the typed_config with its "@type"');
    }
    return new EnvoyAccessLog(name, typedConfig);
  }

  private constructor(public readonly name: string, private readonly typedConfig: any) {}

  /** The logger as Envoy v3 JSON (`envoy.config.accesslog.v3.AccessLog`). */
  public toJson(): any {
    return { name: this.name, typed_config: this.typedConfig };
  }
}
