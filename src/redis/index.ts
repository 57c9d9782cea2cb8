export { Redis, RedisProps, RedisPersistence } from './redis';
