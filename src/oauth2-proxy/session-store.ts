import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { Redis, RedisEvictionPolicy, RedisPersistence } from '../redis';
import { TomlValue } from './toml';
import { propError, show } from '../validation/errors';

/** Options of `SessionStore.redis`: the Redis that keeps oauth2-proxy's sessions, deployed or existing. */
export interface RedisSessionStoreOptions {
  /**
   * The Redis password, from a Secret key. The deployed Redis requires it (`requirepass`) and
   * oauth2-proxy reads it from `OAUTH2_PROXY_REDIS_PASSWORD`; it never appears in a ConfigMap.
   * @default - no password (only allowed with an existing Redis given by `url`)
   */
  readonly password?: kplus.SecretValue;

  /**
   * Deploy a Redis for the sessions next to oauth2-proxy (the shared `Redis` construct: one
   * non-clustered instance, reachable only from oauth2-proxy through a NetworkPolicy).
   * @default true
   */
  readonly deploy?: boolean;

  /**
   * URL of an existing Redis (`redis://host:6379`), when `deploy` is false.
   * @default - the deployed Redis
   */
  readonly url?: string;

  /**
   * Where the deployed Redis keeps its data.
   * @default RedisPersistence.none() — sessions are lost when Redis restarts, users log in again
   */
  readonly persistence?: RedisPersistence;

  /**
   * The Redis image of the deployed Redis.
   * @default - the Redis construct's pinned image
   */
  readonly image?: string;
}

/** What a session store contributes to oauth2-proxy. @internal */
export interface BoundSessionStore {
  readonly config: Record<string, TomlValue>;
  /** Secret-backed environment variables of the oauth2-proxy container. */
  readonly env: Record<string, kplus.EnvValue>;
  /** The Redis the construct deployed, if any. */
  readonly redis?: Redis;
}

/**
 * Where oauth2-proxy keeps sessions. With Redis the browser holds only a ticket; the tokens
 * oauth2-proxy forwards (ID token, access token) stay server-side, which keeps cookies small
 * enough for Entra ID tokens.
 */
export abstract class SessionStore {
  /** Sessions in Redis: a deployed one (the default) or an existing one (`url`). */
  public static redis(options: RedisSessionStoreOptions = {}): SessionStore {
    return new RedisStore(options);
  }

  /**
   * Sessions in encrypted cookies. No server state, but the cookie carries every token and may be
   * split into several cookies; Entra ID tokens often exceed browser and proxy header limits.
   */
  public static cookie(): SessionStore {
    return new CookieStore();
  }

  /** @internal */
  public abstract _bind(scope: Construct, prop: string, namespace: string, name: string, client: kplus.Deployment): BoundSessionStore;
}

class CookieStore extends SessionStore {
  public _bind(): BoundSessionStore {
    return { config: { session_store_type: 'cookie' }, env: {} };
  }
}

class RedisStore extends SessionStore {
  constructor(private readonly options: RedisSessionStoreOptions) {
    super();
  }

  public _bind(scope: Construct, prop: string, namespace: string, name: string, client: kplus.Deployment): BoundSessionStore {
    const o = this.options;
    const deploy = o.deploy ?? true;
    const env: Record<string, kplus.EnvValue> = {};
    if (o.password) env.OAUTH2_PROXY_REDIS_PASSWORD = kplus.EnvValue.fromSecretValue(o.password);
    if (!deploy) {
      if (!o.url) {
        throw propError(scope, prop, 'a Redis session store was requested with Redis disabled (deploy: false) and no url',
          'pass the url of an existing Redis, or let the construct deploy one (deploy: true)');
      }
      if (!/^rediss?:\/\/[^\s/]+/.test(o.url)) {
        throw propError(scope, `${prop}.url`, `${show(o.url)} is not a redis:// or rediss:// URL`, 'give a URL such as "redis://redis.sessions.svc:6379"');
      }
      if (/^rediss?:\/\/[^/]*@/.test(o.url)) {
        // the URL goes into the ConfigMap: credentials in it would be stored in the clear
        throw propError(scope, `${prop}.url`, 'the URL carries credentials (user:password@), which would be written to the oauth2-proxy ConfigMap',
          'give the URL without them and the password as password ({ secret, key }), which reaches oauth2-proxy through secretKeyRef');
      }
      return { config: { session_store_type: 'redis', redis_connection_url: o.url }, env };
    }
    if (o.url) {
      throw propError(scope, `${prop}.url`, `${show(o.url)} was given while the construct deploys its own Redis`, 'set deploy: false to use that Redis, or drop the url');
    }
    if (!o.password) {
      throw propError(scope, `${prop}.password`, 'received undefined for the Redis the construct deploys',
        'pass a SecretValue ({ secret, key }) holding the Redis password; it reaches Redis and oauth2-proxy only through secretKeyRef');
    }
    const redis = new Redis(scope, 'redis', {
      name: `${name}-redis`,
      namespace,
      password: o.password,
      persistence: o.persistence,
      image: o.image,
      allowFrom: [client],
      // every session key expires (cookie_expire): at the memory bound the oldest sessions are
      // logged out instead of every login failing on refused writes
      evictionPolicy: RedisEvictionPolicy.VOLATILE_LRU,
    });
    return { config: { session_store_type: 'redis', redis_connection_url: redis.url }, env, redis };
  }
}
