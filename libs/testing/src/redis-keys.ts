import type { Redis } from 'ioredis';

/** Deletes every key that starts with `prefix` (test cleanup on the shared Redis). */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}
