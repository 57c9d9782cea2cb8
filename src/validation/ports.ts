import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError, show } from './errors';

/**
 * Checks a TCP/UDP port number: an integer from 1 to 65535.
 * @internal
 */
export function checkPort(scope: IConstruct, prop: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw propError(scope, prop, `${show(value)} is not a valid port`, 'use an integer from 1 to 65535');
  }
  return value;
}

/**
 * Checks a port that a non-root process binds: 1024 or higher. Without NET_BIND_SERVICE (which
 * this library's containers drop) a process that isn't root can bind a lower port only where
 * the runtime lowers the `net.ipv4.ip_unprivileged_port_start` sysctl, so it would work on some
 * clusters and crash-loop on others.
 * @param who what binds it, e.g. "Envoy (uid 101)"
 * @internal
 */
export function checkUnprivilegedPort(scope: IConstruct, prop: string, value: number, who: string, fix: string): number {
  checkPort(scope, prop, value);
  if (value < 1024) {
    throw propError(scope, prop, `${value} is a privileged port, which ${who} can't bind without NET_BIND_SERVICE`, fix);
  }
  return value;
}

/** A port that a container of the pod binds, whether it declares it or not. @internal */
export interface PortUse {
  readonly port: number;
  readonly protocol: string;
  /** The container that binds it. */
  readonly container: string;
  /** What binds it, for error messages (e.g. `container "app"` or `the Envoy admin API`). */
  readonly description: string;
}

interface Claim extends PortUse {
  readonly scope: IConstruct;
  readonly prop: string;
}

const REGISTRIES = new WeakMap<kplus.AbstractPod, PodPorts>();

/**
 * All ports bound in one pod's network namespace: the ports every container declares, plus
 * ports that sidecars bind without declaring them (admin APIs on 127.0.0.1, gRPC listeners for
 * a sibling container). Containers of one pod share one network namespace, so two of them can't
 * bind the same port and protocol.
 *
 * A claim is checked when it is made (so the error points at the prop that caused it) and once
 * more when the app is synthesized, so that containers added afterwards are covered too.
 *
 * @internal
 */
export class PodPorts {
  /** The registry of a pod, created on first use. */
  public static of(pod: kplus.AbstractPod): PodPorts {
    let ports = REGISTRIES.get(pod);
    if (!ports) {
      ports = new PodPorts(pod);
      REGISTRIES.set(pod, ports);
    }
    return ports;
  }

  private readonly claims: Claim[] = [];
  private readonly nameClaims: Array<{ scope: IConstruct; prop: string; name: string; container: string }> = [];

  private constructor(private readonly pod: kplus.AbstractPod) {
    pod.node.addValidation({ validate: () => this.collisions() });
  }

  /** What binds a port in this pod other than `container`, if anything. */
  public usedBy(port: number, protocol: string = 'TCP', exceptContainer?: string): PortUse | undefined {
    // declared ports first, then claims; the description of a declared port is written only for
    // the one returned
    let found: PortUse | undefined;
    this.eachDeclared((p, proto, container) => {
      if (p === port && proto === protocol && container !== exceptContainer) {
        found = { port, protocol, container, description: `container ${show(container)}` };
        return true;
      }
      return false;
    });
    return found ?? this.claims.find((u) => u.port === port && u.protocol === protocol && u.container !== exceptContainer);
  }

  /**
   * Records that `container` declares a port named `name`, and fails if another container of the
   * pod already does: Kubernetes resolves a shared name to the first container's port, so a
   * Service naming it would reach that one. Checked again at synth, for containers added later.
   */
  public claimName(scope: IConstruct, prop: string, name: string, container: string): void {
    const other = this.otherDeclaringName(name, container);
    if (other !== undefined) {
      const { received, fix } = nameTaken(name, other);
      throw propError(scope, prop, received, fix);
    }
    this.nameClaims.push({ scope, prop, name, container });
  }

  /**
   * Records that `container` binds `port` and fails if another container of the pod already does.
   * @param scope the construct whose prop asked for the port (named in the error)
   * @param prop the prop that holds the port
   */
  public claim(scope: IConstruct, prop: string, port: number, container: string, description: string, protocol: string = 'TCP'): void {
    checkPort(scope, prop, port);
    const taken = this.usedBy(port, protocol, container);
    if (taken) {
      throw propError(scope, prop, `${port} is already used by ${taken.description}`, 'choose a port that no other container in the pod uses');
    }
    this.claims.push({ scope, prop, port, protocol, container, description });
  }

  /**
   * The container that declares `port`; fails when none does.
   * @param scope the construct whose prop names the port
   */
  public requireServed(scope: IConstruct, prop: string, port: number): kplus.Container {
    checkPort(scope, prop, port);
    const found = this.pod.containers.find((c) => c.ports.some((p) => p.number === port));
    if (!found) {
      const declared = this.pod.containers.flatMap((c) => c.ports.map((p) => `${p.number} (${containerName(c)})`));
      throw propError(scope, prop, `no container of workload ${show(this.pod.node.id)} declares port ${port} (declared: ${declared.length ? declared.join(', ') : 'none'})`,
        'declare the port on the app container (portNumber or addPort) or point at a port it declares');
    }
    return found;
  }

  private collisions(): string[] {
    const errors: string[] = [];
    for (const claim of this.nameClaims) {
      const other = this.otherDeclaringName(claim.name, claim.container);
      if (other !== undefined) {
        const { received, fix } = nameTaken(claim.name, other);
        errors.push(`${claim.scope.node.path}: ${claim.prop}: ${received}; ${fix}`);
      }
    }
    if (this.claims.length === 0) return errors;
    // the containers that bind each port/protocol, declared ports first, then claims; a declared port's
    // description is written only when it is reported
    const byKey = new Map<string, Array<PortUse | DeclaredPort>>();
    const add = (key: string, use: PortUse | DeclaredPort) => {
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [use]);
      else if (!list.some((u) => u.container === use.container)) list.push(use);
    };
    this.eachDeclared((port, protocol, container) => {
      add(`${port}/${protocol}`, { container });
      return false;
    });
    for (const claim of this.claims) add(`${claim.port}/${claim.protocol}`, claim);
    for (const claim of this.claims) {
      const users = byKey.get(`${claim.port}/${claim.protocol}`) ?? [];
      const other = users.find((u) => u.container !== claim.container);
      if (other) {
        const description = 'description' in other ? other.description : `container ${show(other.container)}`;
        errors.push(`${claim.scope.node.path}: ${claim.prop}: ${claim.port} is already used by ${description}; choose a port that no other container in the pod uses`);
      }
    }
    return errors;
  }

  /**
   * A container other than `except` that declares a port named `name` (init containers don't
   * count: Kubernetes resolves a Service's named port among the containers, and init containers
   * only as sidecars, which cdk8s-plus-25 doesn't make).
   */
  private otherDeclaringName(name: string, except: string): string | undefined {
    const found = this.pod.containers.find((c) => containerName(c) !== except && c.ports.some((p) => p.name === name));
    return found === undefined ? undefined : containerName(found);
  }

  /**
   * Calls `visit` with each port a container of the pod declares (containers, then init
   * containers, in order) until it returns true.
   */
  private eachDeclared(visit: (port: number, protocol: string, container: string) => boolean | void): void {
    for (const list of [this.pod.containers, this.pod.initContainers]) {
      for (const c of list) {
        const name = containerName(c);
        for (const p of c.ports) if (visit(p.number, p.protocol ?? 'TCP', name) === true) return;
      }
    }
  }
}

/** What a port name already taken by another container is, and what to do. */
function nameTaken(name: string, other: string): { received: string; fix: string } {
  return {
    received: `${show(name)} is already the name of a port of container ${show(other)}, and Kubernetes resolves a shared name to the first container's port`,
    fix: 'give this port another name, or rename the other port',
  };
}

/** A port a container declares, before its description is needed. */
interface DeclaredPort {
  readonly container: string;
}

/** A container's name as it will be synthesized. @internal */
export function containerName(c: kplus.Container): string {
  return c.name ?? '';
}
