import { EnvoyCluster } from './cluster';
import { EnvoyHttpListener } from './listener';
import { EnvoyModelError, quote } from './model-error';
import { checkModelPort, deepMerge } from './values';

/**
 * Envoy's overload manager: what it measures and the limits it enforces, so that Envoy sheds
 * load before the container's memory limit kills it (and with it every connection at once).
 */
export interface EnvoyOverloadOptions {
  /**
   * The heap size Envoy's heap pressure is measured against (the `fixed_heap` resource monitor),
   * in bytes: at 92 % of it Envoy closes connections as their requests end (HTTP/1.1
   * `Connection: close`, HTTP/2 GOAWAY) and returns free memory to the system; at 95 % it
   * answers new requests with 503, until the heap shrinks again. Leave room below the container's
   * memory limit for what isn't heap (the binary, thread stacks, free pages the allocator keeps).
   * @default - no heap monitor
   */
  readonly maxHeapBytes?: number;
  /**
   * The downstream connections Envoy holds at once across its listeners (the
   * `global_downstream_max_connections` resource monitor); beyond it Envoy closes new
   * connections as it accepts them. The admin API and listeners with `bypassOverloadManager`
   * are not counted.
   * @default - no limit (Envoy warns about it when it starts)
   */
  readonly maxDownstreamConnections?: number;
  /**
   * Also stop accepting connections at 95 % of `maxHeapBytes` (the `tcp_listener_accept` load
   * shed point, as in Envoy's documented example), so that a flood of new connections (each a TLS
   * handshake and buffers) can't take the heap past the bound. Only for Envoy 1.38 or newer when
   * `maxDownstreamConnections` is set too: earlier releases leaked a connection count for every
   * connection they shed, until no connection was accepted at all (envoyproxy/envoy#41867, fixed
   * by envoyproxy/envoy#43032 in January 2026). Listeners with `bypassOverloadManager` are exempt.
   * @default false
   */
  readonly shedNewConnections?: boolean;
}

/** Options of an Envoy bootstrap. */
export interface EnvoyBootstrapOptions {
  /** Node id Envoy reports (`--service-node`). */
  readonly nodeId: string;
  /**
   * Node cluster Envoy reports (`--service-cluster`).
   * @default - the node id
   */
  readonly nodeCluster?: string;
  /**
   * Port of the admin API, which always binds 127.0.0.1: it can change the running
   * configuration and must never be reachable from outside the pod.
   * @default 9901
   */
  readonly adminPort?: number;
  /**
   * Overload manager: heap-based load shedding and a global connection limit.
   * @default - none
   */
  readonly overload?: EnvoyOverloadOptions;
}

/**
 * Below this, Envoy's heap at rest (several MiB, more with many workers and clusters) would be near
 * the thresholds from the start.
 * @internal
 */
export const MIN_HEAP_BYTES = 16 * 1024 * 1024;
const FIXED_HEAP = 'envoy.resource_monitors.fixed_heap';
const CONNECTIONS = 'envoy.resource_monitors.global_downstream_max_connections';

/**
 * A complete static Envoy v3 bootstrap: admin on 127.0.0.1, listeners and clusters. Build it,
 * then `toJson()`; or take `listeners` and `clusters` as the resources of a control plane.
 */
export class EnvoyBootstrap {
  public readonly nodeId: string;
  public readonly adminPort: number;
  private readonly _listeners: EnvoyHttpListener[] = [];
  private readonly _clusters: EnvoyCluster[] = [];
  private readonly overrides: any[] = [];

  constructor(private readonly options: EnvoyBootstrapOptions) {
    if (typeof options.nodeId !== 'string' || options.nodeId.trim() === '') {
      throw new EnvoyModelError('nodeId', `received ${quote(options.nodeId)}`, 'give the node id Envoy reports to the control plane');
    }
    this.nodeId = options.nodeId;
    this.adminPort = checkModelPort('adminPort', options.adminPort ?? 9901);
    const overload = options.overload;
    if (overload !== undefined) {
      if (overload.maxHeapBytes === undefined && overload.maxDownstreamConnections === undefined) {
        throw new EnvoyModelError('overload', 'sets neither maxHeapBytes nor maxDownstreamConnections', 'give at least one of them, or leave overload out');
      }
      if (overload.maxHeapBytes !== undefined && !(Number.isSafeInteger(overload.maxHeapBytes) && overload.maxHeapBytes >= MIN_HEAP_BYTES)) {
        throw new EnvoyModelError('overload.maxHeapBytes', `${quote(overload.maxHeapBytes)} is not a whole number of bytes of at least ${MIN_HEAP_BYTES} (16 MiB)`,
          `give bytes, e.g. ${200 * 1024 * 1024} for 200 MiB: Envoy's heap at rest takes several MiB, so a smaller bound would shed load from the start`);
      }
      if (overload.shedNewConnections === true && overload.maxHeapBytes === undefined) {
        throw new EnvoyModelError('overload.shedNewConnections', 'is true without maxHeapBytes, whose pressure it acts on', 'give maxHeapBytes, or leave shedNewConnections out');
      }
      const max = overload.maxDownstreamConnections;
      if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
        throw new EnvoyModelError('overload.maxDownstreamConnections', `${quote(max)} is not a whole number of at least 1`, 'give the number of connections, e.g. 10000');
      }
    }
  }

  /** Whether Envoy counts client connections against a global limit (`overload.maxDownstreamConnections`). */
  public get limitsConnections(): boolean {
    return this.options.overload?.maxDownstreamConnections !== undefined;
  }

  /** The listeners, in the order added. */
  public get listeners(): EnvoyHttpListener[] {
    return [...this._listeners];
  }

  /** The clusters, in the order added. */
  public get clusters(): EnvoyCluster[] {
    return [...this._clusters];
  }

  /** Adds a listener; names and ports must be unique. */
  public addListener(listener: EnvoyHttpListener): EnvoyHttpListener {
    const sameName = this._listeners.find((l) => l.name === listener.name);
    if (sameName) throw new EnvoyModelError(`listener ${quote(listener.name)}`, 'a listener with this name already exists', 'give each listener its own name');
    const samePort = this._listeners.find((l) => l.port === listener.port);
    if (samePort) {
      throw new EnvoyModelError(`listener ${quote(listener.name)}.port`, `${listener.port} is already used by listener ${quote(samePort.name)}`, 'give each listener its own port');
    }
    if (listener.port === this.adminPort) {
      throw new EnvoyModelError(`listener ${quote(listener.name)}.port`, `${listener.port} is the admin port`, 'give the listener another port');
    }
    this._listeners.push(listener);
    return listener;
  }

  /** Adds a cluster; names must be unique. */
  public addCluster(cluster: EnvoyCluster): EnvoyCluster {
    if (this._clusters.some((c) => c.name === cluster.name)) {
      throw new EnvoyModelError(`cluster ${quote(cluster.name)}`, 'a cluster with this name already exists', 'give each cluster its own name');
    }
    this._clusters.push(cluster);
    return cluster;
  }

  /** The cluster with this name, if any. */
  public findCluster(name: string): EnvoyCluster | undefined {
    return this._clusters.find((c) => c.name === name);
  }

  /**
   * Deep-merges raw fields into the bootstrap (snake_case), for what the model doesn't cover,
   * e.g. `{ overload_manager: {...} }`. Applied in order, after everything else; the result is
   * still validated against Envoy's protos.
   */
  public addOverride(overrides: { [key: string]: any }): void {
    this.overrides.push(overrides);
  }

  /**
   * The parts of the bootstrap the overrides set: top-level fields, and `static_resources.<field>`
   * for the fields under static_resources (e.g. `overload_manager`, `static_resources.secrets`).
   */
  public overriddenPaths(): string[] {
    const paths = new Set<string>();
    for (const o of this.overrides) {
      for (const [key, value] of Object.entries(o)) {
        if (key === 'static_resources' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
          for (const sub of Object.keys(value)) paths.add(`static_resources.${sub}`);
        } else {
          paths.add(key);
        }
      }
    }
    return [...paths];
  }

  /** Routes that name a cluster that doesn't exist, as `listener → cluster` pairs. */
  public danglingRoutes(): string[] {
    const dangling: string[] = [];
    for (const l of this._listeners) {
      for (const c of l.routedClusters) {
        if (!this._clusters.some((known) => known.name === c)) dangling.push(`${l.name} → ${c}`);
      }
    }
    return dangling;
  }

  /** The bootstrap as Envoy v3 JSON (`envoy.config.bootstrap.v3.Bootstrap`). */
  public toJson(): any {
    const json: any = {
      node: { id: this.nodeId, cluster: this.options.nodeCluster ?? this.nodeId },
      // the admin API (127.0.0.1 only) stays reachable when clients hold every allowed connection
      admin: {
        address: { socket_address: { address: '127.0.0.1', port_value: this.adminPort } },
        ...(this.limitsConnections ? { ignore_global_conn_limit: true } : {}),
      },
      static_resources: {
        listeners: this._listeners.map((l) => l.toJson()),
        clusters: this._clusters.map((c) => c.toJson()),
      },
    };
    if (this.options.overload) json.overload_manager = overloadManager(this.options.overload);
    return this.overrides.reduce((acc, o) => deepMerge(acc, o), json);
  }
}

/**
 * The overload manager of Envoy's documented example, with shrink_heap beside the keep-alive
 * action. At 92 % of the heap bound, connections close as their requests end and free memory goes
 * back to the system (which lowers the process's memory, not the pressure: that counts the heap
 * tcmalloc holds in use, its caches included, but not free pages); at 95 %, new requests get 503,
 * and with `shedNewConnections` new connections are closed as they are accepted.
 */
function overloadManager(o: EnvoyOverloadOptions): object {
  const monitors: object[] = [];
  const json: any = { refresh_interval: '0.25s', resource_monitors: monitors };
  if (o.maxHeapBytes !== undefined) {
    monitors.push({
      name: FIXED_HEAP,
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig', 'max_heap_size_bytes': o.maxHeapBytes },
    });
    const at = (value: number) => [{ name: FIXED_HEAP, threshold: { value } }];
    json.actions = [
      { name: 'envoy.overload_actions.disable_http_keepalive', triggers: at(0.92) },
      { name: 'envoy.overload_actions.shrink_heap', triggers: at(0.92) },
      { name: 'envoy.overload_actions.stop_accepting_requests', triggers: at(0.95) },
    ];
    if (o.shedNewConnections) json.loadshed_points = [{ name: 'envoy.load_shed_points.tcp_listener_accept', triggers: at(0.95) }];
  }
  if (o.maxDownstreamConnections !== undefined) {
    // a proactive monitor: Envoy counts connections as it accepts them; no action hangs on it
    monitors.push({
      name: CONNECTIONS,
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
        'max_active_downstream_connections': o.maxDownstreamConnections,
      },
    });
  }
  return json;
}
