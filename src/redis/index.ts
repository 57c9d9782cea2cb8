export { Redis, RedisEvictionPolicy, type RedisProps, RedisPersistence } from './redis';
