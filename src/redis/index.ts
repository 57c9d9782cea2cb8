export { Redis, RedisPersistence } from './redis';
export type { RedisProps } from './redis';
