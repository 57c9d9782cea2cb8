export { Redis, type RedisProps, RedisPersistence } from './redis';
