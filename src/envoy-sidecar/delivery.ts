import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct, IConstruct } from 'constructs';
import { EnvoyConfig, EnvoyConfigSpecEnvoyApi, EnvoyConfigSpecResourcesType, EnvoyConfigSpecSerialization } from '../../imports/envoyconfigs-marin3r.3scale.net';
import { addConfigHash } from '../common/config-hash';
import { pullPolicyFor } from '../common/image';
import { hardenContainer, markMarin3rShutdownManager, podSpecPath, templateGraceSeconds } from '../common/pod';
import { claimInChart } from '../common/registry';
import { resourceQuantities } from '../common/resources';
import { EnvoyDownstreamTls, EnvoyDownstreamTlsOptions } from '../envoy';
import { TlsSink } from './tls';
import { sdsFileContent } from '../envoy/tls';
import { EnvoyConfigValidator } from '../validation/envoy';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, volumeName } from '../validation/names';

/** A generated Envoy document to validate against Envoy's protos. @internal */
export interface EnvoyDocument {
  /** Where it ends up, for error messages, e.g. `ConfigMap "kuard-envoy" key envoy.json`. */
  readonly where: string;
  readonly typeName: string;
  readonly json: any;
  /**
   * The document as shipped, when it is shipped as text that never changes once written (the
   * ConfigMap's `envoy.json`). Validation results are reused while the text is the same.
   */
  readonly text?: string;
}

/** What the sidecar tells the delivery mode. @internal */
export interface DeliveryContext {
  readonly scope: Construct;
  readonly workload: kplus.AbstractPod;
  /** Base name of the objects the delivery creates. */
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  readonly resources: kplus.ContainerResources;
  /** Envoy's worker threads. */
  readonly concurrency: number;
  readonly adminPort: number;
  readonly statsPort: number;
  readonly drainSeconds: number;
  readonly logLevel: string;
  /** Ports Envoy serves to the pod network, with their names. */
  readonly exposedPorts: Array<{ name: string; port: number }>;
  /** The current bootstrap. */
  bootstrap(): any;
}

/** A delivery mode bound to one sidecar. @internal */
export interface BoundDelivery extends TlsSink {
  /** The container Envoy runs in (added by the library, or injected by marin3r). */
  readonly containerName: string;
  readonly nodeId: string;
  /** Ports bound by containers the delivery adds besides Envoy (marin3r's shutdown manager). */
  readonly extraPorts: Array<{ port: number; container: string; description: string }>;
  readonly container?: kplus.Container;
  readonly configMap?: kplus.ConfigMap;
  readonly envoyConfig?: ApiObject;
  /** Whether Envoy drains its connections when the pod stops (so `drainTime` means something). */
  readonly drains: boolean;
  /** Whether `coordinateStop` holds containers (marin3r's shutdown manager), replacing their lifecycle. */
  readonly holdsStops: boolean;
  /**
   * How long the listeners keep an idle client connection, when the delivery's drain waits for
   * every connection to close (marin3r's shutdown manager); undefined leaves Envoy's hour.
   */
  readonly downstreamIdleTimeout?: Duration;
  /**
   * The parts of the bootstrap that reach Envoy, as paths (`static_resources.listeners`);
   * undefined when all of it does. Overrides of other parts would be dropped.
   */
  readonly bootstrapPaths?: string[];
  /** The sentence that says how this delivery sets up Envoy, for errors about dropped parts. */
  readonly bootstrapOwner?: string;
  /** The Envoy documents this delivery produces. */
  documents(): EnvoyDocument[];
  /**
   * Has a container that Envoy forwards to stop only after Envoy drained, when the delivery
   * controls Envoy's stop (marin3r's shutdown manager); returns whether it does.
   */
  coordinateStop(container: string): boolean;
}

/** Options of ConfigMap delivery. */
export interface ConfigMapDeliveryOptions {
  /**
   * Node id Envoy reports.
   * @default - the workload's name
   */
  readonly nodeId?: string;
}

/** Options of marin3r delivery. */
export interface Marin3rDeliveryOptions {
  /**
   * The node id shared by the pods' `marin3r.3scale.net/node-id` annotation and the
   * EnvoyConfig's `spec.nodeID`. A DNS-1123 label, unique among the EnvoyConfigs of the namespace.
   */
  readonly nodeId: string;
  /**
   * Let marin3r's shutdown manager drain Envoy before the pod stops. Its preStop hook fails
   * Envoy's health checks through the admin API on localhost:9901 (so `adminPort` must stay 9901),
   * waits 15 s, then checks every 5 s until no downstream connection is left, with no deadline
   * of its own: the pod's grace period bounds the drain. marin3r's webhook sets that grace period
   * (and Envoy's `--drain-time-s`, which governs listeners an EnvoyConfig update replaces) to the
   * `shutdown-manager.drain-time` annotation, whatever the template says. The library writes it
   * as the drain's allowance (the 15 s wait or `drainTime`, whichever is longer, and one 5 s
   * poll) plus the template's grace period (30 s unless set), because the containers whose stop
   * the shutdown manager holds (a SigSci agent) get SIGTERM only after the drain and still need
   * their own time to stop: 50 s with the defaults.
   * @default true
   */
  readonly shutdownManager?: boolean;
}

/** How the Envoy configuration reaches Envoy. */
export abstract class EnvoyDelivery {
  /**
   * The library adds the Envoy container to the pod and ships a static bootstrap in a
   * ConfigMap (`envoy.json`), with a content hash on the pod template so that a change rolls
   * the pods.
   */
  public static configMap(options: ConfigMapDeliveryOptions = {}): EnvoyDelivery {
    return new ConfigMapDelivery(options);
  }

  /**
   * marin3r injects the Envoy sidecar (pod label `marin3r.3scale.net/status: enabled` and the
   * `marin3r.3scale.net/*` annotations) and serves the listeners, clusters and certificates from
   * an EnvoyConfig over xDS; changes apply without restarts. The namespace needs a marin3r
   * DiscoveryService (see `Marin3rDiscoveryService`). The library adds no Envoy container.
   *
   * What marin3r decides, not this library: the injected container has no securityContext, so
   * the workload must set a pod-level user (e.g. `securityContext: { user: 101, group: 101 }`;
   * synth fails without one), and its root filesystem is writable with the runtime's default
   * capabilities. The admin API listens on the pod IP, because marin3r's own liveness and
   * readiness probes call `/ready` on it, and so does the shutdown manager's HTTP server (port
   * 8090, whose `/drain` fails Envoy's health checks): any pod that reaches them can stop Envoy
   * (`/quitquitquit`) or take the pod out of its Services. Restrict both ports with a
   * NetworkPolicy where other pods must not reach them (the kubelet's probes from the node are not
   * subject to NetworkPolicy). With the shutdown manager, marin3r's webhook also sets the pod's
   * terminationGracePeriodSeconds (see `Marin3rDeliveryOptions.shutdownManager`).
   */
  public static marin3r(options: Marin3rDeliveryOptions): EnvoyDelivery {
    return new Marin3rDelivery(options);
  }

  /** @internal */
  public abstract _bind(ctx: DeliveryContext): BoundDelivery;
}

const CONFIG_DIR = '/etc/envoy';
/** The admin address marin3r's shutdown manager calls (its --envoy-admin-address default). */
const MARIN3R_SHUTDOWN_ADMIN_PORT = 9901;
/** The name of the admin port in the container marin3r injects. */
const MARIN3R_ADMIN_PORT_NAME = 'admin';
/** Seconds marin3r's shutdown manager waits before checking the drain, and between checks. */
const MARIN3R_CHECK_DRAIN_DELAY = 15;
const MARIN3R_DRAIN_POLL = 5;
/**
 * Envoy closes a connection that was idle this long after its drain timeout (5 s): 8 s gets every
 * idle connection closed within 13 s, before the shutdown manager's first poll at 15 s.
 */
const MARIN3R_DOWNSTREAM_IDLE_TIMEOUT = Duration.seconds(8);
const SDS_FILE_TYPE = 'envoy.service.discovery.v3.DiscoveryResponse';
const TLS_DIR = '/etc/envoy/tls';

class ConfigMapDelivery extends EnvoyDelivery {
  constructor(private readonly options: ConfigMapDeliveryOptions) {
    super();
  }

  public _bind(ctx: DeliveryContext): BoundDelivery {
    const nodeId = this.options.nodeId ?? ctx.name;
    const sdsFiles = new Map<string, any>();
    let rendered: string | undefined;
    /** Serializes the bootstrap (once: the text never changes afterwards); returns the object serialized. */
    const render = () => {
      const bootstrap = ctx.bootstrap();
      // pretty-printed: people read it with `kubectl get configmap -o yaml`
      rendered = JSON.stringify(bootstrap, undefined, 2);
      return bootstrap;
    };
    const configJson = (): string => {
      if (rendered === undefined) render();
      return rendered!;
    };

    const configMap = new kplus.ConfigMap(ctx.scope, 'config', {
      metadata: { name: `${ctx.name}-envoy`, namespace: ctx.namespace },
    });
    configMap.addData('envoy.json', Lazy.any({ produce: configJson }));
    const configVolume = kplus.Volume.fromConfigMap(ctx.scope, 'config-volume', configMap, { name: 'envoy-config' });

    const args = [
      '-c', `${CONFIG_DIR}/envoy.json`,
      '--log-level', ctx.logLevel,
      '--concurrency', String(ctx.concurrency),
      '--drain-time-s', String(ctx.drainSeconds),
      '--drain-strategy', 'immediate',
      '--disable-hot-restart',
    ];
    // Drain the inbound listeners (clients get `Connection: close` / GOAWAY) while outbound
    // listeners keep serving the app's own calls, then wait; SIGTERM follows when this returns.
    // The stock image has bash but no curl, so the admin request goes over /dev/tcp.
    const drain = [
      `exec 3<>/dev/tcp/127.0.0.1/${ctx.adminPort}`,
      'printf \'POST /drain_listeners?inboundonly&graceful&skip_exit HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n\' >&3',
      'cat <&3 >/dev/null',
    ].join(' && ');
    // the drain hook below runs bash, which the distroless Envoy images don't have
    if (/distroless/i.test(ctx.image)) {
      throw propError(ctx.scope, 'image', `${show(ctx.image)} is a distroless image, without the /bin/bash the preStop drain hook runs (the hook would fail and Envoy would stop without draining)`,
        `use the standard envoyproxy/envoy image of the same version, e.g. ${show(ctx.image.replace(/distroless-/i, ''))}`);
    }
    const container = ctx.workload.addContainer({
      name: 'envoy',
      image: ctx.image,
      imagePullPolicy: pullPolicyFor(ctx.image),
      // Run the binary directly: the image's entrypoint would try to switch to uid 101 with
      // su-exec, which needs root. The container already runs as 101 (the image's envoy user).
      command: ['envoy'],
      args,
      ports: ctx.exposedPorts.map((p) => ({ number: p.port, name: p.name })),
      securityContext: { user: 101, group: 101, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      resources: ctx.resources,
      readiness: kplus.Probe.fromHttpGet('/ready', { port: ctx.statsPort }),
      liveness: kplus.Probe.fromTcpSocket({ port: ctx.statsPort }),
      lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/bash', '-c', `${drain}; sleep ${ctx.drainSeconds}`]) },
      volumeMounts: [{ path: CONFIG_DIR, volume: configVolume, readOnly: true }],
    });
    hardenContainer(ctx.scope, ctx.workload, container);
    addConfigHash(ctx.workload, `${ctx.name}-envoy`, () => JSON.stringify({ config: configJson(), sds: [...sdsFiles.entries()] }));

    return {
      containerName: 'envoy',
      nodeId,
      extraPorts: [],
      container,
      configMap,
      coordinateStop: () => false,
      drains: true,
      holdsStops: false,
      tlsFromSecret(secret: kplus.ISecret, options: EnvoyDownstreamTlsOptions): EnvoyDownstreamTls {
        const secretName = requireSecret(ctx.scope, secret, ctx.workload);
        if (!sdsFiles.has(secretName)) {
          const dir = `${TLS_DIR}/${secretName}`;
          const volume = kplus.Volume.fromSecret(ctx.scope, `tls-${secretName}`, secret, { name: volumeName('tls', secretName) });
          container.mount(dir, volume, { readOnly: true });
          const sds = sdsFileContent(secretName, `${dir}/tls.crt`, `${dir}/tls.key`, dir);
          sdsFiles.set(secretName, sds);
          configMap.addData(`sds-${secretName}.json`, JSON.stringify(sds, undefined, 2));
        }
        // the SDS file is re-read on moves into the ConfigMap's mount; the certificate on moves into the Secret's
        return EnvoyDownstreamTls.fromSdsFile(secretName, `${CONFIG_DIR}/sds-${secretName}.json`, CONFIG_DIR, options);
      },
      documents(): EnvoyDocument[] {
        const where = `ConfigMap ${show(`${ctx.name}-envoy`)}`;
        const source = rendered === undefined ? render() : undefined;
        const text = rendered!;
        const bootstrap = { where: `${where} key envoy.json`, typeName: EnvoyConfigValidator.BOOTSTRAP, text };
        return [
          // What is validated is what Envoy reads: JSON.parse(text). When the text was serialized
          // just now from an object that holds only JSON data, that object is the same value, and
          // parsing is skipped; otherwise the text is parsed, only when a validation needs it.
          source !== undefined && isJsonData(source) ? { ...bootstrap, json: source } : { ...bootstrap, get json() { return JSON.parse(text); } },
          // what Envoy reads from a path_config_source: a DiscoveryResponse whose resources are Secrets
          ...[...sdsFiles.entries()].map(([name, sds]) => ({ where: `${where} key sds-${name}.json`, typeName: SDS_FILE_TYPE, json: sds })),
        ];
      },
    };
  }
}

/** The node ids of marin3r deliveries, per chart: "<namespace>/<node id>" -> construct path. */
const MARIN3R_NODE_IDS = new WeakMap<IConstruct, Map<string, string>>();

class Marin3rDelivery extends EnvoyDelivery {
  constructor(private readonly options: Marin3rDeliveryOptions) {
    super();
  }

  public _bind(ctx: DeliveryContext): BoundDelivery {
    if (this.options.nodeId === undefined || this.options.nodeId === '') {
      throw propError(ctx.scope, 'delivery.nodeId', `received ${show(this.options.nodeId)}`, 'give EnvoyDelivery.marin3r() the node id shared by the pods and the EnvoyConfig');
    }
    const nodeId = checkDnsLabel(ctx.scope, 'delivery.nodeId', this.options.nodeId);
    // marin3r keys its xDS snapshots by node id: two EnvoyConfigs of one namespace with the same
    // id would overwrite each other's configuration
    const taken = claimInChart(MARIN3R_NODE_IDS, ctx.scope, `${ctx.namespace ?? ''}/${nodeId}`);
    if (taken !== undefined) {
      throw propError(ctx.scope, 'delivery.nodeId', `${show(nodeId)} is already the node id of ${taken}${ctx.namespace ? ` in namespace ${show(ctx.namespace)}` : ''}`,
        'give each workload its own node id (marin3r serves one configuration per node id and namespace, so the two would overwrite each other\'s)');
    }
    // marin3r's webhook adds the Envoy container without a securityContext, and the image starts
    // as root: only a pod-level user keeps it off uid 0 (and lets a runAsNonRoot pod start at all)
    const podUser = ctx.workload.securityContext.user;
    if (podUser === undefined || podUser === 0) {
      const consequence = ctx.workload.securityContext.ensureNonRoot
        ? 'the kubelet refuses to start a root container in a runAsNonRoot pod'
        : 'Envoy would run as root';
      throw propError(ctx.scope, 'delivery', `marin3r injects the Envoy container without a securityContext and ${show(ctx.image)} starts as root, `
        + `but the pod of workload ${show(ctx.workload.node.id)} sets ${podUser === undefined ? 'no user' : 'user 0'} (${consequence})`,
      "give the workload a pod-level securityContext: { user: 101, group: 101 } (the image's envoy user); app containers that need another uid set their own");
    }
    const shutdownManager = this.options.shutdownManager ?? true;
    if (shutdownManager) {
      // marin3r starts the shutdown manager with its port only: it calls the admin API on
      // localhost:9901 whatever admin.port says, and waits 15 s before it checks the drain
      if (ctx.adminPort !== MARIN3R_SHUTDOWN_ADMIN_PORT) {
        throw propError(ctx.scope, 'adminPort', `${ctx.adminPort} with marin3r's shutdown manager, which always calls the admin API on localhost:${MARIN3R_SHUTDOWN_ADMIN_PORT}`,
          `leave adminPort at ${MARIN3R_SHUTDOWN_ADMIN_PORT} (EnvoyDelivery.marin3r({ nodeId, shutdownManager: false }) would allow another port, but then Envoy stops without draining)`);
      }
    }
    // marin3r's webhook gives the pod the drain-time annotation as its grace period: the drain's
    // allowance (the shutdown manager's wait or the drain, and one poll), then the template's grace
    // period for the containers whose stop the shutdown manager holds until the drain is over
    const grace = Math.max(ctx.drainSeconds, MARIN3R_CHECK_DRAIN_DELAY) + MARIN3R_DRAIN_POLL + templateGraceSeconds(ctx.workload);
    // marin3r's injected container always declares its admin port under this name
    const reserved = ctx.exposedPorts.find((p) => p.name === MARIN3R_ADMIN_PORT_NAME);
    if (reserved) {
      throw propError(ctx.scope, 'inbound.portName', `"${MARIN3R_ADMIN_PORT_NAME}" (port ${reserved.port}) is the name marin3r gives the admin port of the container it injects, so the pod would have two ports of that name`,
        'choose another name, e.g. "envoy-https"');
    }
    const secrets = new Set<string>();
    const stopHooks: string[] = [];

    ctx.workload.podMetadata.addLabel('marin3r.3scale.net/status', 'enabled');
    // the containers marin3r injects have no securityContext: the pod's seccomp profile is theirs
    // (the pod-level user above keeps them off root)
    ApiObject.of(ctx.workload).addJsonPatch(JsonPatch.add(`${podSpecPath(ctx.scope, 'workload', ctx.workload)}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    if (shutdownManager) markMarin3rShutdownManager(ctx.workload, grace);
    const annotations: Record<string, string> = {
      'marin3r.3scale.net/node-id': nodeId,
      'marin3r.3scale.net/envoy-api-version': 'v3',
      'marin3r.3scale.net/envoy-image': ctx.image,
      'marin3r.3scale.net/ports': ctx.exposedPorts.map((p) => `${p.name}:${p.port}`).join(','),
      // The admin API stays on marin3r's default address (the pod IP): the liveness and readiness
      // probes marin3r gives the Envoy container call /ready on the admin port through it.
      'marin3r.3scale.net/admin.port': String(ctx.adminPort),
      // appended to the injected container's args, split on spaces
      'marin3r.3scale.net/envoy-extra-args': `--log-level ${ctx.logLevel} --concurrency ${ctx.concurrency}`,
      'marin3r.3scale.net/shutdown-manager.enabled': String(shutdownManager),
    };
    if (shutdownManager) annotations['marin3r.3scale.net/shutdown-manager.drain-time'] = String(grace);
    const q = resourceQuantities(ctx.resources);
    if (q.cpuRequest) annotations['marin3r.3scale.net/resources.requests.cpu'] = q.cpuRequest;
    if (q.cpuLimit) annotations['marin3r.3scale.net/resources.limits.cpu'] = q.cpuLimit;
    if (q.memoryRequest) annotations['marin3r.3scale.net/resources.requests.memory'] = q.memoryRequest;
    if (q.memoryLimit) annotations['marin3r.3scale.net/resources.limits.memory'] = q.memoryLimit;
    for (const [k, v] of Object.entries(annotations)) ctx.workload.podMetadata.addAnnotation(k, v);

    const resources = () => {
      const b = ctx.bootstrap();
      return [
        ...[...secrets].sort().map((name) => ({ type: EnvoyConfigSpecResourcesType.SECRET, generateFromTlsSecret: name })),
        ...b.static_resources.clusters.map((value: any) => ({ type: EnvoyConfigSpecResourcesType.CLUSTER, value })),
        ...b.static_resources.listeners.map((value: any) => ({ type: EnvoyConfigSpecResourcesType.LISTENER, value })),
      ];
    };
    const envoyConfig = new EnvoyConfig(ctx.scope, 'envoy-config', {
      metadata: { name: ctx.name, namespace: ctx.namespace },
      spec: {
        nodeId,
        envoyApi: EnvoyConfigSpecEnvoyApi.V3,
        serialization: EnvoyConfigSpecSerialization.JSON,
        resources: Lazy.any({ produce: resources }),
      },
    });

    return {
      containerName: 'envoy-sidecar',
      nodeId,
      extraPorts: shutdownManager ? [{ port: 8090, container: 'envoy-shtdn-mgr', description: "marin3r's shutdown manager" }] : [],
      envoyConfig,
      drains: shutdownManager,
      holdsStops: shutdownManager,
      // The shutdown manager fails Envoy's health check, waits 15 s, then polls until no downstream
      // connection is left, without a deadline: Envoy closes a busy connection after its next
      // response, but an idle one (a scraper's, the held app's pool to the outbound listeners, a
      // client's keep-alive) only when it times out, after an hour by default, so the drain would
      // last until the grace period ends and the held containers would get the kubelet's last 2 s.
      downstreamIdleTimeout: shutdownManager ? MARIN3R_DOWNSTREAM_IDLE_TIMEOUT : undefined,
      // marin3r's init manager writes its own bootstrap (node, admin, ADS); only the listeners and
      // clusters of this one reach Envoy, through the EnvoyConfig
      bootstrapPaths: ['static_resources.listeners', 'static_resources.clusters'],
      bootstrapOwner: 'marin3r writes its own bootstrap (node, admin, ADS), and only the listeners and clusters reach Envoy, through the EnvoyConfig',
      coordinateStop(container: string): boolean {
        if (!shutdownManager) return false;
        // marin3r's shutdown manager holds the stop of the containers named here (upstreams of
        // the Envoy sidecar) until Envoy has drained
        if (!stopHooks.includes(container)) stopHooks.push(container);
        ctx.workload.podMetadata.addAnnotation('marin3r.3scale.net/shutdown-manager.extra-lifecycle-hooks', stopHooks.join(','));
        return true;
      },
      tlsFromSecret(secret: kplus.ISecret, options: EnvoyDownstreamTlsOptions): EnvoyDownstreamTls {
        // marin3r reads tls.crt and tls.key only from Secrets of type kubernetes.io/tls, and refuses
        // the node's whole snapshot (every listener and cluster) when the type is another
        if (secret instanceof kplus.Secret) {
          const type = ApiObject.of(secret).toJson().type ?? 'Opaque';
          if (type !== 'kubernetes.io/tls') {
            throw propError(ctx.scope, 'inbound.tls', `Secret ${show(secret.name)} has type ${show(type)}, but marin3r reads certificates only from Secrets of type "kubernetes.io/tls" and would publish none of the node's configuration`,
              'create it as a kplus.TlsSecret (or with type "kubernetes.io/tls"), as cert-manager does');
          }
        }
        secrets.add(requireSecret(ctx.scope, secret, ctx.workload));
        return EnvoyDownstreamTls.fromAds(secret.name, options);
      },
      documents(): EnvoyDocument[] {
        const b = ctx.bootstrap();
        const where = `EnvoyConfig ${show(ctx.name)}`;
        return [
          ...b.static_resources.clusters.map((json: any) => ({ where: `${where} cluster ${show(json.name)}`, typeName: EnvoyConfigValidator.CLUSTER, json })),
          ...b.static_resources.listeners.map((json: any) => ({ where: `${where} listener ${show(json.name)}`, typeName: EnvoyConfigValidator.LISTENER, json })),
        ];
      },
    };
  }
}

function requireSecret(scope: Construct, secret: kplus.ISecret | undefined, workload: kplus.AbstractPod): string {
  if (!secret || typeof secret.name !== 'string' || secret.name === '') {
    throw propError(scope, 'inbound.tls', `no certificate Secret was given (received ${show(secret?.name)})`,
      'pass EnvoyTls.fromSecret(secret) with a kubernetes.io/tls Secret (e.g. the one a cert-manager Certificate writes)');
  }
  // a pod mounts, and marin3r reads, Secrets of the pod's own namespace only
  const secretNamespace = namespaceOf(secret);
  const podNamespace = namespaceOf(workload);
  if (secretNamespace !== undefined && podNamespace !== undefined && secretNamespace !== podNamespace) {
    throw propError(scope, 'inbound.tls', `Secret ${show(secret.name)} is in namespace ${show(secretNamespace)}, but the pods of workload ${show(workload.node.id)} run in ${show(podNamespace)}, and Secrets are read from the pod's own namespace`,
      `create the certificate Secret in namespace ${show(podNamespace)}`);
  }
  return secret.name;
}

/** The namespace of a cdk8s-plus resource (its chart's when it sets none); undefined for imported ones. */
function namespaceOf(resource: kplus.ISecret | kplus.AbstractPod): string | undefined {
  return (resource as { metadata?: { namespace?: string } }).metadata?.namespace;
}

/**
 * Whether `JSON.parse(JSON.stringify(value))` is `value` again, key for key: plain objects and
 * arrays (no holes) of strings, finite numbers other than -0, booleans and null. Anything that
 * JSON.stringify would change or drop (undefined, functions, NaN, class instances, `toJSON`)
 * makes it false.
 */
function isJsonData(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonData(value[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = value as Record<string, unknown>;
      for (const key in obj) if (!Object.prototype.hasOwnProperty.call(obj, key) || !isJsonData(obj[key])) return false;
      return true;
    }
    default:
      return false;
  }
}
