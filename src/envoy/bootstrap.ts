import { EnvoyCluster } from './cluster';
import { EnvoyHttpListener } from './listener';
import { EnvoyModelError, quote } from './model-error';
import { checkModelPort, deepMerge } from './values';

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
}

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
    const json = {
      node: { id: this.nodeId, cluster: this.options.nodeCluster ?? this.nodeId },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: this.adminPort } } },
      static_resources: {
        listeners: this._listeners.map((l) => l.toJson()),
        clusters: this._clusters.map((c) => c.toJson()),
      },
    };
    return this.overrides.reduce((acc, o) => deepMerge(acc, o), json);
  }
}
