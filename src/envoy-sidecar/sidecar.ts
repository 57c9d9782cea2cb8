import { ApiObject, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import {
  EnvoyAccessLog, EnvoyBootstrap, EnvoyCircuitBreakerOptions, EnvoyCluster, EnvoyClusterDiscovery, EnvoyHashPolicy, EnvoyHealthCheckOptions,
  EnvoyHttpFilter, EnvoyHttpListener, EnvoyLoadBalancing, EnvoyOutlierDetectionOptions, EnvoyOverloadOptions, EnvoyRetryOptions,
  EnvoyTrafficDirection, EnvoyUpstreamProtocol, EnvoyUpstreamTlsOptions,
} from '../envoy';
import { BoundDelivery, EnvoyDelivery, EnvoyDocument } from './delivery';
import { EnvoyTls } from './tls';
import { podSpecPath, terminationGrace } from '../common/pod';
import { cpuCores, memoryQuantity, requireResources } from '../common/resources';
import { MIN_HEAP_BYTES } from '../envoy/bootstrap';
import { EnvoyModelError, quote } from '../envoy/model-error';
import { isResourceName } from '../envoy/values';
import { markForScraping } from '../prometheus/scrape-annotations';
import { EnvoyConfigValidator, EnvoyValidationResult } from '../validation/envoy';
import { describeEnvoyErrors } from '../validation/envoy/assert';
import { propError, show } from '../validation/errors';
import { checkPortName } from '../validation/names';
import { PodPorts, checkPort, checkUnprivilegedPort, containerName } from '../validation/ports';

/** Envoy's log level. */
export enum EnvoyLogLevel {
  TRACE = 'trace',
  DEBUG = 'debug',
  INFO = 'info',
  WARNING = 'warning',
  ERROR = 'error',
  CRITICAL = 'critical',
  OFF = 'off',
}

/** The address families of the pod network that Envoy's inbound and stats listeners accept. */
export enum EnvoyIpFamily {
  /**
   * IPv4 only (`0.0.0.0`): clusters with IPv4 pod addresses, and dual-stack ones whose first
   * family is IPv4, as long as no dual-stack Service sends IPv6 traffic to the pods.
   */
  IPV4 = 'IPv4',
  /** IPv6 only (`::`): IPv6-only clusters. */
  IPV6 = 'IPv6',
  /**
   * Both (`::` with `ipv4_compat`): dual-stack clusters whatever family comes first, and
   * dual-stack Services (`ipFamilyPolicy` PreferDualStack or RequireDualStack), whose second
   * family reaches the pod's other address. Envoy can't start where the pod has IPv6 turned off.
   */
  DUAL_STACK = 'DualStack',
}

/** Envoy in front of the app: terminates TLS on `port` and forwards to the app's `targetPort`. */
export interface EnvoyInboundOptions {
  /**
   * Port Envoy listens on, on the pod's addresses of `ipFamily`: 1024 or higher, since Envoy runs as uid 101
   * without NET_BIND_SERVICE (and marin3r refuses lower ports). Clients keep using 443 or 80
   * through the Service (`exposeViaService`).
   */
  readonly port: number;
  /** Port of the app, which a container of the workload must declare. Envoy reaches it on 127.0.0.1. */
  readonly targetPort: number;
  /**
   * Terminate TLS with this certificate.
   * @default - plaintext HTTP (seed 003's first phase)
   */
  readonly tls?: EnvoyTls;
  /**
   * How long a request to the app may take.
   * @default Duration.seconds(15) (Envoy's route default)
   */
  readonly timeout?: Duration;
  /**
   * How long Envoy keeps an unused connection to the app open for the next request. It must stay
   * below the app's own keep-alive timeout: an app that closes an idle connection first (Node.js,
   * Apache and uvicorn after 5 s, gunicorn's async workers after 2 s) races Envoy, which may send a
   * request on it as it closes, and the client gets a 503 ("upstream connect error ...
   * connection termination") that the app never logged. Reconnecting over 127.0.0.1 costs little.
   * @default Duration.seconds(1)
   */
  readonly appIdleTimeout?: Duration;
  /**
   * Name of Envoy's container port (and of the Service port).
   * @default "envoy-https" with TLS, "envoy-http" without
   */
  readonly portName?: string;
  /**
   * Keep the `x-request-id` callers send (`preserve_external_request_id`), so that one request
   * has one id in the access logs of every service along its way. Envoy counts every client of
   * this listener as external and would otherwise give each request a new id. Turn it off when
   * clients outside your control call this Envoy directly (a LoadBalancer Service) and you don't
   * want them to choose the id (with tracing, Envoy reads its sampling decision from it).
   * @default true
   */
  readonly preserveRequestId?: boolean;
  /**
   * Keep the app container (the one serving `targetPort`) serving what Envoy still forwards
   * while Envoy drains: the kubelet sends SIGTERM to every container at once, and an app that
   * exits on it would answer Envoy's last requests with connection errors (503s to clients).
   * With ConfigMap delivery the container gets a preStop hook that sleeps for `drainTime` + 1 s:
   * Kubernetes' own `sleep` action, which needs no shell in the app's image but Kubernetes 1.30 or
   * newer. A 1.29 API server without the PodLifecycleSleepAction gate drops the hook silently, and
   * older ones don't know the field (refused under strict field validation, dropped with a warning
   * otherwise). The hook also delays a restart of the app after a failed liveness probe by as long.
   * Envoy itself stops when its drain ends, a second before the app gets SIGTERM: calls the app
   * makes through the outbound listeners while it shuts down fail (an app that must make them
   * should do that work in a preStop hook of its own, within the drain time, instead).
   * Under marin3r the shutdown manager holds it until Envoy has drained
   * (`shutdown-manager.extra-lifecycle-hooks`), replacing the container's lifecycle; note that
   * marin3r's hook then also delays a restart of the app after a failed liveness probe until the
   * pod's grace period ends. Refused for an app container with hooks the mechanism would replace,
   * and where Envoy doesn't drain (marin3r without its shutdown manager).
   * @default false — the app must keep serving for drainTime after SIGTERM on its own
   */
  readonly holdApp?: boolean;
  /**
   * Connection upgrades passed through to the app, e.g. `["websocket"]`. `timeout` covers the
   * upgrade request until the app answers 101; the open connection then ends after Envoy's
   * `stream_idle_timeout` (5 minutes by default) without traffic (see connectionManagerOverrides).
   * @default - none: Envoy answers WebSocket and other upgrade requests with 403
   */
  readonly upgradeTypes?: string[];
  /**
   * Raw fields deep-merged into the inbound listener's HttpConnectionManager typed_config
   * (snake_case, e.g. `{ stream_idle_timeout: '300s' }`); the result is validated against
   * Envoy's protos at synth.
   * @default - none
   */
  readonly connectionManagerOverrides?: { [key: string]: any };
}

/**
 * A remote service the app calls through Envoy: the app sends plain HTTP to
 * `127.0.0.1:listenPort` and Envoy takes care of connections, retries, timeouts, circuit
 * breaking and outlier detection towards `address:port`.
 */
export interface EnvoyUpstreamOptions {
  /** Name of the upstream (the Envoy cluster and the `outbound-<name>` listener). */
  readonly name: string;
  /** DNS name or IP address of the remote service, e.g. "mathoid.default.svc.cluster.local". */
  readonly address: string;
  /** Port of the remote service. */
  readonly port: number;
  /** Local port the app calls; Envoy binds it on 127.0.0.1 only (1024 or higher). */
  readonly listenPort: number;
  /**
   * How the remote members are found.
   * @default STATIC for an IP address, STRICT_DNS for a DNS name
   */
  readonly discovery?: EnvoyClusterDiscovery;
  /**
   * HTTP version spoken to the remote service.
   * @default EnvoyUpstreamProtocol.HTTP1
   */
  readonly protocol?: EnvoyUpstreamProtocol;
  /**
   * Originate TLS to the remote service.
   * @default - plaintext
   */
  readonly tls?: EnvoyUpstreamTlsOptions;
  /**
   * Time allowed to connect.
   * @default Duration.seconds(1)
   */
  readonly connectTimeout?: Duration;
  /**
   * How long a request may take, retries included.
   * @default Duration.seconds(15)
   */
  readonly timeout?: Duration;
  /**
   * Retries.
   * @default - no retries
   */
  readonly retries?: EnvoyRetryOptions;
  /**
   * How long Envoy keeps an unused connection to the remote service open for the next request.
   * Keep it below the remote server's keep-alive timeout (see `EnvoyClusterOptions.idleTimeout`):
   * otherwise a request sent as the server closes the connection fails with a 503.
   * @default - Envoy's: one hour
   */
  readonly idleTimeout?: Duration;
  /**
   * What the consistent-hash load balancer hashes requests on; required with
   * `loadBalancing` RING_HASH or MAGLEV (without one they pick a random member per request),
   * refused with the other policies (which would ignore it). The app calls through 127.0.0.1, so
   * hash on a header or a cookie, not on the source IP.
   * @default - none
   */
  readonly hashPolicies?: EnvoyHashPolicy[];
  /**
   * Circuit-breaker thresholds.
   * @default - Envoy's defaults (1024 connections, pending and requests; 3 retries), written out
   */
  readonly circuitBreaker?: EnvoyCircuitBreakerOptions;
  /**
   * Eject members that keep failing. Members are the addresses `address` resolves to: give the
   * DNS name of a headless Service (one address per pod). A ClusterIP Service's name resolves to
   * one virtual IP, so there is a single member and nothing useful to eject. With ConfigMap
   * delivery and an image tag naming Envoy 1.31 or newer (`v1.31.x`; not a digest or another tag),
   * one member may be ejected whatever `maxEjectionPercent` says (`alwaysEjectOneHost` defaults
   * to true); otherwise, and under marin3r (whose protos predate the field), give a
   * `maxEjectionPercent` of at least 100 / members (Envoy 1.28 and later eject none beyond it).
   * @default - no outlier detection
   */
  readonly outlierDetection?: EnvoyOutlierDetectionOptions;
  /**
   * Active HTTP health checks.
   * @default - none
   */
  readonly healthCheck?: EnvoyHealthCheckOptions;
  /**
   * Load-balancing policy.
   * @default EnvoyLoadBalancing.ROUND_ROBIN
   */
  readonly loadBalancing?: EnvoyLoadBalancing;
  /**
   * Set the Host header to the remote name instead of the local address the app used: the DNS
   * name of a DNS-discovered upstream (`auto_host_rewrite`), or `tls.sni` for an upstream given
   * by IP address (`host_rewrite_literal`). True for an IP upstream without `tls.sni` is an error:
   * there is no name to write.
   * @default true for DNS-discovered upstreams, false for upstreams given by IP address
   */
  readonly rewriteHost?: boolean;
}

/** Options of the Service that exposes the sidecar. */
export interface EnvoyServiceOptions {
  /**
   * Name of the Service.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * Service type.
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
  /**
   * Service port of Envoy's inbound listener.
   * @default 443 with TLS, 80 without
   */
  readonly port?: number;
  /**
   * Also expose the app's own port, bypassing Envoy, as port `app-http` (seed 003: "expose both
   * the service and the envoy endpoint" while a team gets used to Envoy). Fails at synth when the
   * inbound listener has HTTP filters (a WAF, ext_authz), which requests to that port would skip.
   * Leaving it off keeps the port out of the Service only: any pod can still reach
   * `<pod IP>:<targetPort>` unless the app listens on 127.0.0.1 alone or a NetworkPolicy admits
   * only Envoy's ports.
   * @default false
   */
  readonly includeAppPort?: boolean;
}

/**
 * Envoy's overload manager in a sidecar delivered by ConfigMap: heap-based load shedding sized from
 * the container's memory limit, and a limit on the connections clients hold.
 */
export interface EnvoySidecarOverloadOptions {
  /**
   * Set false to leave the overload manager out (Envoy then grows until the container's memory
   * limit kills it, and warns at start-up that no connection limit is set).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The share of the container's memory limit, in percent, that Envoy's heap pressure is measured
   * against; the rest is for memory outside the heap (the binary, thread stacks, free pages the
   * allocator keeps). At 92 % of that bound Envoy closes connections as their requests end
   * (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY) and returns free memory to the system; at 95 % it
   * answers new requests with 503 and, on Envoy 1.38 or newer (read from the image tag), closes new
   * connections as it accepts them, until the heap shrinks. A whole number from 10 to 90; the bound
   * must come to at least 16 MiB.
   * @default 80
   */
  readonly heapPercent?: number;
  /**
   * The connections Envoy holds at once on its listeners, the app's own to the outbound ones
   * included (beyond it Envoy closes new connections as it accepts them). The stats listener
   * (probes and scrapes), which bypasses the overload manager, and the admin API are not counted.
   * The heap bound protects memory; this limit bounds file descriptors and idle connections.
   * Raise it for many long-lived connections (WebSockets).
   * @default 10000
   */
  readonly maxConnections?: number;
}

/**
 * Props of `EnvoySidecar`: the workload, what Envoy does in front of the app (`inbound`) and for
 * it (`outbound`), how its configuration gets there (`delivery`), and the container's image,
 * resources, ports and shutdown behaviour.
 */
export interface EnvoySidecarProps {
  /** The workload Envoy runs beside (any cdk8s-plus workload with a pod template). */
  readonly workload: kplus.AbstractPod;
  /**
   * Envoy in front of the app.
   * @default - no inbound listener (an egress-only sidecar)
   */
  readonly inbound?: EnvoyInboundOptions;
  /**
   * Remote services the app calls through Envoy; `addUpstream()` adds more.
   * @default - none
   */
  readonly outbound?: EnvoyUpstreamOptions[];
  /**
   * How the configuration reaches Envoy.
   * @default EnvoyDelivery.configMap()
   */
  readonly delivery?: EnvoyDelivery;
  /**
   * The Envoy image, pinned to a version. With ConfigMap delivery it needs /bin/bash for the
   * preStop drain hook, so the distroless images are refused.
   * @default "envoyproxy/envoy:v1.39.6"
   */
  readonly image?: string;
  /**
   * Requests and limits of the Envoy container, CPU and memory (all four are required).
   * @default - 100m CPU / 64Mi memory requested, 1 CPU / 256Mi limits
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Envoy's worker threads (`--concurrency`). Left alone, Envoy starts one per hardware thread
   * of the node, whatever the container's CPU limit: dozens of workers, each with its own
   * connection pools, throttled into a fraction of a core.
   * @default - the CPU limit rounded up to whole cores, from 2 to 256
   */
  readonly concurrency?: number;
  /**
   * The address families the inbound and stats listeners bind: the kubelet's probes reach the pod
   * on its primary address, which is IPv6 in IPv6-only clusters (and in dual-stack ones that list
   * IPv6 first), and a dual-stack Service on both. The outbound listeners stay on 127.0.0.1, which
   * every pod has, and so does the admin API with ConfigMap delivery (marin3r puts it on the pod IP).
   * @default EnvoyIpFamily.IPV4
   */
  readonly ipFamily?: EnvoyIpFamily;
  /**
   * Port of the admin API, bound to 127.0.0.1 only (ConfigMap delivery; under marin3r it listens
   * on the pod IP, see `EnvoyDelivery.marin3r`).
   * @default 9901
   */
  readonly adminPort?: number;
  /**
   * Port of a listener that serves only `/ready` (the readiness probe) and `/stats/prometheus`
   * from the admin API to the pod network; with ConfigMap delivery nothing else of the admin API
   * is reachable from outside the pod.
   * @default 9902
   */
  readonly statsPort?: number;
  /**
   * How long inbound connections drain when the pod stops. Must leave at least 5 s of the pod's
   * terminationGracePeriod.
   *
   * The kubelet stops every container of the pod at once: while Envoy's preStop hook drains,
   * the app has already been sent SIGTERM (unless it has a preStop hook of its own). Envoy keeps
   * forwarding requests to the app during the drain, so the app must go on serving for this
   * long after SIGTERM, or get a preStop hook that sleeps for it.
   * @default Duration.seconds(15)
   */
  readonly drainTime?: Duration;
  /**
   * Envoy's log level.
   * @default EnvoyLogLevel.INFO
   */
  readonly logLevel?: EnvoyLogLevel;
  /**
   * Log every inbound request as JSON on stdout.
   * @default true
   */
  readonly accessLog?: boolean;
  /**
   * Mark the pod for Prometheus with the `prometheus.io/*` annotations (see
   * `PrometheusScrapeAnnotations`), pointing at `/stats/prometheus` on `statsPort`. Those
   * annotations hold one endpoint per pod: set false when the app's own metrics should have it.
   * @default true
   */
  readonly scrape?: boolean;
  /**
   * Envoy's overload manager (ConfigMap delivery; under marin3r the bootstrap is marin3r's).
   * @default - on, with the defaults of `EnvoySidecarOverloadOptions`, with ConfigMap delivery; none under marin3r
   */
  readonly overload?: EnvoySidecarOverloadOptions;
}

const SIDECARS = new WeakMap<kplus.AbstractPod, EnvoySidecar>();
const ADMIN_CLUSTER = 'envoy-admin';
/** The readiness endpoint on the stats listener. */
const READY_PATH = '/ready';
/** Below the keep-alive timeouts of common app servers (see EnvoyInboundOptions.appIdleTimeout). */
const APP_IDLE_TIMEOUT = Duration.seconds(1);
/** The share of the memory limit Envoy's heap is measured against: Envoy Gateway's figure, which leaves room for what isn't heap. */
const DEFAULT_HEAP_PERCENT = 80;
const DEFAULT_MAX_CONNECTIONS = 10000;

/** A document as last validated: its text (or object), its type and the result. */
interface ValidatedDocument {
  readonly document: string | object;
  readonly typeName: string;
  readonly result: EnvoyValidationResult;
}

/**
 * An Envoy sidecar on a cdk8s-plus workload: TLS termination in front of the app, local
 * listeners for the remote services it calls, readiness and Prometheus stats without exposing
 * the admin API, graceful drain, and a configuration validated against Envoy's protos at synth.
 */
export class EnvoySidecar extends Construct {
  /** The Envoy image the library pins by default. */
  public static readonly DEFAULT_IMAGE = 'envoyproxy/envoy:v1.39.6';

  /** The sidecar attached to a workload, if any. */
  public static of(workload: kplus.AbstractPod): EnvoySidecar | undefined {
    return SIDECARS.get(workload);
  }

  /** The workload Envoy runs beside. */
  public readonly workload: kplus.AbstractPod;
  /** The Envoy configuration model; mutate it through the `add...` methods. */
  public readonly bootstrap: EnvoyBootstrap;
  /** The inbound listener, when `inbound` was given. */
  public readonly inboundListener?: EnvoyHttpListener;
  /** Name of the container Envoy runs in. */
  public readonly containerName: string;
  /** The Envoy container (ConfigMap delivery only; marin3r injects its own). */
  public readonly container?: kplus.Container;
  /** The ConfigMap holding the bootstrap (ConfigMap delivery). */
  public readonly configMap?: kplus.ConfigMap;
  /** The marin3r EnvoyConfig (marin3r delivery). */
  public readonly envoyConfig?: ApiObject;
  /** Node id Envoy reports. */
  public readonly nodeId: string;
  /** Admin API port (127.0.0.1). */
  public readonly adminPort: number;
  /** Port serving /ready and /stats/prometheus. */
  public readonly statsPort: number;
  /** Envoy's worker threads (`--concurrency`). */
  public readonly concurrency: number;
  /**
   * How long inbound connections drain when the pod stops. Containers that serve
   * Envoy (an ext_authz or access-log service in the pod) must keep running at least this long.
   */
  public readonly drainTime: Duration;
  private readonly delivery: BoundDelivery;
  /** The Envoy image. */
  private readonly image: string;
  /** The minor version of the image's Envoy 1.x release, read from its tag once: it decides some fields. */
  private readonly envoyMinor: number | undefined;
  private readonly inbound?: EnvoyInboundOptions;
  /**
   * The last validation of each document (by `where`). cdk8s runs every construct's validations
   * once for the app and again for each chart it synthesizes; a document that is the same text
   * or the same object as last time is not validated again.
   */
  private readonly validated = new Map<string, ValidatedDocument>();
  /** The Services that also publish the app's own port (exposeViaService({ includeAppPort: true })). */
  private readonly appPortServices: string[] = [];
  private readonly statsListener: EnvoyHttpListener;
  /** cluster_min_healthy_percentages of the /ready health_check filter, once there is one. */
  private readinessClusters?: Record<string, { value: number }>;

  constructor(scope: Construct, id: string, props: EnvoySidecarProps) {
    super(scope, id);
    const workload = props.workload;
    if (!workload) throw propError(this, 'workload', 'received undefined', 'pass the cdk8s-plus workload Envoy runs beside');
    const existing = SIDECARS.get(workload);
    if (existing) {
      throw propError(this, 'workload', `workload ${show(workload.node.id)} already has an Envoy sidecar (${existing.node.path})`, 'configure one EnvoySidecar per workload and add listeners or upstreams to it');
    }
    this.workload = workload;
    this.inbound = props.inbound;
    this.adminPort = checkEnvoyPort(this, 'adminPort', props.adminPort ?? 9901);
    this.statsPort = checkEnvoyPort(this, 'statsPort', props.statsPort ?? 9902);
    const drainTime = props.drainTime ?? Duration.seconds(15);
    // whole seconds for Envoy's --drain-time-s; cdk8s refuses toSeconds() on fractions
    const drainSeconds = Math.ceil(drainTime.toMilliseconds() / 1000);
    this.drainTime = Duration.seconds(drainSeconds);

    // the app must serve the target port: checked before Envoy's own container joins the pod
    const appContainer = props.inbound ? PodPorts.of(workload).requireServed(this, 'inbound.targetPort', props.inbound.targetPort) : undefined;

    const apiObject = ApiObject.of(workload);
    const name = apiObject.name;
    const inboundPortName = props.inbound ? checkPortName(this, 'inbound.portName', props.inbound.portName ?? (props.inbound.tls ? 'envoy-https' : 'envoy-http')) : undefined;
    const exposedPorts = [
      ...(props.inbound ? [{ name: inboundPortName!, port: checkEnvoyPort(this, 'inbound.port', props.inbound.port) }] : []),
      { name: 'envoy-stats', port: this.statsPort },
    ];

    const resources = requireResources(this, 'resources', props.resources) ?? {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
    };
    this.concurrency = props.concurrency === undefined ? defaultConcurrency(resources) : checkConcurrency(this, props.concurrency);
    this.image = props.image ?? EnvoySidecar.DEFAULT_IMAGE;
    this.envoyMinor = envoyMinor(this.image);
    this.delivery = (props.delivery ?? EnvoyDelivery.configMap())._bind({
      scope: this,
      workload,
      name,
      namespace: apiObject.metadata.namespace,
      image: this.image,
      resources,
      concurrency: this.concurrency,
      adminPort: this.adminPort,
      statsPort: this.statsPort,
      drainSeconds,
      logLevel: props.logLevel ?? EnvoyLogLevel.INFO,
      exposedPorts,
      bootstrap: () => this.bootstrap.toJson(),
    });
    // the grace period the pods get: the template's, or the one marin3r's webhook sets (once the
    // delivery is bound; marin3r's own check has bounded the drain more tightly by then)
    const { seconds: grace, howToRaise } = terminationGrace(workload);
    if (drainSeconds < 1 || drainSeconds + 5 > grace) {
      throw propError(this, 'drainTime', `${drainSeconds}s does not fit in the pod's terminationGracePeriod of ${grace}s with 5s to spare`,
        `use a drainTime from 1s to ${grace - 5}s, or ${howToRaise}`);
    }
    if (props.drainTime !== undefined && !this.delivery.drains) {
      throw propError(this, 'drainTime', `${drainSeconds}s, but without marin3r's shutdown manager Envoy doesn't drain: it stops on SIGTERM and drops its connections`,
        'drop drainTime, or leave marin3r\'s shutdown manager on (EnvoyDelivery.marin3r({ nodeId }))');
    }
    if (props.inbound?.holdApp === true && appContainer) holdApp(this, workload, appContainer, drainSeconds, this.delivery);
    this.containerName = this.delivery.containerName;
    this.container = this.delivery.container;
    this.configMap = this.delivery.configMap;
    this.envoyConfig = this.delivery.envoyConfig;
    this.nodeId = this.delivery.nodeId;
    // the node id the delivery settled on (EnvoyDelivery.configMap({ nodeId }) or the workload's
    // name); the node's cluster is the workload
    const overload = overloadOptions(this, props.overload, resources, this.delivery, this.envoyMinor);
    this.bootstrap = this.model(() => new EnvoyBootstrap({ nodeId: this.nodeId, nodeCluster: name, adminPort: this.adminPort, overload }),
      (modelProp) => (modelProp === 'overload.maxDownstreamConnections' ? 'overload.maxConnections' : undefined));
    const overloaded = overload !== undefined;
    SIDECARS.set(workload, this);

    // every port Envoy (or a helper container) binds, checked against the rest of the pod
    const ports = PodPorts.of(workload);
    ports.claim(this, 'adminPort', this.adminPort, this.containerName, 'the Envoy admin API');
    ports.claim(this, 'statsPort', this.statsPort, this.containerName, 'the Envoy stats listener');
    for (const extra of this.delivery.extraPorts) ports.claim(this, 'delivery', extra.port, extra.container, extra.description);

    const family = props.ipFamily ?? EnvoyIpFamily.IPV4;
    if (!Object.values(EnvoyIpFamily).includes(family)) {
      throw propError(this, 'ipFamily', `received ${show(family)}`, 'use EnvoyIpFamily.IPV4, IPV6 or DUAL_STACK');
    }
    const bind = family === EnvoyIpFamily.IPV4 ? {} : { address: '::', ipv4Compat: family === EnvoyIpFamily.DUAL_STACK };
    this.statsListener = this.model(() => {
      this.bootstrap.addCluster(new EnvoyCluster({ name: ADMIN_CLUSTER, endpoints: [{ address: '127.0.0.1', port: this.adminPort }] }));
      return this.bootstrap.addListener(new EnvoyHttpListener({
        name: 'stats',
        port: this.statsPort,
        ...bind,
        trafficDirection: EnvoyTrafficDirection.INBOUND,
        useRemoteAddress: false,
        accessLogs: [],
        // probes and scrapes keep working while Envoy sheds load: a readiness that failed with the
        // heap would take every replica under the same load out of its Services at once (and
        // back, without hysteresis), and the metrics would stop when they matter most
        bypassOverloadManager: overloaded,
        idleTimeout: this.delivery.downstreamIdleTimeout,
        routes: [
          { exactPath: READY_PATH, cluster: ADMIN_CLUSTER, timeout: Duration.seconds(5) },
          { exactPath: '/stats/prometheus', cluster: ADMIN_CLUSTER, timeout: Duration.seconds(10) },
        ],
      }));
    });

    if (props.inbound) {
      const inbound = props.inbound;
      ports.claim(this, 'inbound.port', inbound.port, this.containerName, 'the Envoy inbound listener');
      const tls = inbound.tls?._bind(this.delivery);
      this.inboundListener = this.model(() => {
        const app = this.bootstrap.addCluster(new EnvoyCluster({
          name: 'local-app',
          endpoints: [{ address: '127.0.0.1', port: inbound.targetPort }],
          idleTimeout: inbound.appIdleTimeout ?? APP_IDLE_TIMEOUT,
        }));
        return this.bootstrap.addListener(new EnvoyHttpListener({
          name: 'inbound',
          port: inbound.port,
          ...bind,
          tls,
          trafficDirection: EnvoyTrafficDirection.INBOUND,
          preserveExternalRequestId: inbound.preserveRequestId ?? true,
          accessLogs: props.accessLog === false ? [] : [EnvoyAccessLog.stdout()],
          routes: [{ cluster: app.name, timeout: inbound.timeout }],
          idleTimeout: this.delivery.downstreamIdleTimeout,
          upgradeTypes: inbound.upgradeTypes,
          connectionManagerOverrides: inbound.connectionManagerOverrides,
        }));
      }, (modelProp) => (modelProp.startsWith('listener "inbound".upgradeTypes')
        ? `inbound${modelProp.slice('listener "inbound"'.length)}`
        : ({
          'listener "inbound".routes[0].timeout': 'inbound.timeout',
          'listener "inbound".port': 'inbound.port',
          'cluster "local-app".idleTimeout': 'inbound.appIdleTimeout',
        } as Record<string, string>)[modelProp]));
    }
    for (const upstream of props.outbound ?? []) this.addUpstream(upstream);

    if (props.scrape ?? true) {
      markForScraping(this, 'scrape.', workload, { port: this.statsPort, path: '/stats/prometheus' }, {
        by: this.node.path,
        optOut: 'give the EnvoySidecar scrape: false',
        injected: this.container === undefined,
      });
    }

    this.node.addValidation({ validate: () => this.validateConfig() });
  }

  /**
   * Outlier detection as Envoy's release reads it: at least one member ejectable by default where
   * the release has `always_eject_one_host` (1.31), since its max_ejection_percent (10 % by default)
   * otherwise ejects nothing in a cluster of fewer than 10 members.
   */
  private outlierDetection(prop: string, options: EnvoyOutlierDetectionOptions): EnvoyOutlierDetectionOptions {
    const minor = this.envoyMinor;
    if (options.alwaysEjectOneHost === true && minor !== undefined && minor < 31) {
      throw propError(this, `${prop}.outlierDetection.alwaysEjectOneHost`, `true with ${show(this.image)}, whose Envoy (1.${minor}) has no always_eject_one_host and would refuse the configuration`,
        'use Envoy 1.31 or newer, or drop alwaysEjectOneHost and raise maxEjectionPercent to at least 100 / members');
    }
    // under marin3r the control plane's own protos read the clusters, older than the field
    // (its releases to 0.13 predate Envoy 1.31): on only when asked for
    const marin3r = this.container === undefined;
    return { ...options, alwaysEjectOneHost: options.alwaysEjectOneHost ?? (!marin3r && minor !== undefined && minor >= 31) };
  }

  /**
   * Adds a remote service the app calls through Envoy on `127.0.0.1:listenPort`.
   * @returns the Envoy cluster of the upstream
   */
  public addUpstream(upstream: EnvoyUpstreamOptions): EnvoyCluster {
    const prop = `outbound[${show(upstream.name)}]`;
    // the cluster takes the name, the listener "outbound-<name>": both must be Envoy resource names
    if (!isResourceName(upstream.name) || !isResourceName(`outbound-${upstream.name}`)) {
      throw propError(this, `${prop}.name`, `${show(upstream.name)} is not a valid upstream name`,
        'use 1 to 119 letters, digits, ".", "_", "-" or "|", starting with a letter or digit (Envoy\'s listener is named "outbound-<name>", at most 128 characters)');
    }
    checkEnvoyPort(this, `${prop}.listenPort`, upstream.listenPort);
    const hashing = upstream.loadBalancing === EnvoyLoadBalancing.RING_HASH || upstream.loadBalancing === EnvoyLoadBalancing.MAGLEV;
    if (hashing && !upstream.hashPolicies?.length) {
      throw propError(this, `${prop}.hashPolicies`, `missing with loadBalancing ${upstream.loadBalancing}, which then sends every request to a random member`,
        'give what to hash on, e.g. hashPolicies: [EnvoyHashPolicy.header("x-user-id")], or use ROUND_ROBIN or LEAST_REQUEST');
    }
    if (!hashing && upstream.hashPolicies?.length) {
      throw propError(this, `${prop}.hashPolicies`, `given with loadBalancing ${upstream.loadBalancing ?? EnvoyLoadBalancing.ROUND_ROBIN}, which ignores them`,
        'use loadBalancing RING_HASH or MAGLEV, or drop hashPolicies');
    }
    PodPorts.of(this.workload).claim(this, `${prop}.listenPort`, upstream.listenPort, this.containerName, `the Envoy listener of upstream ${show(upstream.name)}`);
    return this.model(() => {
      // both are built (and checked) before either joins the bootstrap
      const cluster = new EnvoyCluster({
        name: upstream.name,
        endpoints: [{ address: upstream.address, port: upstream.port }],
        discovery: upstream.discovery,
        protocol: upstream.protocol,
        tls: upstream.tls,
        connectTimeout: upstream.connectTimeout,
        idleTimeout: upstream.idleTimeout,
        circuitBreaker: upstream.circuitBreaker,
        outlierDetection: upstream.outlierDetection && this.outlierDetection(prop, upstream.outlierDetection),
        healthCheck: upstream.healthCheck,
        loadBalancing: upstream.loadBalancing,
      });
      const listener = new EnvoyHttpListener({
        name: `outbound-${upstream.name}`,
        address: '127.0.0.1',
        port: upstream.listenPort,
        trafficDirection: EnvoyTrafficDirection.OUTBOUND,
        useRemoteAddress: false,
        accessLogs: [],
        idleTimeout: this.delivery.downstreamIdleTimeout,
        routes: [{
          cluster: cluster.name,
          timeout: upstream.timeout,
          retries: upstream.retries,
          ...hostRewrite(upstream, cluster.usesDns),
          hashPolicies: upstream.hashPolicies,
        }],
      });
      this.bootstrap.addCluster(cluster);
      this.bootstrap.addListener(listener);
      return cluster;
    }, (modelProp) => upstreamProp(upstream.name, modelProp));
  }

  /** Adds a cluster (e.g. the gRPC service of an HTTP filter). */
  public addCluster(cluster: EnvoyCluster): EnvoyCluster {
    return this.model(() => this.bootstrap.addCluster(cluster));
  }

  /**
   * Holds the pod's readiness until `cluster` is healthy: `/ready` on `statsPort` (the Envoy
   * container's readiness probe) answers 503 while fewer than `minHealthyPercent` of the
   * cluster's members pass their active health checks, and 200 otherwise. For a service in the
   * pod that Envoy can't do without, e.g. an ext_authz service that fails closed: the pod gets no
   * traffic until it listens, instead of answering 503 during every start. The kubelet marks the
   * pod unready after its own probe failures on top of Envoy's (3 at 10 s by default). Clusters
   * with `outlierDetection` are refused: ejected members count as unhealthy there.
   *
   * `/ready` is then answered by Envoy's health_check filter (not passed through to the admin
   * API); Envoy's listeners accept nothing before its clusters have had their first health check,
   * and `/healthcheck/fail` on the admin API still turns it to 503. ConfigMap delivery only:
   * under marin3r, marin3r's own probes of the admin API decide readiness.
   * @param cluster a cluster of this sidecar with `healthCheck` options
   * @param minHealthyPercent the share of its members that must be healthy, 1-100
   */
  public addReadinessDependency(cluster: EnvoyCluster, minHealthyPercent: number = 100): void {
    const name = cluster instanceof EnvoyCluster ? cluster.name : undefined;
    const prop = `addReadinessDependency(${show(name)})`;
    if (!(cluster instanceof EnvoyCluster) || this.bootstrap.findCluster(cluster.name) !== cluster) {
      throw propError(this, prop, name === undefined ? `received ${show(cluster)}` : `cluster ${show(name)} is not a cluster of this sidecar`,
        'add it first with addCluster or addUpstream, and pass the cluster returned');
    }
    if (!cluster.activeHealthCheck) {
      throw propError(this, prop, `cluster ${show(name)} has no healthCheck, so Envoy counts all its members as healthy and readiness would never wait for it`,
        'give the cluster healthCheck options (no path: a TCP connect check)');
    }
    if (cluster.usesOutlierDetection) {
      throw propError(this, prop, `cluster ${show(name)} has outlierDetection, and the health_check filter counts ejected members as unhealthy, so a burst of upstream errors would take every replica out of its Services at once`,
        'depend on a cluster without outlierDetection (add a second cluster to the same endpoints for the health check if the traffic needs ejection)');
    }
    if (!(Number.isInteger(minHealthyPercent) && minHealthyPercent >= 1 && minHealthyPercent <= 100)) {
      throw propError(this, `${prop}.minHealthyPercent`, `received ${show(minHealthyPercent)}`, 'give a whole percentage from 1 to 100');
    }
    if (this.container === undefined) {
      throw propError(this, prop, "the sidecar is delivered by marin3r, whose injected container is probed by marin3r on the admin API's /ready, not on this sidecar's statsPort",
        "use EnvoyDelivery.configMap() for a readiness that waits for the cluster, or leave readiness to marin3r's probes");
    }
    if (this.readinessClusters === undefined) {
      this.readinessClusters = {};
      const filter = EnvoyHttpFilter.of('envoy.filters.http.health_check', {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
        'pass_through_mode': false,
        'headers': [{ name: ':path', string_match: { exact: READY_PATH } }],
        'cluster_min_healthy_percentages': this.readinessClusters,
      });
      this.model(() => this.statsListener.addHttpFilter(filter));
    }
    this.readinessClusters[cluster.name] = { value: minHealthyPercent };
  }

  /** Adds an HTTP filter to the inbound listener, before the router (filters run in the order added). */
  public addHttpFilter(filter: EnvoyHttpFilter): void {
    this.model(() => this.requireInbound('addHttpFilter').addHttpFilter(filter));
  }

  /** Adds an access logger to the inbound listener. */
  public addAccessLog(log: EnvoyAccessLog): void {
    this.model(() => this.requireInbound('addAccessLog').addAccessLog(log));
  }

  /** Port of the inbound listener, if any. */
  public get inboundPort(): number | undefined {
    return this.inbound?.port;
  }

  /**
   * A Service selecting the workload's pods with Envoy's inbound port (and, when asked, the
   * app's own port).
   */
  public exposeViaService(options: EnvoyServiceOptions = {}): kplus.Service {
    const inbound = this.inbound;
    if (!inbound) {
      throw propError(this, 'exposeViaService', 'the sidecar has no inbound listener to expose', 'give the sidecar inbound options first');
    }
    const apiObject = ApiObject.of(this.workload);
    const ports: kplus.ServicePort[] = [{
      name: inbound.portName ?? (inbound.tls ? 'envoy-https' : 'envoy-http'),
      port: checkPort(this, 'exposeViaService.port', options.port ?? (inbound.tls ? 443 : 80)),
      targetPort: inbound.port,
    }];
    const serviceName = options.name ?? apiObject.name;
    if (options.includeAppPort) {
      ports.push({ name: 'app-http', port: inbound.targetPort, targetPort: inbound.targetPort });
      this.appPortServices.push(serviceName);
    }
    return new kplus.Service(this, 'service', {
      metadata: { name: serviceName, namespace: apiObject.metadata.namespace },
      type: options.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      selector: this.workload,
      ports,
    });
  }

  /**
   * Has `container` (an upstream of this Envoy in the same pod, e.g. a WAF agent) stop only after
   * Envoy drained, when the delivery controls Envoy's stop (marin3r's shutdown manager).
   * @returns whether the delivery coordinates the stop; otherwise the caller keeps its own preStop
   * @internal
   */
  public _coordinateStop(container: string): boolean {
    return this.delivery.coordinateStop(container);
  }

  /** The Envoy documents this sidecar synthesizes (bootstrap or xDS resources), for validation. @internal */
  public _documents(): EnvoyDocument[] {
    return this.delivery.documents();
  }

  private requireInbound(method: string): EnvoyHttpListener {
    if (!this.inboundListener) {
      throw propError(this, method, 'the sidecar has no inbound listener', 'give the sidecar inbound options to filter or log inbound requests');
    }
    return this.inboundListener;
  }

  /**
   * At synth: every route names an existing cluster, and every Envoy document this sidecar
   * produces (the bootstrap, or each marin3r resource) passes Envoy's v3 protos, including what
   * raw overrides and other constructs added to it.
   */
  private validateConfig(): string[] {
    const errors = this.bootstrap.danglingRoutes()
      .map((r) => `${this.node.path}: routes: route ${r} names a cluster that does not exist; add the cluster (addCluster/addUpstream) or fix the route`);
    const reaching = this.delivery.bootstrapPaths;
    const dropped = reaching === undefined ? [] : this.bootstrap.overriddenPaths().filter((p) => !reaching.includes(p));
    if (dropped.length > 0) {
      errors.push(`${this.node.path}: bootstrap.addOverride: sets ${dropped.join(', ')}, which would never reach Envoy: ${this.delivery.bootstrapOwner}; `
        + 'drop the override, put the setting in a listener or cluster (their overrides), or use EnvoyDelivery.configMap()');
    }
    // the app's own port reaches the app without the inbound listener's filters (a WAF, ext_authz);
    // looked at only when a Service publishes that port (this runs on every validation pass)
    const filters = this.appPortServices.length > 0 && this.inboundListener
      ? this.inboundListener.httpFilterNames.filter((f) => f !== 'envoy.filters.http.router') : [];
    if (filters.length > 0) {
      errors.push(`${this.node.path}: exposeViaService.includeAppPort: Service ${show(this.appPortServices[0])} also publishes the app's port ${this.inbound!.targetPort}, `
        + `which reaches the app without the inbound listener's HTTP filters (${filters.join(', ')}); drop includeAppPort so that the Service sends every request through Envoy `
        + '(and have the app listen on 127.0.0.1, or admit only Envoy\'s ports with a NetworkPolicy, against pods that call the pod IP directly)');
    }
    for (const doc of this.delivery.documents()) {
      const result = this.validateDocument(doc);
      if (!result.valid) {
        const { received, fix } = describeEnvoyErrors(result, doc.typeName);
        errors.push(`${this.node.path}: ${doc.where}: ${received}; ${fix}`);
      }
    }
    return errors;
  }

  /** Validates a document against Envoy's protos, or returns the result of its last validation if it is unchanged. */
  private validateDocument(doc: EnvoyDocument): EnvoyValidationResult {
    const document = doc.text ?? doc.json;
    const last = this.validated.get(doc.where);
    if (last && last.document === document && last.typeName === doc.typeName) return last.result;
    const result = EnvoyConfigValidator.validate(doc.json, doc.typeName);
    this.validated.set(doc.where, { document, typeName: doc.typeName, result });
    return result;
  }

  /**
   * Runs model code, turning model errors into errors that name this construct and, through
   * `userProp`, the prop the user gave rather than the model's field.
   */
  private model<T>(fn: () => T, userProp?: (modelProp: string) => string | undefined): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof EnvoyModelError)) throw e;
      const prop = userProp?.(e.prop);
      throw new Error(`${this.node.path}: ${prop === undefined ? e.message : prop + e.message.slice(e.prop.length)}`);
    }
  }
}

/**
 * Keeps the app container serving while Envoy drains. Under marin3r's shutdown manager the manager
 * holds it (`shutdown-manager.extra-lifecycle-hooks`, which replaces the container's lifecycle);
 * otherwise it gets a preStop `sleep` of the drain time. cdk8s-plus-25 renders the workload through
 * its Kubernetes 1.25 types, which lack the sleep action and drop it (JSON patches included), so
 * it is added to the workload's rendered JSON, after them.
 */
function holdApp(scope: Construct, workload: kplus.AbstractPod, app: kplus.Container, drainSeconds: number, delivery: BoundDelivery): void {
  const name = containerName(app);
  if (!delivery.drains) {
    throw propError(scope, 'inbound.holdApp', 'true, but Envoy doesn\'t drain here (marin3r without its shutdown manager stops it on SIGTERM), so there is no drain to hold the app through',
      'drop holdApp, or leave marin3r\'s shutdown manager on');
  }
  const lifecycle = app._toKube().lifecycle;
  if (delivery.holdsStops) {
    if (lifecycle?.preStop !== undefined || lifecycle?.postStart !== undefined) {
      throw propError(scope, 'inbound.holdApp', `true, but container ${show(name)} has lifecycle hooks of its own, which marin3r's shutdown manager would replace with its own preStop hook`,
        'drop holdApp and have the container\'s own preStop hook keep it serving while Envoy drains');
    }
    delivery.coordinateStop(name);
    return;
  }
  if (lifecycle?.preStop !== undefined) {
    throw propError(scope, 'inbound.holdApp', `true, but container ${show(name)} has a preStop hook of its own`,
      `drop holdApp and have that hook keep the app serving for the drain time (${drainSeconds}s)`);
  }
  const path = `${podSpecPath(scope, 'inbound.holdApp', workload)}/containers`.split('/').slice(1);
  const object = ApiObject.of(workload);
  const render = object.toJson.bind(object);
  // a second past Envoy's hook, which starts the drain and then sleeps drainTime
  const seconds = drainSeconds + 1;
  Object.defineProperty(object, 'toJson', {
    configurable: true,
    writable: true,
    value: () => {
      const json = render();
      const containers: any[] = path.reduce((node: any, key) => node?.[key], json) ?? [];
      const container = containers.find((c) => c?.name === name);
      if (!container) {
        throw propError(scope, 'inbound.holdApp', `container ${show(name)} is no longer in the synthesized workload (a JSON patch removed or renamed it)`, 'keep the app container, or drop holdApp');
      }
      if (container.lifecycle?.preStop !== undefined) {
        throw propError(scope, 'inbound.holdApp', `container ${show(name)} got a preStop hook of its own (a JSON patch), which the sleep would replace`,
          'drop holdApp, or the patch');
      }
      container.lifecycle = { ...container.lifecycle, preStop: { sleep: { seconds } } };
      return json;
    },
  });
}

/** How the route of an upstream sets the Host header (see EnvoyUpstreamOptions.rewriteHost). */
function hostRewrite(upstream: EnvoyUpstreamOptions, usesDns: boolean): { autoHostRewrite?: boolean; hostRewrite?: string } {
  if (usesDns) return { autoHostRewrite: upstream.rewriteHost ?? true };
  if (upstream.rewriteHost !== true) return {};
  if (upstream.tls?.sni === undefined) {
    throw new EnvoyModelError(`cluster ${quote(upstream.name)}.rewriteHost`, `is true for the IP address ${show(upstream.address)}, which has no name to write into the Host header`,
      'give tls.sni (the name is then written), use the upstream\'s DNS name as its address, or drop rewriteHost');
  }
  return { hostRewrite: upstream.tls.sni };
}

/** Checks a port Envoy binds (as uid 101). */
function checkEnvoyPort(scope: Construct, prop: string, port: number): number {
  return checkUnprivilegedPort(scope, prop, port, 'Envoy (uid 101)',
    'use a port from 1024 up (e.g. 8443 or 8080; a Service can still offer 443 or 80, see exposeViaService)');
}

/**
 * The prop of an upstream that a model field came from: `cluster "m".circuitBreaker.maxRequests`
 * is `outbound["m"].circuitBreaker.maxRequests`, `listener "outbound-m".routes[0].timeout` is
 * `outbound["m"].timeout`.
 */
function upstreamProp(name: string, modelProp: string): string | undefined {
  const prop = `outbound[${show(name)}]`;
  const cluster = `cluster ${quote(name)}`;
  const listener = `listener ${quote(`outbound-${name}`)}`;
  if (modelProp.startsWith(cluster)) {
    const rest = modelProp.slice(cluster.length);
    const endpoint = /^\.endpoints\[0\]\.(address|port)$/.exec(rest);
    return prop + (endpoint ? `.${endpoint[1]}` : rest);
  }
  if (modelProp.startsWith(listener)) {
    const rest = modelProp.slice(listener.length);
    if (rest === '.port') return `${prop}.listenPort`;
    return prop + (rest.startsWith('.routes[0]') ? rest.slice('.routes[0]'.length) : rest);
  }
  return undefined;
}

/**
 * The bootstrap's overload manager: on by default where the bootstrap reaches Envoy (ConfigMap
 * delivery), the heap bound a share of the container's memory limit.
 * @param minor the minor version of the image's Envoy 1.x release, when its tag says
 */
function overloadOptions(scope: Construct, options: EnvoySidecarOverloadOptions | undefined, resources: kplus.ContainerResources,
  delivery: BoundDelivery, minor: number | undefined): EnvoyOverloadOptions | undefined {
  if (options?.enabled === false) {
    const extra = (['heapPercent', 'maxConnections'] as const).filter((k) => options[k] !== undefined);
    if (extra.length > 0) {
      throw propError(scope, 'overload.enabled', `false, with ${extra.map((k) => `overload.${k}`).join(' and ')} given, which would have no effect`,
        `drop ${extra.length > 1 ? 'them' : 'it'}, or enabled: false`);
    }
    return undefined;
  }
  if (delivery.bootstrapPaths !== undefined && !delivery.bootstrapPaths.includes('overload_manager')) {
    if (options === undefined) return undefined;
    throw propError(scope, 'overload', `given, but ${delivery.bootstrapOwner ?? 'this delivery'}, so Envoy would never see an overload manager`,
      'drop overload (size the container\'s memory limit for the peak instead), or deliver the bootstrap by ConfigMap');
  }
  const percent = options?.heapPercent ?? DEFAULT_HEAP_PERCENT;
  if (!(Number.isInteger(percent) && percent >= 10 && percent <= 90)) {
    throw propError(scope, 'overload.heapPercent', `received ${show(percent)}`,
      'give a whole percentage from 10 to 90 of the memory limit (above 90 the memory outside the heap can reach the limit before Envoy sheds load)');
  }
  // requireResources has made sure of the memory limit
  const limit = resources.memory!.limit!;
  const maxHeapBytes = Math.floor(limit.toKibibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 1024 * percent / 100);
  if (maxHeapBytes < MIN_HEAP_BYTES) {
    throw propError(scope, 'overload.heapPercent', `${percent} % of the memory limit (${memoryQuantity(limit)}) is ${maxHeapBytes} bytes of heap, below 16 MiB: Envoy's heap at rest takes several MiB, so it would shed load from the start`,
      'raise the memory limit of resources (the default is 256Mi), or heapPercent');
  }
  return {
    maxHeapBytes,
    maxDownstreamConnections: options?.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    // only where the connection count survives shedding (see EnvoyOverloadOptions.shedNewConnections)
    shedNewConnections: (minor ?? 0) >= 38,
  };
}

/** The minor version of an Envoy 1.x image tag (`envoyproxy/envoy:v1.39.6` is 39), when the tag says. */
function envoyMinor(image: string): number | undefined {
  const m = /:v?1\.(\d+)(?:\.\d+)?(?:[-@]|$)/.exec(image);
  return m ? Number(m[1]) : undefined;
}

/** Worker threads for a CPU allowance: whole cores of the limit (or request), at least 2. */
function defaultConcurrency(resources: kplus.ContainerResources): number {
  const cpu = resources.cpu?.limit ?? resources.cpu?.request;
  const cores = cpu ? cpuCores(cpu.amount) : undefined;
  return Math.min(MAX_CONCURRENCY, Math.max(2, cores === undefined ? 2 : Math.ceil(cores)));
}

const MAX_CONCURRENCY = 256;

function checkConcurrency(scope: Construct, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw propError(scope, 'concurrency', `${show(value)} is not a worker count`, `use an integer from 1 to ${MAX_CONCURRENCY}, usually the cores of the CPU limit`);
  }
  return value;
}
