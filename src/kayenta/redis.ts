import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { rejectUrlCredentials } from './credentials';
import { Redis } from '../redis';
import { propError, show } from '../validation/errors';

/** Options of `KayentaRedis.inCluster`: the Redis the construct deploys for Kayenta. */
export interface KayentaRedisOptions {
  /**
   * The Redis image, pinned to a version.
   * @default - the `Redis` construct's default image
   */
  readonly image?: string;

  /**
   * Requests and limits of the Redis container, CPU and memory (all four are required).
   * @default - the `Redis` construct's defaults
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * The Redis that Kayenta's embedded Orca queue (keiko) runs on. It must not be clustered, and
 * Kayenta has no option for Redis credentials, so the Redis must accept clients without a
 * password; a NetworkPolicy is what keeps others out.
 */
export abstract class KayentaRedis {
  /**
   * A new single-instance Redis next to Kayenta, without a password, whose NetworkPolicy admits
   * only the Kayenta pods. Its data lives in memory: a restart drops in-flight analyses.
   */
  public static inCluster(options: KayentaRedisOptions = {}): KayentaRedis {
    return new InClusterRedis(options);
  }

  /**
   * An existing, non-clustered Redis that accepts Kayenta without credentials, e.g.
   * `redis://redis.shared.svc:6379` or an ElastiCache endpoint with cluster mode disabled.
   * @param url a `redis://host:port` URL, without a password
   */
  public static fromUrl(url: string): KayentaRedis {
    return new ExistingRedis(url);
  }

  /** @internal */
  public abstract _bind(scope: Construct, name: string, namespace: string, kayenta: kplus.Deployment): { url: string; redis?: Redis };
}

class InClusterRedis extends KayentaRedis {
  constructor(private readonly options: KayentaRedisOptions) {
    super();
  }

  public _bind(scope: Construct, name: string, namespace: string, kayenta: kplus.Deployment) {
    const redis = new Redis(scope, 'redis', {
      name: `${name}-redis`,
      namespace,
      image: this.options.image,
      resources: this.options.resources,
      allowFrom: [kayenta],
    });
    return { url: redis.url, redis };
  }
}

class ExistingRedis extends KayentaRedis {
  constructor(private readonly url: string) {
    super();
  }

  public _bind(scope: Construct) {
    const url = this.url;
    rejectUrlCredentials(scope, 'redis', url);
    const parts = typeof url === 'string' ? /^redis:\/\/[^/\s:@]+(?::(\d{1,5}))?\/?(\d+)?$/.exec(url) : null;
    if (!parts) {
      throw propError(scope, 'redis', `${show(url)} is not a redis:// URL`,
        'give redis://<host>:<port> (Kayenta speaks plain Redis protocol to a single, non-clustered instance, without credentials)');
    }
    if (parts[1] !== undefined && (Number(parts[1]) < 1 || Number(parts[1]) > 65535)) {
      throw propError(scope, 'redis', `${show(url)} names port ${parts[1]}`, 'give a port from 1 to 65535 (Redis listens on 6379 by default)');
    }
    return { url };
  }
}
