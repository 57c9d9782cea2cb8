import { ApiObject, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { AGENT_CONTAINER, addAgentContainer, checkPreStopDelay, probedPort } from './container';
import { SigSciCredentials } from './credentials';
import { SigSciEnvoyWiringOptions, SigSciFailureMode, wireEnvoy } from './envoy';
import { SigSciImage } from './image';
import { SigSciAgentOptions } from './options';
import { terminationGrace } from '../common/pod';
import { EnvoyClusterDiscovery } from '../envoy';
import { EnvoySidecar } from '../envoy-sidecar';
import { propError, show } from '../validation/errors';
import { checkPortName } from '../validation/names';
import { PodPorts, checkPort, checkUnprivilegedPort } from '../validation/ports';

/**
 * The agent as a reverse proxy in front of the app (`SIGSCI_REVPROXY_LISTENER`): clients reach the
 * agent's port, the agent inspects each request and forwards it to the app on 127.0.0.1.
 */
export interface SigSciReverseProxyOptions {
  /** Port the agent listens on, on every pod address. The Service should target it. */
  readonly port: number;
  /**
   * Port of the app, which a container of the workload must declare. The agent forwards to
   * `http://127.0.0.1:<appPort>/`; bind the app to 127.0.0.1 so that nothing bypasses the agent.
   */
  readonly appPort: number;
  /**
   * Name of the listener in the agent's configuration.
   * @default "app"
   */
  readonly listenerName?: string;
  /**
   * Forward the client's Host header to the app instead of `127.0.0.1:<appPort>`.
   * @default true
   */
  readonly passHostHeader?: boolean;
  /**
   * Name of the agent's container port and of the Service port. It must not be the name of a port
   * of another container in the pod (Kubernetes resolves a shared name to the first container's
   * port, so a Service naming it would skip the agent).
   * @default - "sigsci-http" for the container port, "http" for the Service port (Istio reads
   * the protocol from the Service port's name)
   */
  readonly portName?: string;
}

/** Options of the Service in front of a reverse-proxy agent. */
export interface SigSciServiceOptions {
  /**
   * Name of the Service.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * Service port.
   * @default 80
   */
  readonly port?: number;
  /**
   * Service type.
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
}

/** Props shared by the sidecar and the service form of the agent. */
export interface SigSciAgentBaseProps {
  /** Where the agent's keys come from: a Secret, through `secretKeyRef`. */
  readonly credentials: SigSciCredentials;
  /**
   * Which image runs and how nodes get it.
   * @default SigSciImage.pinned() — `signalsciences/sigsci-agent:4.75.0`, IfNotPresent
   */
  readonly image?: SigSciImage;
  /**
   * The common agent options, typed.
   * @default - max-procs follows the CPU limit; everything else is the agent's default
   */
  readonly options?: SigSciAgentOptions;
  /**
   * Any other agent option by its config-file name (e.g. `{ "waf-data-log": "/dev/stdout" }`),
   * set as `SIGSCI_<NAME>`. Names that carry credentials, or that the construct sets itself, are
   * rejected.
   * @default - none
   */
  readonly extraOptions?: { [option: string]: string };
  /**
   * Requests and limits of the agent container, CPU and memory (all four are required). Fastly suggests one CPU and at least 500 MB of
   * memory per agent to start with, then sizing from load tests. The default limits meet that; the
   * default requests are below it (a busy node may give the agent only its request, and checks
   * slower than `grpcTimeout` answer 503 when failing closed): for production traffic, request
   * 1 CPU and 512Mi.
   * @default - 250m CPU / 256Mi memory requested, 1 CPU / 512Mi limits
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Keep the agent container, and so its pod, not ready until the agent has loaded the site's
   * rules and configuration (Fastly's Kubernetes startup probe, agent 4.51.0 and newer): the
   * agent serves `/startup` on `startupPort` (`SIGSCI_STARTUP_PROBE_LISTENER`), which answers 503
   * until then, and the container gets an httpGet startupProbe on it (every 2 s, up to 90 times,
   * as in Fastly's guide). Without it a new pod takes traffic while the agent runs only its
   * preliminary inspection. The price: an agent that can't load the rules (no egress to Fastly's
   * cloud, an outage) is restarted every 3 minutes and its pod never becomes ready.
   * @default true; for a SigSciAgent wired into Envoy with failureMode FAIL_OPEN (which chose availability over inspection), false
   */
  readonly waitForRules?: boolean;

  /**
   * Port of the agent's startup endpoint (with `waitForRules`). No other container of the pod may
   * use it.
   * @default 2024, the port of Fastly's guide
   */
  readonly startupPort?: number;

  /**
   * Where the writable emptyDir is mounted. The RPC socket (`rpc-address`) and the shared cache
   * (`shared-cache-dir`) follow it.
   * @default "/sigsci/tmp" (the official image's default)
   */
  readonly tmpDir?: string;

  /**
   * The size limit of the agent's writable emptyDir (`sigsci-tmp`, mounted at `tmpDir`). Beyond
   * it the kubelet evicts the whole pod (the app and Envoy with it); in module mode the app
   * container mounts the same volume for the socket, and what it writes there counts too.
   * @default Size.mebibytes(256)
   */
  readonly tmpSizeLimit?: Size;
  /**
   * Numeric uid (and gid) the agent runs as. `runAsNonRoot` can only verify a numeric user, so one
   * is always set instead of relying on the image's own user. The root filesystem is read-only and
   * the agent writes to the emptyDir (created world-writable by the kubelet), as Fastly's guide
   * prescribes; that the image's agent binary runs under an arbitrary uid is assumed, not tested.
   * @default 65532
   */
  readonly user?: number;
  /**
   * Port of the agent's gRPC listener for Envoy (`SIGSCI_ENVOY_GRPC_ADDRESS`), and of the
   * `sigsci-agent-grpc` cluster. `SigSciAgent` binds it on 127.0.0.1 (Envoy is in the same pod);
   * `SigSciAgentService` binds it on 0.0.0.0 behind its NetworkPolicy.
   * @default 9999
   */
  readonly grpcPort?: number;
}

/** Props of `SigSciAgent`: the workload it joins, its mode (Envoy, reverse proxy or module) and its settings. */
export interface SigSciAgentProps extends SigSciAgentBaseProps, SigSciEnvoyWiringOptions {
  /** The workload the agent runs beside (any cdk8s-plus workload with a pod template). */
  readonly workload: kplus.AbstractPod;
  /**
   * Wire the agent into this Envoy sidecar of the same workload: an ext_authz filter over gRPC
   * to the `sigsci-agent-grpc` cluster (127.0.0.1, HTTP/2) and, with `expectResponseData`, the
   * gRPC access logger. Works with both ConfigMap and marin3r delivery.
   * @default - no Envoy: module mode (the RPC socket), or reverse-proxy mode with `reverseProxy`
   */
  readonly envoy?: EnvoySidecar;
  /**
   * Run the agent as a reverse proxy in front of the app instead.
   * @default - no reverse proxy
   */
  readonly reverseProxy?: SigSciReverseProxyOptions;
  /**
   * Have Envoy send response data (status, headers, sizes) through the gRPC access log, and tell
   * the agent to expect it (`SIGSCI_ENVOY_EXPECT_RESPONSE_DATA=1`). Needs `envoy`.
   * @default true with an Envoy sidecar
   */
  readonly expectResponseData?: boolean;
  /**
   * How long the agent keeps running after the pod is asked to stop, before it gets SIGTERM. With
   * Envoy it must cover Envoy's drain, during which Envoy still asks the agent about requests.
   * Refused under marin3r's shutdown manager (on by default with `EnvoyDelivery.marin3r()`): its
   * webhook replaces the agent's preStop hook with a call to the manager that returns once Envoy
   * has drained, so the agent stops after Envoy without a delay of its own.
   * @default - Envoy's drain time plus 5s with an Envoy sidecar, 15s otherwise; never more than the pod's terminationGracePeriod minus 2s
   */
  readonly preStopDelay?: Duration;
  /**
   * The agent's readiness probe. With `envoy` the gRPC listener binds 127.0.0.1, which the kubelet
   * can't reach (it probes the pod's address), so a `grpc`, `tcpSocket` or `httpGet` probe on the
   * gRPC port is rejected; an exec probe is accepted if your image has a command for it.
   * @default - a TCP probe on the listener in reverse-proxy mode; none with `envoy` (Envoy's readiness waits for the agent instead, see `holdReadiness`) and none in module mode (the agent listens only on a UNIX socket)
   */
  readonly readiness?: kplus.Probe;
}

const AGENTS = new WeakMap<kplus.AbstractPod, SigSciAgent>();
/** Where the gRPC listener binds in Envoy mode, and where Envoy's cluster reaches it. */
const LOOPBACK = '127.0.0.1';

/**
 * The Signal Sciences (Fastly Next-Gen WAF) agent as a sidecar of a cdk8s-plus workload.
 *
 * Three modes, by props:
 * - `envoy`: Envoy gRPC mode — the agent answers Envoy's ext_authz checks and reads its gRPC
 *   access log (Fastly's "Kubernetes Envoy" set-up);
 * - `reverseProxy`: the agent listens in front of the app and forwards to it on 127.0.0.1;
 * - neither: module mode — a module in the app (NGINX, Apache, Go, ...) talks to the agent over
 *   the RPC socket in the shared emptyDir (`mountSocket()`).
 *
 * To run the agent as its own scaled Deployment instead, use `SigSciAgentService`.
 */
export class SigSciAgent extends Construct {
  /** The agent attached to a workload, if any. */
  public static of(workload: kplus.AbstractPod): SigSciAgent | undefined {
    return AGENTS.get(workload);
  }

  /** The workload the agent runs in. */
  public readonly workload: kplus.AbstractPod;
  /** The agent container. */
  public readonly container: kplus.Container;
  /** The emptyDir holding the RPC socket and caches. */
  public readonly tmpVolume: kplus.Volume;
  /** Path of the RPC socket (module mode). */
  public readonly socketPath: string;
  /** Port of the gRPC listener for Envoy, on 127.0.0.1 (Envoy mode). */
  public readonly grpcPort?: number;
  /** Port of the reverse-proxy listener (reverse-proxy mode). */
  public readonly listenerPort?: number;
  private readonly reverseProxy?: SigSciReverseProxyOptions;

  constructor(scope: Construct, id: string, props: SigSciAgentProps) {
    super(scope, id);
    const workload = props.workload;
    if (!workload) throw propError(this, 'workload', 'received undefined', 'pass the cdk8s-plus workload the agent runs beside');
    const existing = AGENTS.get(workload);
    if (existing) {
      throw propError(this, 'workload', `workload ${show(workload.node.id)} already has a SigSci agent (${existing.node.path})`,
        'run one agent per pod: a single agent serves Envoy, modules or the reverse-proxy listener of the whole pod');
    }
    if (props.envoy && props.reverseProxy) {
      throw propError(this, 'envoy', 'Envoy wiring was requested in reverse-proxy mode', 'give either envoy (the agent answers Envoy over gRPC) or reverseProxy (the agent proxies to the app), not both');
    }
    const envoy = props.envoy;
    if (envoy && envoy.workload !== workload) {
      throw propError(this, 'envoy', `the Envoy sidecar ${envoy.node.path} belongs to workload ${show(envoy.workload.node.id)}, not ${show(workload.node.id)}`,
        'wire the agent to the Envoy sidecar of its own workload, or use SigSciAgentService.addEnvoy() for Envoys in other pods');
    }
    const expectResponseData = props.expectResponseData ?? envoy !== undefined;
    if (expectResponseData && !envoy) {
      throw propError(this, 'expectResponseData', 'is true but no Envoy sends response data', 'pass envoy: the EnvoySidecar whose gRPC access log feeds the agent, or leave expectResponseData out');
    }
    if (!envoy) {
      for (const prop of ['grpcTimeout', 'failureMode', 'inspectRequestBody', 'maxRequestBodySize', 'holdReadiness', 'grpcPort'] as const) {
        if (props[prop] !== undefined) throw propError(this, prop, `is set but there is no Envoy to apply it to (received ${show(props[prop])})`, `pass envoy, or drop ${prop}`);
      }
    }
    this.workload = workload;
    const ports = PodPorts.of(workload);
    const env: Record<string, string> = {};
    const containerPorts: kplus.ContainerPort[] = [];
    let readiness = props.readiness;
    let minimumStop: { seconds: number; why: string } | undefined;

    if (envoy) {
      const port = this.grpcPort = checkAgentPort(this, 'grpcPort', props.grpcPort ?? 9999, 'e.g. 9999');
      ports.claim(this, 'grpcPort', port, AGENT_CONTAINER, 'the SigSci agent gRPC listener');
      // Loopback only: Envoy in the same pod is the only client, and the listener has no
      // authentication. The port is still declared (as in seed 000) so tools see who binds it.
      env.SIGSCI_ENVOY_GRPC_ADDRESS = `${LOOPBACK}:${port}`;
      if (expectResponseData) env.SIGSCI_ENVOY_EXPECT_RESPONSE_DATA = '1';
      containerPorts.push({ number: port, name: 'sigsci-grpc' });
      minimumStop = { seconds: envoy.drainTime.toSeconds(), why: `the drain time of Envoy sidecar ${envoy.node.path}` };
    } else if (props.reverseProxy) {
      const rp = this.reverseProxy = props.reverseProxy;
      const port = this.listenerPort = checkAgentPort(this, 'reverseProxy.port', rp.port, 'e.g. 8080; the Service can still offer 80, see exposeViaService');
      PodPorts.of(workload).requireServed(this, 'reverseProxy.appPort', rp.appPort);
      ports.claim(this, 'reverseProxy.port', port, AGENT_CONTAINER, 'the SigSci agent reverse-proxy listener');
      const name = rp.listenerName ?? 'app';
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) {
        throw propError(this, 'reverseProxy.listenerName', `${show(name)} is not a listener name`, 'use letters, digits, "_" and "-", e.g. "app"');
      }
      env.SIGSCI_REVPROXY_LISTENER = `${name}:{listener=http://0.0.0.0:${port},upstreams=http://127.0.0.1:${rp.appPort}/,pass-host-header=${rp.passHostHeader ?? true}}`;
      const portName = checkPortName(this, 'reverseProxy.portName', rp.portName ?? 'sigsci-http');
      ports.claimName(this, 'reverseProxy.portName', portName, AGENT_CONTAINER);
      containerPorts.push({ number: port, name: portName });
      readiness ??= kplus.Probe.fromTcpSocket({ port });
    }

    // Under marin3r's shutdown manager, Envoy's stop is the manager's, and it holds the agent's too:
    // the webhook replaces the agent's preStop hook with a call that returns once Envoy has drained.
    const stopCoordinated = envoy?._coordinateStop(AGENT_CONTAINER) ?? false;
    let preStopDelay: Duration | undefined;
    if (stopCoordinated) {
      if (props.preStopDelay !== undefined) {
        throw propError(this, 'preStopDelay', `is ${props.preStopDelay.toSeconds({ integral: false })}s, but marin3r's shutdown manager (Envoy sidecar ${envoy!.node.path}) replaces the agent's preStop hook with its own, which returns once Envoy has drained`,
          'drop preStopDelay (the agent stops after Envoy\'s drain), or turn the shutdown manager off (EnvoyDelivery.marin3r({ shutdownManager: false }))');
      }
    } else {
      const grace = terminationGrace(workload).seconds;
      const defaultStop = envoy ? Math.min(envoy.drainTime.toSeconds() + 5, grace - 2) : Math.min(15, grace - 2);
      preStopDelay = checkPreStopDelay(this, workload, props.preStopDelay ?? Duration.seconds(defaultStop), minimumStop);
    }
    const agent = addAgentContainer(this, workload, props, {
      env,
      rpcSocket: !props.reverseProxy,
      ports: containerPorts,
      readiness,
      preStopDelay,
      // with FAIL_OPEN the Envoy wiring chose availability: don't hold the pod for the rules
      waitForRulesByDefault: !(envoy && props.failureMode === SigSciFailureMode.FAIL_OPEN),
    });
    this.container = agent.container;
    this.tmpVolume = agent.tmpVolume;
    this.socketPath = agent.socketPath;
    if (envoy && readiness) this.checkLoopbackProbe(readiness);
    AGENTS.set(workload, this);

    if (envoy) {
      const endpoint = { address: LOOPBACK, port: this.grpcPort!, discovery: EnvoyClusterDiscovery.STATIC, inPod: true };
      wireEnvoy(this, envoy, endpoint, props, expectResponseData);
    }
  }

  /**
   * Mounts the agent's emptyDir into an app container at the same path, so that a module in it
   * reaches the RPC socket (`socketPath`). Module mode only.
   */
  public mountSocket(container: kplus.Container): void {
    if (this.grpcPort !== undefined || this.reverseProxy) {
      throw propError(this, 'mountSocket', `the agent runs in ${this.reverseProxy ? 'reverse-proxy' : 'Envoy gRPC'} mode`, 'modules talk to the agent only in module mode (no envoy, no reverseProxy)');
    }
    container.mount(this.socketPath.slice(0, this.socketPath.lastIndexOf('/')), this.tmpVolume);
  }

  /** A kubelet probe of the loopback-only gRPC listener could never pass, and the pod would never be ready. */
  private checkLoopbackProbe(readiness: kplus.Probe): void {
    const port = probedPort(readiness, this.container);
    if (port === this.grpcPort) {
      throw propError(this, 'readiness', `the probe connects to port ${show(port)}, but the gRPC listener binds ${LOOPBACK}:${this.grpcPort}, which the kubelet can't reach`,
        "drop readiness (with holdReadiness, Envoy's readiness waits for the agent), or give an exec probe (kplus.Probe.fromCommand) that your agent image can run");
    }
  }

  /** A Service that sends clients to the agent's reverse-proxy listener. Reverse-proxy mode only. */
  public exposeViaService(options: SigSciServiceOptions = {}): kplus.Service {
    const rp = this.reverseProxy;
    if (!rp || this.listenerPort === undefined) {
      throw propError(this, 'exposeViaService', 'the agent has no reverse-proxy listener to expose', 'give the agent reverseProxy options, or expose the Envoy sidecar instead');
    }
    const apiObject = ApiObject.of(this.workload);
    return new kplus.Service(this, 'service', {
      metadata: { name: options.name ?? apiObject.name, namespace: apiObject.metadata.namespace },
      type: options.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      selector: this.workload,
      ports: [{ name: rp.portName ?? 'http', port: checkPort(this, 'exposeViaService.port', options.port ?? 80), targetPort: this.listenerPort }],
    });
  }
}

/** Checks a port the agent binds: it runs as a non-root user without capabilities. */
function checkAgentPort(scope: Construct, prop: string, port: number, example: string): number {
  return checkUnprivilegedPort(scope, prop, port, 'the agent (a non-root user)', `use a port from 1024 up (${example})`);
}
