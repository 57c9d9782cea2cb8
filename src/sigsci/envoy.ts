import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { sizeBytes } from '../common/resources';
import { EnvoyAccessLog, EnvoyCluster, EnvoyClusterDiscovery, EnvoyHttpFilter, EnvoyUpstreamProtocol } from '../envoy';
import { EnvoySidecar } from '../envoy-sidecar';
import { propError, show } from '../validation/errors';

/** Name of the Envoy cluster that reaches the agent (Fastly's configuration uses this name). */
export const SIGSCI_CLUSTER = 'sigsci-agent-grpc';

/** What Envoy does with a request when it can't get a decision from the agent. */
export enum SigSciFailureMode {
  /**
   * Let the request through uninspected (`failure_mode_allow: true`) and mark it for the app
   * with `x-envoy-auth-failure-mode-allowed: true` (`failure_mode_allow_header_add: true`). An
   * agent outage, a slow agent or an agent that isn't listening yet never becomes an app outage,
   * but anyone who can overload the agent gets requests past the WAF.
   */
  FAIL_OPEN = 'FAIL_OPEN',
  /**
   * Refuse the request with 503 Service Unavailable (`failure_mode_allow: false`,
   * `status_on_error: 503`): nothing reaches the app uninspected, at the price of 503s while the
   * agent is down, slow or not listening yet. As in Fastly's reference Envoy configuration.
   */
  FAIL_CLOSED = 'FAIL_CLOSED',
}

/** How Envoy consults the agent for each request. */
export interface SigSciEnvoyWiringOptions {
  /**
   * How long Envoy waits for the agent's decision on a request (`grpc_service.timeout`).
   * Envoy's default, 200 ms, is too short for a WAF: a busy agent, a garbage-collection pause or
   * a large body exceeds it, and then every request fails open uninspected (or fails closed). One
   * second absorbs those while still bounding what a hung agent adds to a request.
   * @default Duration.seconds(1)
   */
  readonly grpcTimeout?: Duration;
  /**
   * What happens when the agent can't be asked or doesn't answer in time (within `grpcTimeout`).
   * @default SigSciFailureMode.FAIL_CLOSED — requests the agent didn't inspect get 503 (Fastly's reference Envoy configuration sets `failure_mode_allow: false`)
   */
  readonly failureMode?: SigSciFailureMode;
  /**
   * Send the request body to the agent (`with_request_body`) so that rules on POST/PUT
   * payloads apply. Without it, the agent sees only the headers. Envoy holds each request until it
   * has `maxRequestBodySize` of the body or all of it, so a streaming gRPC call whose client sends
   * a small message and waits for the answer hangs: set false for apps that serve gRPC streams.
   * @default true
   */
  readonly inspectRequestBody?: boolean;
  /**
   * How much of the body Envoy buffers and sends (`max_request_bytes`). Larger bodies are sent
   * cut at this size (`allow_partial_message: true`) instead of being refused with 413, as in
   * Fastly's Envoy configuration. At most 1 MiB, Envoy's per-connection buffer limit.
   * @default Size.kibibytes(8)
   */
  readonly maxRequestBodySize?: Size;
  /**
   * Keep the pod out of its Services until the agent accepts connections: Envoy checks the
   * agent's gRPC port every 2 s (a TCP connect) and its `/ready` answers 503 until the agent
   * listens (see `EnvoySidecar.addReadinessDependency`). Without it, a pod that fails closed is
   * ready as soon as Envoy is, and answers 503 to every request until the agent has started, at
   * every rollout. With a library-run Envoy (ConfigMap delivery) only; under marin3r, marin3r's
   * probes decide readiness.
   * @default - true with SigSciFailureMode.FAIL_CLOSED when the agent runs in the pod and Envoy is delivered in a ConfigMap; false otherwise
   */
  readonly holdReadiness?: boolean;
}

/** Where the agent listens, as the Envoy side sees it. @internal */
export interface AgentEndpoint {
  readonly address: string;
  readonly port: number;
  readonly discovery: EnvoyClusterDiscovery;
  /** The agent runs in Envoy's pod (SigSciAgent), not behind a Service. */
  readonly inPod: boolean;
}

/**
 * How Envoy checks the agent when readiness waits for it: a TCP connect every 2 s from the start
 * (an idle cluster would otherwise be checked once a minute), ready after one success, not ready
 * after two failures.
 */
const AGENT_HEALTH_CHECK = {
  interval: Duration.seconds(2),
  noTrafficInterval: Duration.seconds(2),
  timeout: Duration.seconds(1),
  healthyThreshold: 1,
  unhealthyThreshold: 2,
};

/** The request headers the agent needs in each access-log entry, then the ones it may record. */
const LOGGED_REQUEST_HEADERS = ['x-sigsci-request-id', 'x-sigsci-waf-response', 'accept', 'content-type', 'content-length'];
const LOGGED_RESPONSE_HEADERS = ['date', 'server', 'content-type', 'content-length'];
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Adds the agent's cluster, the ext_authz filter and (when the agent expects response data) the
 * gRPC access logger to an Envoy sidecar.
 * @internal
 */
export function wireEnvoy(
  scope: IConstruct, envoy: EnvoySidecar, endpoint: AgentEndpoint, options: SigSciEnvoyWiringOptions, accessLog: boolean,
): void {
  if (!(envoy instanceof EnvoySidecar)) {
    throw propError(scope, 'envoy', `received ${show(envoy)}`, 'pass the EnvoySidecar of the workload');
  }
  if (envoy.inboundPort === undefined) {
    throw propError(scope, 'envoy', `the Envoy sidecar ${envoy.node.path} has no inbound listener to inspect`,
      'give the EnvoySidecar inbound options: the agent inspects requests on their way to the app');
  }
  const failureMode = options.failureMode ?? SigSciFailureMode.FAIL_CLOSED;
  if (!Object.values(SigSciFailureMode).includes(failureMode)) {
    throw propError(scope, 'failureMode', `received ${show(failureMode)}`, 'use SigSciFailureMode.FAIL_OPEN or SigSciFailureMode.FAIL_CLOSED');
  }
  const filter = extAuthzFilter(scope, options, failureMode);
  const hold = holdReadiness(scope, envoy, endpoint, options.holdReadiness, failureMode);
  const cluster = envoy.addCluster(new EnvoyCluster({
    name: SIGSCI_CLUSTER,
    endpoints: [{ address: endpoint.address, port: endpoint.port }],
    discovery: endpoint.discovery,
    protocol: EnvoyUpstreamProtocol.HTTP2,
    connectTimeout: Duration.millis(250),
    // to agents behind a Service: TCP keepalive closes a connection to an agent that died or was
    // cut off without closing it (idle 10 s, then 3 probes 5 s apart), instead of every check on it
    // timing out until the kernel's retransmissions give up. Not HTTP/2 PINGs: a gRPC server may
    // take them as abuse on the access-log stream, which carries no responses.
    tcpKeepalive: endpoint.inPod ? undefined : {},
    healthCheck: hold ? AGENT_HEALTH_CHECK : undefined,
  }));
  envoy.addHttpFilter(filter);
  if (hold) envoy.addReadinessDependency(cluster);
  if (accessLog) {
    envoy.addAccessLog(EnvoyAccessLog.httpGrpc({
      cluster: SIGSCI_CLUSTER,
      logName: SIGSCI_CLUSTER,
      additionalRequestHeaders: LOGGED_REQUEST_HEADERS,
      additionalResponseHeaders: LOGGED_RESPONSE_HEADERS,
    }));
  }
}

function holdReadiness(
  scope: IConstruct, envoy: EnvoySidecar, endpoint: AgentEndpoint, given: boolean | undefined, failureMode: SigSciFailureMode,
): boolean {
  if (given !== undefined && typeof given !== 'boolean') {
    throw propError(scope, 'holdReadiness', `received ${show(given)}`, 'give true or false');
  }
  const libraryEnvoy = envoy.container !== undefined;
  if (given && !libraryEnvoy) {
    throw propError(scope, 'holdReadiness', `is true, but Envoy sidecar ${envoy.node.path} is delivered by marin3r, whose own probes of the admin API decide the pod's readiness`,
      'drop holdReadiness, or deliver the Envoy configuration with EnvoyDelivery.configMap()');
  }
  return given ?? (failureMode === SigSciFailureMode.FAIL_CLOSED && endpoint.inPod && libraryEnvoy);
}

function extAuthzFilter(scope: IConstruct, options: SigSciEnvoyWiringOptions, failureMode: SigSciFailureMode): EnvoyHttpFilter {
  const timeout = options.grpcTimeout ?? Duration.seconds(1);
  const ms = timeout.toMilliseconds();
  if (!Number.isFinite(ms) || ms < 1) {
    throw propError(scope, 'grpcTimeout', `${ms} ms is not a positive duration`, 'use a duration of at least 1 ms, e.g. Duration.seconds(1)');
  }
  const config: any = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
    'transport_api_version': 'V3',
    'grpc_service': {
      envoy_grpc: { cluster_name: SIGSCI_CLUSTER },
      timeout: `${Math.round(ms) / 1000}s`,
    },
    'failure_mode_allow': failureMode === SigSciFailureMode.FAIL_OPEN,
  };
  if (failureMode === SigSciFailureMode.FAIL_CLOSED) config.status_on_error = { code: 'ServiceUnavailable' };
  else config.failure_mode_allow_header_add = true;
  if (options.maxRequestBodySize !== undefined && options.inspectRequestBody === false) {
    throw propError(scope, 'maxRequestBodySize', 'is set but inspectRequestBody is false', 'drop maxRequestBodySize, or let the agent inspect bodies');
  }
  if (options.inspectRequestBody ?? true) {
    const bytes = sizeBytes(options.maxRequestBodySize ?? Size.kibibytes(8));
    if (!Number.isFinite(bytes) || bytes < 1 || bytes > MAX_BODY_BYTES) {
      throw propError(scope, 'maxRequestBodySize', `${bytes} bytes is outside 1 byte..1 MiB`,
        "use a size up to Size.mebibytes(1), Envoy's per-connection buffer limit, e.g. Size.kibibytes(8)");
    }
    config.with_request_body = { max_request_bytes: bytes, allow_partial_message: true };
  }
  return EnvoyHttpFilter.of('envoy.filters.http.ext_authz', config);
}
