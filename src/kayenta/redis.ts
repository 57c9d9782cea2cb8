import { Size } from 'cdk8s';
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
   * Requests and limits of the Redis container, CPU and memory (all four are required); Redis
   * refuses writes at three quarters of the memory limit. Kayenta's embedded Orca keeps the
   * execution of every analysis in Redis and nothing here removes them, so the memory in use grows
   * with the analyses run: size the limit for your volume and watch `used_memory`.
   * @default - 50m CPU / 256Mi memory requested, 500m / 1Gi limits (maxmemory 768 MiB)
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Require a password (`requirepass`), from this Secret key; Kayenta sends it (see
   * `KayentaRedisConnectionOptions.password` for the characters it may hold).
   * @default - no password: the NetworkPolicy, which admits only the Kayenta pods, keeps others out
   */
  readonly password?: kplus.SecretValue;
}

/** How Kayenta connects to an existing Redis (`KayentaRedis.fromUrl`). */
export interface KayentaRedisConnectionOptions {
  /**
   * The Redis password (AUTH), from a Secret key. It reaches Kayenta as the environment variable
   * `KAYENTA_REDIS_PASSWORD`, which kayenta.yml's `redis.connection` names as a placeholder
   * (`redis://:${KAYENTA_REDIS_PASSWORD}@host:port`): Spring fills it in at start-up, and Kayenta
   * reads the password from the URL. Being part of a URL, it may hold only letters, digits and
   * `-._~` (e.g. `openssl rand -hex 32`); `@`, `:`, `/`, `#`, `?` or `%` would break the URL.
   * @default - no password
   */
  readonly password?: kplus.SecretValue;
}

/**
 * The Redis that Kayenta's embedded Orca queue (keiko) runs on. It must not be clustered. Kayenta
 * reads the connection from one URL (`redis.connection`): `rediss://` for TLS, and a password,
 * which this library passes from a Secret.
 */
export abstract class KayentaRedis {
  /**
   * A new single-instance Redis next to Kayenta, whose NetworkPolicy admits only the Kayenta pods
   * (and, with `password`, which asks for a password). Its data lives in memory: a restart drops
   * in-flight analyses.
   */
  public static inCluster(options: KayentaRedisOptions = {}): KayentaRedis {
    return new InClusterRedis(options);
  }

  /**
   * An existing, non-clustered Redis, e.g. `redis://redis.shared.svc:6379`, or
   * `rediss://my-cache.redis.cache.windows.net:6380` with a password for a managed one with TLS.
   * @param url a `redis://host[:port][/db]` or `rediss://...` (TLS) URL, without a password
   * @param options the password, from a Secret
   */
  public static fromUrl(url: string, options: KayentaRedisConnectionOptions = {}): KayentaRedis {
    return new ExistingRedis(url, options);
  }

  /** @internal */
  public abstract _bind(scope: Construct, name: string, namespace: string, kayenta: kplus.Deployment): { url: string; redis?: Redis };
}

/** The environment variable that carries the Redis password into Kayenta. */
const PASSWORD_ENV = 'KAYENTA_REDIS_PASSWORD';

/**
 * The URL kayenta.yml gets: with a password, a placeholder for it in the user-info part, and the
 * variable that fills it on the Kayenta container.
 */
function withPassword(url: string, password: kplus.SecretValue | undefined, kayenta: kplus.Deployment): string {
  if (!password) return url;
  kayenta.containers[0].env.addVariable(PASSWORD_ENV, kplus.EnvValue.fromSecretValue(password));
  return url.replace('://', `://:\${${PASSWORD_ENV}}@`);
}

/** Room for the executions Kayenta's Orca keeps (the `Redis` construct's 256Mi suits sessions, not a growing history). */
const KAYENTA_REDIS_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

class InClusterRedis extends KayentaRedis {
  constructor(private readonly options: KayentaRedisOptions) {
    super();
  }

  public _bind(scope: Construct, name: string, namespace: string, kayenta: kplus.Deployment) {
    // the Redis is named after Kayenta, and its name is a Service name (at most 63 characters)
    if (`${name}-redis`.length > 63) {
      throw propError(scope, 'name', `${show(name)} has ${name.length} characters, too many for the name of the in-cluster Redis, ${show(`${name}-redis`)} (Service names have at most 63)`,
        'give a name of at most 57 characters, or use an external Redis (KayentaRedis.fromUrl)');
    }
    const redis = new Redis(scope, 'redis', {
      name: `${name}-redis`,
      namespace,
      image: this.options.image,
      resources: this.options.resources ?? KAYENTA_REDIS_RESOURCES,
      password: this.options.password,
      allowFrom: [kayenta],
    });
    return { url: withPassword(redis.url, this.options.password, kayenta), redis };
  }
}

class ExistingRedis extends KayentaRedis {
  constructor(private readonly url: string, private readonly options: KayentaRedisConnectionOptions) {
    super();
  }

  public _bind(scope: Construct, _name: string, _namespace: string, kayenta: kplus.Deployment) {
    const url = this.url;
    rejectUrlCredentials(scope, 'redis', url);
    if (typeof url === 'string' && /^rediss?:\/\/[^/\s]+\/$/.test(url)) {
      throw propError(scope, 'redis', `${show(url)} ends in "/", which Kayenta's queue (keiko) reads as an empty database number, and Kayenta fails to start`,
        `drop the "/" (${show(url.slice(0, -1))}), or give the database number after it (e.g. ${show(`${url}0`)})`);
    }
    const parts = typeof url === 'string' ? /^rediss?:\/\/[^/\s:@]+(?::(\d{1,5}))?(?:\/(\d+))?$/.exec(url) : null;
    if (!parts) {
      throw propError(scope, 'redis', `${show(url)} is not a redis:// or rediss:// URL`,
        'give redis://<host>:<port>, or rediss://<host>:<port> for TLS (Kayenta speaks the Redis protocol to a single, non-clustered instance; a password goes in options.password)');
    }
    if (parts[1] !== undefined && (Number(parts[1]) < 1 || Number(parts[1]) > 65535)) {
      throw propError(scope, 'redis', `${show(url)} names port ${parts[1]}`, 'give a port from 1 to 65535 (Redis listens on 6379 by default)');
    }
    return { url: withPassword(url, this.options.password, kayenta) };
  }
}
