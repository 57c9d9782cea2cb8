import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { pullPolicyFor } from '../common/image';
import { hardenContainer } from '../common/pod';
import { requireResources, sizeBytes } from '../common/resources';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkServiceName } from '../validation/names';

/** The Redis image the library pins by default. */
const DEFAULT_IMAGE = 'redis:8.10.2-alpine';
/** uid of the `redis` user in the official image (Alpine and Debian variants alike). */
const REDIS_UID = 999;
/**
 * gid of the `redis` group in the official Alpine image, which the default image is: its Dockerfile
 * creates the group with gid 1000 because Alpine already has a gid 999 (the Debian variant uses 999).
 */
const REDIS_GID = 1000;
const REDIS_PORT = 6379;

/** Where Redis keeps its data. */
export abstract class RedisPersistence {
  /**
   * No persistence: data lives in memory only; RDB snapshots and the append-only file are
   * disabled, so a restart starts empty. Right for caches, session stores and queues that can
   * be rebuilt.
   */
  public static none(): RedisPersistence {
    return new NoPersistence();
  }

  /**
   * The append-only file on a PersistentVolumeClaim, fsynced every second. The pod gets the redis
   * group (gid 1000) as its `fsGroup`, so Redis can write to the volume, whose root a fresh claim
   * gives to root:root 0755; the group is applied to the volume's files only when its root doesn't
   * have it yet (`fsGroupChangePolicy: OnRootMismatch`). Volume types that ignore fsGroup (e.g. some
   * NFS provisioners) must give uid 999 or gid 1000 write access themselves.
   * @param claim the claim mounted at /data (ReadWriteOnce is enough: Redis runs one replica)
   */
  public static appendOnlyFile(claim: kplus.IPersistentVolumeClaim): RedisPersistence {
    return new AofPersistence(claim);
  }

  /** @internal */
  public abstract _bind(scope: Construct): BoundPersistence;
}

/** What a persistence adds to the Redis pod. @internal */
export interface BoundPersistence {
  /** Arguments of redis-server. */
  readonly args: string[];
  /** The volume mounted at /data. */
  readonly volume: kplus.Volume;
  /**
   * Whether /data is a volume that outlives the pod (a claim): a fresh one belongs to root, so the
   * pod needs an fsGroup to write it.
   */
  readonly persistent: boolean;
}

class NoPersistence extends RedisPersistence {
  public _bind(scope: Construct): BoundPersistence {
    return {
      args: ['--save', '', '--appendonly', 'no'],
      volume: kplus.Volume.fromEmptyDir(scope, 'data', 'data', { sizeLimit: Size.mebibytes(64) }),
      persistent: false,
    };
  }
}

class AofPersistence extends RedisPersistence {
  constructor(private readonly claim: kplus.IPersistentVolumeClaim) {
    super();
  }

  public _bind(scope: Construct): BoundPersistence {
    return {
      args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', '/data'],
      volume: kplus.Volume.fromPersistentVolumeClaim(scope, 'data', this.claim),
      persistent: true,
    };
  }
}

/** What Redis does when it reaches `maxmemory` (`--maxmemory-policy`). */
export enum RedisEvictionPolicy {
  /** `noeviction`: refuse writes; nothing held is ever dropped. For data that must not be lost. */
  NOEVICTION = 'noeviction',
  /**
   * `volatile-lru`: drop the least recently used keys that have an expiry, e.g. sessions that
   * would expire anyway; keys without one are kept (and writes refused once only they are left).
   */
  VOLATILE_LRU = 'volatile-lru',
  /** `volatile-ttl`: drop the keys with an expiry that expire soonest. */
  VOLATILE_TTL = 'volatile-ttl',
  /** `allkeys-lru`: drop the least recently used keys, with or without an expiry (a cache). */
  ALLKEYS_LRU = 'allkeys-lru',
}

/** Props of `Redis`: its name, namespace, password, persistence, clients, image, resources and eviction. */
export interface RedisProps {
  /**
   * Name of the Deployment and the Service.
   * @default "redis"
   */
  readonly name?: string;

  /**
   * Namespace of every object.
   * @default - the chart's namespace; without one, the namespace `kubectl apply` targets
   */
  readonly namespace?: string;

  /**
   * Require clients to authenticate (`requirepass`) with the password in this Secret key.
   * The password reaches Redis through an environment variable from the Secret.
   * @default - no password: any client the NetworkPolicy admits may connect
   */
  readonly password?: kplus.SecretValue;

  /**
   * Where Redis keeps its data.
   * @default RedisPersistence.none()
   */
  readonly persistence?: RedisPersistence;

  /**
   * Workloads allowed to connect; `allowFrom()` adds more. A NetworkPolicy admits only these
   * to the Redis port, so at least one is needed by synth time.
   * @default - none yet
   */
  readonly allowFrom?: kplus.INetworkPolicyPeer[];

  /**
   * The Redis image, pinned to a version. It runs as uid 999 and gid 1000, the `redis` user and
   * group of the official Alpine image. Pulled only when missing from the node, unless it is
   * untagged or `:latest` (then on every start).
   * @default "redis:8.10.2-alpine"
   */
  readonly image?: string;

  /**
   * Requests and limits of the Redis container, CPU and memory (all four are required). Redis gets
   * `--maxmemory` at three quarters of it, so that at the bound it refuses writes (or evicts,
   * see `evictionPolicy`) instead of being killed.
   * @default - 50m CPU / 64Mi memory requested, 500m / 256Mi limits (maxmemory 192 MiB)
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * What Redis does at `maxmemory`.
   * @default RedisEvictionPolicy.NOEVICTION
   */
  readonly evictionPolicy?: RedisEvictionPolicy;
}

/**
 * A single, non-clustered Redis that only the workloads you name can reach.
 *
 * Runs the official Alpine image as its `redis` user and group (uid 999, gid 1000) with a read-only
 * root filesystem, dropped capabilities and RuntimeDefault seccomp; data goes to /data (a
 * size-limited emptyDir on the node's disk unless a persistence is chosen; a claim gets the redis group as the pod's
 * fsGroup so Redis can write it). The Service port is named `tcp-redis` so that
 * Istio treats the traffic as opaque TCP.
 */
export class Redis extends Construct {
  /** The Redis port. */
  public static readonly PORT = REDIS_PORT;

  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly networkPolicy: kplus.NetworkPolicy;
  /** The Service's DNS name, namespace-qualified when the namespace is known. */
  public readonly host: string;
  /** `redis://<host>:6379`. */
  public readonly url: string;
  /** The password clients must send, if any. */
  public readonly password?: kplus.SecretValue;
  private peers = 0;

  constructor(scope: Construct, id: string, props: RedisProps = {}) {
    super(scope, id);
    // it names the Service too
    const name = checkServiceName(this, 'name', props.name ?? 'redis');
    const namespace = props.namespace === undefined ? Chart.of(this).namespace : checkDnsLabel(this, 'namespace', props.namespace);
    const metadata = { name, namespace };
    this.password = props.password;
    this.host = namespace ? `${name}.${namespace}.svc` : name;
    this.url = `redis://${this.host}:${REDIS_PORT}`;

    const storage = (props.persistence ?? RedisPersistence.none())._bind(this);
    const resources = props.resources ?? {
      cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
      memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
    };
    const memoryLimit = resources.memory?.limit;
    if (memoryLimit === undefined) {
      throw propError(this, 'resources.memory.limit', 'missing: Redis sets no memory bound of its own (maxmemory 0), so it would grow until the kernel kills it and everything it holds is lost',
        'give a memory limit, e.g. Size.mebibytes(256); maxmemory is set to three quarters of it');
    }
    requireResources(this, 'resources', resources);
    const evictionPolicy = props.evictionPolicy ?? RedisEvictionPolicy.NOEVICTION;
    if (!Object.values(RedisEvictionPolicy).includes(evictionPolicy)) {
      throw propError(this, 'evictionPolicy', `received ${show(evictionPolicy)}`, `use a RedisEvictionPolicy (${Object.values(RedisEvictionPolicy).join(', ')})`);
    }
    // three quarters of the limit: room for the fork of a background save or AOF rewrite, and for
    // the allocator's overhead; at the bound Redis refuses writes (or evicts) instead of being killed
    const args = [...storage.args, '--maxmemory', String(Math.floor(sizeBytes(memoryLimit) * 0.75)), '--maxmemory-policy', evictionPolicy];
    if (props.password) args.push('--requirepass', '$(REDIS_PASSWORD)');

    const image = props.image ?? DEFAULT_IMAGE;
    if (typeof image !== 'string' || image.trim() === '') {
      throw propError(this, 'image', `received ${show(image)}`, `give an image reference, e.g. ${show(DEFAULT_IMAGE)}`);
    }
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata,
      replicas: 1,
      // one instance owns /data: never run two during a rollout
      strategy: kplus.DeploymentStrategy.recreate(),
      // a fresh claim's root is root:root 0755: the redis group must own it for Redis to write there
      securityContext: storage.persistent
        ? { fsGroup: REDIS_GID, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH }
        : undefined,
      containers: [{
        name: 'redis',
        image,
        imagePullPolicy: pullPolicyFor(image),
        args,
        ports: [{ number: REDIS_PORT, name: 'redis' }],
        envVariables: props.password ? { REDIS_PASSWORD: kplus.EnvValue.fromSecretValue(props.password) } : undefined,
        securityContext: { user: REDIS_UID, group: REDIS_GID, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        resources,
        readiness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
        liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
        volumeMounts: [{ path: '/data', volume: storage.volume }],
      }],
    });
    hardenContainer(this, this.deployment, this.deployment.containers[0]);

    this.service = new kplus.Service(this, 'service', {
      metadata,
      selector: this.deployment,
      ports: [{ name: 'tcp-redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
    });

    this.networkPolicy = new kplus.NetworkPolicy(this, 'network-policy', {
      metadata: { name, namespace },
      selector: this.deployment,
    });
    for (const peer of props.allowFrom ?? []) this.allowFrom(peer);

    this.node.addValidation({
      validate: () => (this.peers === 0
        ? [`${this.node.path}: allowFrom: no workload may connect to Redis "${name}" (its NetworkPolicy admits nobody); pass allowFrom or call allowFrom(workload) for each client`]
        : []),
    });
  }

  /** Admits `peer` to the Redis port through the NetworkPolicy. */
  public allowFrom(peer: kplus.INetworkPolicyPeer): void {
    this.networkPolicy.addIngressRule(peer, [kplus.NetworkPolicyPort.tcp(REDIS_PORT)]);
    this.peers++;
  }
}
