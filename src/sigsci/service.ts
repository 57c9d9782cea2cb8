import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { SigSciAgentBaseProps } from './agent';
import { addAgentContainer, checkPreStopDelay, extendRendering } from './container';
import { SigSciEnvoyWiringOptions, wireEnvoy } from './envoy';
import { toJson_DestinationRuleSpec } from '../../imports/istio-networking.istio.io';
import { EnvoyClusterDiscovery } from '../envoy';
import { EnvoySidecar } from '../envoy-sidecar';
import { versionedObject } from '../istio/ingress';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkHostName } from '../validation/names';
import { checkUnprivilegedPort } from '../validation/ports';

/** Options of the Istio DestinationRule that keeps each client pod on one agent inside a mesh. */
export interface SigSciIstioAffinityOptions {
  /**
   * The Istio release; it decides the DestinationRule's apiVersion (networking.istio.io/v1 from
   * 1.22, v1beta1 before).
   * @default "1.30"
   */
  readonly istioVersion?: string;
}

/** Props of `SigSciAgentService`: the agents' Deployment, Service and NetworkPolicy, and the Envoys they serve. */
export interface SigSciAgentServiceProps extends SigSciAgentBaseProps {
  /**
   * Name of the Deployment, the Service and the NetworkPolicy.
   * @default "sigsci-agent"
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the chart's namespace; without one, the namespace `kubectl apply` targets
   */
  readonly namespace?: string;
  /**
   * Agent replicas, scaled independently of the apps they inspect.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Have every connected Envoy send response data through its gRPC access log, and tell the
   * agents to expect it (`SIGSCI_ENVOY_EXPECT_RESPONSE_DATA=1`). The agent keeps state from a
   * request's check until its response arrives, so both must reach the same agent: the Service
   * uses `sessionAffinity: ClientIP` (and `istioAffinity` does the same inside an Istio mesh).
   * @default true
   */
  readonly expectResponseData?: boolean;
  /**
   * How long an agent keeps answering after its pod is asked to stop, while the Service stops
   * sending it new connections.
   * @default Duration.seconds(15)
   */
  readonly preStopDelay?: Duration;
  /**
   * Envoy sidecars (in other workloads) that send their requests to this agent; `addEnvoy()`
   * adds more.
   * @default - none yet; at least one is needed by synth time
   */
  readonly envoys?: EnvoySidecar[];
  /**
   * Keep each client pod on one agent inside an Istio mesh too: a DestinationRule for the Service
   * host with `trafficPolicy.loadBalancer.consistentHash.useSourceIp: true`. An Istio sidecar in
   * the app's pod picks the agent itself, per request, so the Service's `sessionAffinity`, which
   * kube-proxy applies, doesn't hold for it. Give this when the workloads of connected Envoys
   * have an Istio sidecar.
   * @default - no DestinationRule (right for workloads outside a mesh)
   */
  readonly istioAffinity?: SigSciIstioAffinityOptions;
  /**
   * The cluster's DNS domain, which ends the Service host the connected Envoys resolve.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/**
 * The agent as its own Deployment and Service, scaled separately from the apps, for Envoy
 * sidecars in other pods (Fastly's "agent as a service" variant). Each connected Envoy gets a
 * `sigsci-agent-grpc` STRICT_DNS cluster to the Service, the ext_authz filter and the gRPC access
 * log; a NetworkPolicy admits only those workloads to the agents' gRPC port, which listens on
 * 0.0.0.0. The Service has `sessionAffinity: ClientIP`, as Fastly requires for this variant: the
 * agent that checked a request must also get its response data.
 */
export class SigSciAgentService extends Construct {
  /** The agents, `replicas` of them. */
  public readonly deployment: kplus.Deployment;
  /** ClusterIP Service on the gRPC port, with `sessionAffinity: ClientIP`. */
  public readonly service: kplus.Service;
  /** Admits only the workloads of connected Envoys to the gRPC port. */
  public readonly networkPolicy: kplus.NetworkPolicy;
  /** The agent container of the Deployment. */
  public readonly container: kplus.Container;
  /** The Service's DNS name, namespace-qualified when the namespace is known. */
  public readonly host: string;
  /** The gRPC port of the agents and the Service. */
  public readonly grpcPort: number;
  private readonly namespace?: string;
  /** With `istioAffinity`: the DestinationRule that hashes clients onto agents by source IP. */
  public readonly destinationRule?: ApiObject;
  private readonly expectResponseData: boolean;
  private readonly connected = new Set<EnvoySidecar>();

  constructor(scope: Construct, id: string, props: SigSciAgentServiceProps) {
    super(scope, id);
    const name = checkDnsLabel(this, 'name', props.name ?? 'sigsci-agent');
    const namespace = props.namespace ?? Chart.of(this).namespace;
    const metadata = { name, namespace };
    const replicas = props.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw propError(this, 'replicas', `${show(replicas)} is not a replica count`, 'use an integer of at least 1 (2 or more to survive a node loss)');
    }
    this.grpcPort = checkUnprivilegedPort(this, 'grpcPort', props.grpcPort ?? 9999, 'the agent (a non-root user)', 'use a port from 1024 up (e.g. 9999)');
    this.expectResponseData = props.expectResponseData ?? true;
    const clusterDomain = checkHostName(this, 'clusterDomain', props.clusterDomain ?? 'cluster.local');
    this.host = namespace ? `${name}.${namespace}.svc.${clusterDomain}` : name;
    this.namespace = namespace;

    this.deployment = new kplus.Deployment(this, 'deployment', { metadata, replicas });
    const env: Record<string, string> = { SIGSCI_ENVOY_GRPC_ADDRESS: `0.0.0.0:${this.grpcPort}` };
    if (this.expectResponseData) env.SIGSCI_ENVOY_EXPECT_RESPONSE_DATA = '1';
    const agent = addAgentContainer(this, this.deployment, props, {
      env,
      rpcSocket: true,
      ports: [{ number: this.grpcPort, name: 'grpc' }],
      // a TCP probe: the gRPC health service is documented for the agent's ext_proc mode (Fastly's
      // Envoy Gateway guide), not for the ext_authz and access-log listener; the startup probe has
      // already waited for the rules
      readiness: kplus.Probe.fromTcpSocket({ port: this.grpcPort, periodSeconds: Duration.seconds(5), failureThreshold: 3 }),
      preStopDelay: checkPreStopDelay(this, this.deployment, props.preStopDelay ?? Duration.seconds(15)),
      // the clients' failure mode decides what they do while no agent is ready
      waitForRulesByDefault: true,
    });
    this.container = agent.container;

    this.service = new kplus.Service(this, 'service', {
      metadata,
      selector: this.deployment,
      // "grpc-" so that a mesh treats the port as HTTP/2
      ports: [{ name: 'grpc-sigsci', port: this.grpcPort, targetPort: this.grpcPort }],
    });
    // The check and the access-log entry of a request must reach the same agent. cdk8s-plus-25's
    // Service has no prop for it; its ServiceSpec type has the field.
    extendRendering(this.service, (spec) => ({ ...spec, sessionAffinity: 'ClientIP' }));
    if (props.istioAffinity) {
      const istio = IstioRelease.parse(this, 'istioAffinity.istioVersion', props.istioAffinity.istioVersion);
      this.destinationRule = versionedObject(this, 'destination-rule', istio.networkingApiVersion, 'DestinationRule', metadata,
        toJson_DestinationRuleSpec({ host: this.host, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }));
    }
    this.networkPolicy = new kplus.NetworkPolicy(this, 'network-policy', { metadata, selector: this.deployment });
    for (const envoy of props.envoys ?? []) this.addEnvoy(envoy);

    this.node.addValidation({
      validate: () => (this.connected.size === 0
        ? [`${this.node.path}: envoys: no Envoy sidecar sends requests to agent service "${name}"; pass envoys or call addEnvoy(envoy) for each`]
        : []),
    });
  }

  /**
   * Points an Envoy sidecar at the agents: a `sigsci-agent-grpc` STRICT_DNS cluster to the
   * Service, the ext_authz filter and (with `expectResponseData`) the gRPC access log; admits its
   * workload to the gRPC port.
   */
  public addEnvoy(envoy: EnvoySidecar, options: SigSciEnvoyWiringOptions = {}): void {
    if (this.connected.has(envoy)) {
      throw propError(this, 'addEnvoy', `Envoy sidecar ${envoy.node.path} is already connected`, 'connect each Envoy sidecar once');
    }
    // a bare Service name resolves in the client's own namespace only
    const envoyNamespace = ApiObject.of(envoy.workload).metadata.namespace;
    if (this.namespace === undefined && envoyNamespace !== undefined) {
      throw propError(this, 'namespace', `is not known, so the agents' host is the bare name ${show(this.host)}, which Envoy sidecar ${envoy.node.path} in namespace ${show(envoyNamespace)} would resolve in its own namespace`,
        'give the agent service a namespace (or put it in a chart with one)');
    }
    const endpoint = { address: this.host, port: this.grpcPort, discovery: EnvoyClusterDiscovery.STRICT_DNS, inPod: false };
    wireEnvoy(this, envoy, endpoint, options, this.expectResponseData);
    this.networkPolicy.addIngressRule(envoy.workload, [kplus.NetworkPolicyPort.tcp(this.grpcPort)]);
    this.connected.add(envoy);
  }
}
