import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import {
  DEFAULT_EGRESS_HOSTS, DEFAULT_SIDECAR_EGRESS_HOSTS, NamespaceEgressSidecar, checkSidecarEgressHost, speedscaleServiceEntry,
} from './istio';
import { checkNoProxyEntry, noProxyEntries, selectProxyContainers, setProxyEnv } from './outbound';
import { ANNOTATION_PREFIX, PROXY_TYPES, SpeedscaleProxyProtocol, SpeedscaleProxyType, forwardsSocks } from './proxy';
import { ISTIO_SIDECAR_PORTS } from '../common/injection';
import { isLibraryContainer } from '../common/pod';
import { requireResources, resourceQuantities } from '../common/resources';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkHostName } from '../validation/names';
import { PodPorts, checkPort, containerName } from '../validation/ports';

/** The container the Speedscale operator injects; it binds the proxy ports. */
const SIDECAR_CONTAINER = 'speedscale-goproxy';
/** Hosts that mean "this pod", where the app must declare the port the reverse proxy forwards to. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1'];

/**
 * What a capture inside an Istio mesh needs beyond the pod annotations.
 */
export interface SpeedscaleIstioOptions {
  /**
   * The Istio release of the mesh ("1.30" or "1.30.3"). It decides the apiVersion of the
   * ServiceEntry and the Sidecar: networking.istio.io/v1 from Istio 1.22, v1beta1 before (which
   * older releases need: they don't serve v1).
   *
   * @default "1.30"
   */
  readonly istioVersion?: string;

  /**
   * The mesh runs the Istio CNI agent. Speedscale requires the
   * `sidecar.speedscale.com/istio-cni: "true"` annotation on such workloads.
   *
   * @default false — the annotation is not set
   */
  readonly cni?: boolean;

  /**
   * The mesh's outbound traffic policy is `REGISTRY_ONLY`, so Speedscale's pods can only reach
   * its cloud endpoints through a ServiceEntry. Emits one `MESH_EXTERNAL` ServiceEntry
   * (`speedscale-external-svc-https`, port 443 `TLS`, resolution `NONE`, `exportTo: ["*"]`) per
   * chart and namespace. Calls your app makes to external hosts still need ServiceEntries of
   * their own.
   *
   * @default false — the mesh allows any outbound traffic (`ALLOW_ANY`); no ServiceEntry
   */
  readonly registryOnly?: boolean;

  /**
   * The hosts of the ServiceEntry (with `registryOnly`). Each is reached over HTTPS on 443.
   *
   * @default SpeedscaleCapture.EGRESS_HOSTS, Speedscale's list of external services (app.speedscale.com, downloads.speedscale.com, the AWS us-east-1 endpoints, gcr.io, speedscale.github.io)
   */
  readonly egressHosts?: string[];

  /**
   * The namespace the Speedscale operator and forwarder run in. The workload's Sidecar egress
   * gets `<speedscaleNamespace>/*`.
   *
   * @default "speedscale"
   */
  readonly speedscaleNamespace?: string;

  /**
   * The namespace of the ServiceEntry for Speedscale's cloud hosts: where it goes with
   * `registryOnly`, and, with `sidecarEgress`, a namespace the Sidecar imports as well (also when
   * another app emits the entry), so that the replay pods in the workload's namespace can use it.
   *
   * @default the speedscale namespace
   */
  readonly serviceEntryNamespace?: string;

  /**
   * Emit the namespace-wide Sidecar `default` (no workloadSelector) in the workload's namespace,
   * with one egress listener whose hosts are `sidecarEgressHosts` plus `<speedscaleNamespace>/*`
   * (and `<serviceEntryNamespace>/*` when it is another namespace), so that the namespace's proxies
   * reach the Speedscale namespace and import the ServiceEntry. It applies to the pods that have
   * no workload-specific Sidecar, e.g. the generator and responder pods Speedscale starts there for
   * replays; the captured workload gets its egress from the Sidecar the operator manages for it
   * (Istio prefers a Sidecar whose workloadSelector selects the pod, and one without egress
   * reaches every namespace).
   *
   * This Sidecar is itself an egress restriction, not an addition to one: without any Sidecar every
   * proxy reaches every namespace (and Speedscale needs nothing here); with it, the namespace's
   * workloads that have no workload-specific Sidecar reach only its hosts. It takes precedence over
   * a mesh-wide default Sidecar in the root namespace, which is the usual reason to emit it: list
   * every namespace the workloads call in `sidecarEgressHosts`. A namespace takes one such Sidecar:
   * if it has one already, add `<speedscaleNamespace>/*` (and the ServiceEntry's namespace) to it
   * instead of enabling this.
   * Workload-specific Sidecars are not emitted, because the Speedscale operator manages one for the
   * inbound proxy.
   *
   * @default false — no Sidecar resource
   */
  readonly sidecarEgress?: boolean;

  /**
   * What the namespace's workloads may reach besides the Speedscale namespace (with
   * `sidecarEgress`), in Istio's `namespace/dnsName` form. Captures in one namespace share the
   * Sidecar; their hosts are merged.
   *
   * @default ["./*", "istio-system/*", "default/kubernetes.default.svc.<clusterDomain>"] — the
   * namespace itself, the Istio control plane and the Kubernetes API server (which REGISTRY_ONLY
   * would otherwise black-hole for every pod of the namespace)
   */
  readonly sidecarEgressHosts?: string[];
}

/**
 * Props of `SpeedscaleCapture`.
 */
export interface SpeedscaleCaptureProps {
  /**
   * The workload whose traffic Speedscale records: a Deployment, StatefulSet, DaemonSet or Job,
   * the kinds the Speedscale operator's admission webhook mutates (a bare Pod or a CronJob is
   * refused: the webhook never sees them, so no sidecar would be injected while the app's proxy
   * variables point at it). Its app containers should be added before the capture is created.
   */
  readonly workload: kplus.AbstractPod;

  /**
   * The port the app listens on, where the reverse proxy forwards inbound traffic
   * (`sidecar.speedscale.com/proxy-port`). Not the proxy's own listening port (see
   * `inboundProxyPort`). Required by reverse and dual proxies; when `appHost` is local, a
   * container of the workload must declare it.
   *
   * @default none — only valid for transparent and forward proxies, which don't use it
   */
  readonly appPort?: number;

  /**
   * The host the reverse proxy forwards inbound traffic to
   * (`sidecar.speedscale.com/proxy-host`), a host name or IPv4 address.
   *
   * @default "localhost" (reverse and dual proxies)
   */
  readonly appHost?: string;

  /**
   * How the sidecar takes traffic in and out of the pod. Inside Istio, TRANSPARENT suits only
   * operators that run both transparent proxies side by side (Speedscale's current docs); the
   * seed's guide uses DUAL.
   *
   * @default SpeedscaleProxyType.DUAL with `istio`, SpeedscaleProxyType.TRANSPARENT without
   */
  readonly proxyType?: SpeedscaleProxyType;

  /**
   * The protocol of the proxies; see `SpeedscaleProxyProtocol` for what each proxy type accepts.
   * Not allowed with a transparent proxy, which ignores it.
   *
   * @default TCP_HTTP for dual, HTTP for forward, TCP for reverse proxies
   */
  readonly proxyProtocol?: SpeedscaleProxyProtocol;

  /**
   * The port the sidecar listens on for inbound traffic (`sidecar.speedscale.com/proxy-in-port`).
   * No other container of the pod may use it. A reverse or dual proxy records only what reaches
   * this port: inside Istio the operator's Sidecar resource sends inbound traffic there; outside a
   * mesh, point the Service's `targetPort` at it (traffic to `appPort` still works, unrecorded).
   *
   * @default 4143, Speedscale's default
   */
  readonly inboundProxyPort?: number;

  /**
   * The port the sidecar listens on for outbound traffic (`sidecar.speedscale.com/proxy-out-port`),
   * which HTTP_PROXY and HTTPS_PROXY point at. No other container of the pod may use it.
   *
   * @default 4140, Speedscale's default
   */
  readonly outboundProxyPort?: number;

  /**
   * Requests and limits of the injected `speedscale-goproxy` container
   * (`sidecar.speedscale.com/cpu-request`, `cpu-limit`, `memory-request`, `memory-limit`, and
   * `ephemeral-storage-request` / `ephemeral-storage-limit` when `ephemeralStorage` is given).
   * CPU and memory requests and limits are all required. GKE Autopilot wants each request equal
   * to its limit.
   *
   * @default - the operator's sidecar defaults (its Helm values' `sidecar.resources`)
   */
  readonly sidecarResources?: kplus.ContainerResources;

  /**
   * Unwrap outbound TLS so encrypted calls are recorded (`sidecar.speedscale.com/tls-out`). The
   * app must then trust Speedscale's certificate authority.
   *
   * @default false
   */
  readonly tlsOut?: boolean;

  /**
   * The containers that get HTTP_PROXY, HTTPS_PROXY and NO_PROXY (forward and dual proxies).
   * A container that already sets one of them, in either case, is an error.
   *
   * @default every container of the workload at the time the capture is created, except the
   * containers this library added; a container added later is an error at synth
   */
  readonly proxyContainers?: string[];

  /**
   * The cluster's DNS domain, whose names bypass the forward proxy (and which names the API server
   * in the default `istio.sidecarEgressHosts`).
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Also record calls to other services of the cluster. NO_PROXY then keeps only loopback, the
   * Kubernetes API server and the cloud metadata endpoints, and in-cluster calls go through the
   * forward proxy.
   *
   * @default false — names under `.svc` and `.<clusterDomain>` bypass the proxy; only calls that
   * leave the cluster are recorded
   */
  readonly captureClusterTraffic?: boolean;

  /**
   * More NO_PROXY entries: host names, `.domain` suffixes, IP addresses or CIDRs (e.g. the
   * short names `my-svc` or `my-svc.my-namespace`, which no suffix rule matches).
   *
   * @default none beyond loopback, the cluster's names, the Kubernetes API server and the cloud metadata endpoints (169.254.169.254, 169.254.170.2, 169.254.170.23, metadata.google.internal)
   */
  readonly noProxy?: string[];

  /**
   * The workload runs in an Istio mesh: selects the non-transparent dual proxy by default and
   * emits the Istio resources asked for. The workload must have a namespace.
   *
   * @default not in an Istio mesh
   */
  readonly istio?: SpeedscaleIstioOptions;
}

/** The annotations that size the injected sidecar. */
function sidecarResourceAnnotations(scope: Construct, resources: kplus.ContainerResources | undefined): Record<string, string> {
  const r = requireResources(scope, 'sidecarResources', resources);
  if (r === undefined) return {};
  const q = resourceQuantities(r);
  const result: Record<string, string | undefined> = {
    'cpu-request': q.cpuRequest,
    'cpu-limit': q.cpuLimit,
    'memory-request': q.memoryRequest,
    'memory-limit': q.memoryLimit,
    'ephemeral-storage-request': q.ephemeralStorageRequest,
    'ephemeral-storage-limit': q.ephemeralStorageLimit,
  };
  return Object.fromEntries(Object.entries(result).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The cluster DNS domain unless `clusterDomain` says otherwise. */
const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * Records a workload's traffic with the Speedscale sidecar.
 *
 * Sets the `sidecar.speedscale.com/*` annotations on the workload, where the Speedscale operator
 * reads them to inject its `speedscale-goproxy` container, and a copy on the pod template. With a
 * forward or dual proxy, the app containers get `HTTP_PROXY`/`HTTPS_PROXY` (and lower-case
 * twins) pointing at the outbound proxy and `NO_PROXY` for loopback, the cluster's names, the
 * Kubernetes API and the cloud metadata endpoints. Inside an Istio
 * mesh it follows Speedscale's Istio guide: a dual proxy (TCP in, HTTP out) instead of two
 * transparent proxies, and optionally the ServiceEntry for Speedscale's cloud endpoints and a
 * Sidecar egress entry for the speedscale namespace.
 *
 * Clients that ignore the proxy variables: Java (set `JAVA_TOOL_OPTIONS` to
 * `-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=4140 -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=4140`,
 * as Speedscale's Java reference does, with the HTTP protocol, plus
 * `-Dhttp.nonProxyHosts=localhost|127.*|*.svc|*.cluster.local`: Java ignores NO_PROXY) and
 * Node.js's http module (Speedscale's docs use global-agent).
 */
export class SpeedscaleCapture extends Construct {
  /**
   * The hosts Speedscale's Istio installation page lists as its external services, as the default
   * of `istio.egressHosts` uses them: a copy, shared by every reader of this property (changing it
   * changes no default, but copy it before extending it: `[...SpeedscaleCapture.EGRESS_HOSTS, 'other.example.com']`).
   */
  public static readonly EGRESS_HOSTS: string[] = [...DEFAULT_EGRESS_HOSTS];

  /** The workload that carries the annotations (on itself and on its pod template). */
  public readonly workload: kplus.AbstractPod;
  /** The proxy type set on the workload. */
  public readonly proxyType: SpeedscaleProxyType;
  /** The proxy protocol set on the workload; undefined for a transparent proxy. */
  public readonly proxyProtocol?: SpeedscaleProxyProtocol;
  /** The value of HTTP_PROXY and HTTPS_PROXY; undefined without a forward proxy. */
  public readonly proxyUrl?: string;
  /** The NO_PROXY entries; empty without a forward proxy. */
  public readonly noProxy: string[];
  /** The names of the containers that got the proxy variables. */
  public readonly proxyContainers: string[];
  /** The ServiceEntry for Speedscale's cloud endpoints (with `istio.registryOnly`). */
  public readonly serviceEntry?: ApiObject;
  /** The namespace-wide Sidecar (with `istio.sidecarEgress`), shared by the captures of a namespace. */
  public readonly sidecar?: ApiObject;

  constructor(scope: Construct, id: string, props: SpeedscaleCaptureProps) {
    super(scope, id);
    const workload = props.workload;
    this.workload = workload;
    if (workload instanceof kplus.Pod) {
      throw propError(this, 'workload', `${show(workload.node.id)} is a bare Pod, which the Speedscale operator's admission webhook doesn't mutate (it handles Deployments, StatefulSets, DaemonSets, Jobs and ReplicaSets), so no sidecar would be injected`,
        'capture a Deployment (or a Job) that runs the pod');
    }
    if (workload instanceof kplus.CronJob) {
      throw propError(this, 'workload', `${show(workload.node.id)} is a CronJob, which the Speedscale operator's admission webhook doesn't mutate; it sees the Jobs the CronJob creates, `
        + 'whose annotations come from spec.jobTemplate.metadata, which cdk8s-plus-25 doesn\'t render, so no sidecar would be injected', 'capture a Job, or a Deployment, that runs the same containers');
    }
    const existing = { ...workload.metadata.toJson().annotations, ...workload.podMetadata.toJson().annotations };
    const taken = Object.keys(existing).find((k) => k.startsWith(ANNOTATION_PREFIX));
    if (taken) {
      throw propError(this, 'workload', `workload ${show(workload.node.id)} already has the Speedscale annotation ${taken}`,
        'attach one SpeedscaleCapture per workload and let it set every sidecar.speedscale.com/ annotation');
    }

    const istio = props.istio;
    const namespace = workload.metadata.namespace;
    if (istio && !namespace) {
      throw propError(this, 'istio', `workload ${show(workload.node.id)} has no namespace`,
        'set metadata.namespace on the workload or a namespace on its Chart: Istio resources and Sidecar egress rules are per namespace');
    }

    this.proxyType = props.proxyType ?? (istio ? SpeedscaleProxyType.DUAL : SpeedscaleProxyType.TRANSPARENT);
    const traits = PROXY_TYPES[this.proxyType];
    if (!traits) {
      throw propError(this, 'proxyType', `${show(props.proxyType)} is not a Speedscale proxy type`, 'use a SpeedscaleProxyType value');
    }
    this.proxyProtocol = this.resolveProtocol(props.proxyProtocol);
    if (istio && traits.reverse && this.proxyProtocol === SpeedscaleProxyProtocol.SOCKS) {
      throw propError(this, 'proxyProtocol', `${show(this.proxyProtocol)} makes the ${this.proxyType} proxy take inbound traffic as SOCKS, but inside Istio it comes from the Envoy sidecar, which forwards plain TCP and never speaks SOCKS`,
        this.proxyType === SpeedscaleProxyType.DUAL ? 'use TCP_SOCKS (TCP in, SOCKS out) or TCP_HTTP, as Speedscale\'s Istio guide does' : 'use TCP or HTTP');
    }
    if (this.proxyType === SpeedscaleProxyType.TRANSPARENT && workload.hostNetwork) {
      throw propError(this, 'proxyType', `TRANSPARENT on workload ${show(workload.node.id)}, which uses the host's network: the sidecar's iptables rules would go into the node's network namespace, where Speedscale's transparent proxy doesn't work`,
        'choose SpeedscaleProxyType.DUAL, REVERSE or FORWARD, or run the workload without hostNetwork');
    }

    const annotations: Record<string, string> = {
      'inject': 'true',
      'capture-mode': 'proxy',
      'proxy-type': this.proxyType,
    };
    if (this.proxyProtocol) annotations['proxy-protocol'] = this.proxyProtocol;
    Object.assign(annotations, this.inboundAnnotations(props));
    Object.assign(annotations, this.portAnnotations(props));
    if (traits.outPort) annotations['tls-out'] = String(props.tlsOut ?? false);
    else this.refuseUnused('tlsOut', props.tlsOut, 'it unwraps outbound TLS');
    if (istio?.cni) annotations['istio-cni'] = 'true';
    Object.assign(annotations, sidecarResourceAnnotations(this, props.sidecarResources));
    // The operator reads them from the workload (Speedscale: "add the sidecar to your deployment,
    // job, stateful set or daemon set"); the pod template gets a copy, so that the pods say how
    // they were set up (the topology reads them there).
    for (const [key, value] of Object.entries(annotations)) {
      workload.metadata.addAnnotation(ANNOTATION_PREFIX + key, value);
      workload.podMetadata.addAnnotation(ANNOTATION_PREFIX + key, value);
    }

    const outbound = this.configureOutbound(props);
    this.proxyUrl = outbound.proxyUrl;
    this.noProxy = outbound.noProxy;
    this.proxyContainers = outbound.containers;

    const release = istio ? IstioRelease.parse(this, 'istio.istioVersion', istio.istioVersion) : undefined;
    // checked once: by configureOutbound for a forward proxy, here otherwise
    const clusterDomain = outbound.clusterDomain ?? checkHostName(this, 'clusterDomain', props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
    const speedscaleNamespace = checkDnsLabel(this, 'istio.speedscaleNamespace', istio?.speedscaleNamespace ?? 'speedscale');
    // where the ServiceEntry is: emitted here (registryOnly) or by another app (sidecarEgress imports it)
    const seNamespace = istio?.registryOnly || (istio?.sidecarEgress && istio.serviceEntryNamespace !== undefined)
      ? checkDnsLabel(this, 'istio.serviceEntryNamespace', istio.serviceEntryNamespace ?? speedscaleNamespace)
      : undefined;
    if (istio?.registryOnly) {
      this.serviceEntry = speedscaleServiceEntry(this, 'istio.egressHosts', seNamespace!, istio.egressHosts ?? DEFAULT_EGRESS_HOSTS, release!);
    } else {
      this.refuseWithout('istio.egressHosts', istio?.egressHosts, 'istio.registryOnly');
      if (!istio?.sidecarEgress) this.refuseWithout('istio.serviceEntryNamespace', istio?.serviceEntryNamespace, 'istio.registryOnly or istio.sidecarEgress');
    }
    if (istio?.sidecarEgress) {
      if (istio.sidecarEgressHosts !== undefined && istio.sidecarEgressHosts.length === 0) {
        throw propError(this, 'istio.sidecarEgressHosts', 'received an empty list, so the namespace\'s Sidecar would let its workloads reach only the Speedscale namespace',
          `list what they call, at least "./*" and "istio-system/*" (the default adds the Kubernetes API, "default/kubernetes.default.svc.${clusterDomain}")`);
      }
      const hosts = (istio.sidecarEgressHosts ?? [...DEFAULT_SIDECAR_EGRESS_HOSTS, `default/kubernetes.default.svc.${clusterDomain}`])
        .map((h, i) => checkSidecarEgressHost(this, `istio.sidecarEgressHosts[${i}]`, h));
      const sidecar = NamespaceEgressSidecar.of(this, namespace!, release!);
      // the Speedscale namespace, and the ServiceEntry's when it is elsewhere: a Sidecar's egress
      // list is also what its workloads import of ServiceEntries (the replay pods in this namespace need it)
      sidecar.addHosts([...hosts, `${speedscaleNamespace}/*`, ...(seNamespace !== undefined && seNamespace !== speedscaleNamespace ? [`${seNamespace}/*`] : [])]);
      this.sidecar = sidecar.apiObject;
    } else {
      this.refuseWithout('istio.sidecarEgressHosts', istio?.sidecarEgressHosts, 'istio.sidecarEgress');
      if (!istio?.registryOnly) this.refuseWithout('istio.speedscaleNamespace', istio?.speedscaleNamespace, 'istio.registryOnly or istio.sidecarEgress');
    }
  }

  /** The protocol to set: the one given if the proxy type accepts it, else the type's default. */
  private resolveProtocol(given: SpeedscaleProxyProtocol | undefined): SpeedscaleProxyProtocol | undefined {
    const traits = PROXY_TYPES[this.proxyType];
    if (given === undefined) return traits.defaultProtocol;
    if (traits.protocols.length === 0) {
      throw propError(this, 'proxyProtocol', `${show(given)} is ignored by a ${this.proxyType} proxy`,
        'leave proxyProtocol out, or choose proxyType REVERSE, FORWARD or DUAL');
    }
    if (!traits.protocols.includes(given)) {
      throw propError(this, 'proxyProtocol', `${show(given)} is not allowed for proxy type ${show(this.proxyType)}`,
        `use one of ${traits.protocols.map((p) => show(p)).join(', ')} (tcp only applies to reverse proxies, tcp:http and tcp:socks only to dual proxies)`);
    }
    return given;
  }

  /** proxy-host and proxy-port: where the reverse proxy forwards inbound traffic. */
  private inboundAnnotations(props: SpeedscaleCaptureProps): Record<string, string> {
    if (!PROXY_TYPES[this.proxyType].reverse) {
      this.refuseUnused('appPort', props.appPort, 'it only applies to reverse and dual proxies');
      this.refuseUnused('appHost', props.appHost, 'it only applies to reverse and dual proxies');
      return {};
    }
    const host = checkHostName(this, 'appHost', props.appHost ?? 'localhost');
    if (props.appPort === undefined) {
      throw propError(this, 'appPort', `missing for a ${this.proxyType} proxy, which forwards inbound traffic to the app's port`,
        'give the port the app container listens on (Speedscale would otherwise assume 80)');
    }
    checkPort(this, 'appPort', props.appPort);
    if (LOOPBACK_HOSTS.includes(host)) PodPorts.of(this.workload).requireServed(this, 'appPort', props.appPort);
    return { 'proxy-host': host, 'proxy-port': String(props.appPort) };
  }

  /** proxy-in-port and proxy-out-port, claimed in the pod for the injected container. */
  private portAnnotations(props: SpeedscaleCaptureProps): Record<string, string> {
    const traits = PROXY_TYPES[this.proxyType];
    const ports = PodPorts.of(this.workload);
    const result: Record<string, string> = {};
    const inPort = props.inboundProxyPort ?? 4143;
    const outPort = props.outboundProxyPort ?? 4140;
    if (props.istio) {
      // the ports Istio's injected proxy binds in the same network namespace
      for (const [prop, port] of [['inboundProxyPort', props.inboundProxyPort], ['outboundProxyPort', props.outboundProxyPort]] as const) {
        if (port !== undefined && ISTIO_SIDECAR_PORTS.includes(port)) {
          throw propError(this, prop, `${port} is a port Istio's sidecar binds in the pod (${ISTIO_SIDECAR_PORTS.join(', ')})`,
            `leave the default, or choose a port other than ${ISTIO_SIDECAR_PORTS.join(', ')}`);
        }
      }
    }
    if (traits.inPort) {
      ports.claim(this, 'inboundProxyPort', inPort, SIDECAR_CONTAINER, 'the Speedscale sidecar\'s inbound proxy (proxy-in-port)');
      result['proxy-in-port'] = String(inPort);
    } else {
      this.refuseUnused('inboundProxyPort', props.inboundProxyPort, 'it only applies to transparent, reverse and dual proxies');
    }
    if (traits.outPort) {
      if (traits.inPort && outPort === inPort) {
        throw propError(this, 'outboundProxyPort', `${outPort} is also the inbound proxy port`, 'give the inbound and outbound proxies two different ports');
      }
      ports.claim(this, 'outboundProxyPort', outPort, SIDECAR_CONTAINER, 'the Speedscale sidecar\'s outbound proxy (proxy-out-port)');
      result['proxy-out-port'] = String(outPort);
    } else {
      this.refuseUnused('outboundProxyPort', props.outboundProxyPort, 'it only applies to transparent, forward and dual proxies');
    }
    return result;
  }

  /** HTTP_PROXY, HTTPS_PROXY and NO_PROXY on the app containers, for a forward proxy. */
  private configureOutbound(props: SpeedscaleCaptureProps): { proxyUrl?: string; noProxy: string[]; containers: string[]; clusterDomain?: string } {
    if (!PROXY_TYPES[this.proxyType].forward) {
      this.refuseUnused('proxyContainers', props.proxyContainers, 'only forward and dual proxies take outbound traffic from the app');
      this.refuseUnused('noProxy', props.noProxy, 'only forward and dual proxies take outbound traffic from the app');
      this.refuseUnused('captureClusterTraffic', props.captureClusterTraffic, 'only forward and dual proxies take outbound traffic from the app');
      if (!props.istio?.sidecarEgress) {
        this.refuseUnused('clusterDomain', props.clusterDomain, 'only forward and dual proxies take outbound traffic from the app, and only istio.sidecarEgress names the API server with it');
      }
      return { noProxy: [], containers: [] };
    }
    const scheme = forwardsSocks(this.proxyProtocol!) ? 'socks5' : 'http';
    // 127.0.0.1 rather than localhost: no resolver involved, and no ::1 first in dual-stack pods
    const proxyUrl = `${scheme}://127.0.0.1:${props.outboundProxyPort ?? 4140}`;
    const clusterDomain = checkHostName(this, 'clusterDomain', props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
    const noProxy = noProxyEntries({
      clusterDomain,
      captureClusterTraffic: props.captureClusterTraffic ?? false,
      extra: (props.noProxy ?? []).map((e, i) => checkNoProxyEntry(this, `noProxy[${i}]`, e)),
    });
    const containers = selectProxyContainers(this, 'proxyContainers', this.workload, props.proxyContainers);
    for (const c of containers) setProxyEnv(this, 'proxyContainers', c, proxyUrl, noProxy);

    if (props.proxyContainers === undefined) {
      // app containers added after this point would silently bypass the capture
      this.node.addValidation({
        validate: () => this.workload.containers
          .filter((c) => !containers.includes(c) && !isLibraryContainer(c))
          .map((c) => propError(this, 'proxyContainers', `container ${show(containerName(c))} was added to workload ${show(this.workload.node.id)} after the SpeedscaleCapture, so its outbound calls bypass the capture`,
            'create the SpeedscaleCapture after adding the container, or name the containers to proxy in proxyContainers').message),
      });
    }
    return { proxyUrl, noProxy, containers: containers.map(containerName), clusterDomain };
  }

  /** Fails when a prop is set that the proxy type doesn't use. */
  private refuseUnused(prop: string, value: unknown, why: string): void {
    if (value !== undefined) {
      throw propError(this, prop, `${show(value)} has no effect with a ${this.proxyType} proxy (${why})`, `remove ${prop} or choose another proxyType`);
    }
  }

  /** Fails when an Istio option is set without the switch that uses it. */
  private refuseWithout(prop: string, value: unknown, switchProp: string): void {
    if (value !== undefined) {
      throw propError(this, prop, `${show(value)} has no effect without ${switchProp}`, `set ${switchProp}: true or remove ${prop}`);
    }
  }
}
