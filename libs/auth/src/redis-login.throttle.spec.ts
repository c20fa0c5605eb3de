import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { resolveAuthOptions } from './auth-options.factory';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { LoginThrottle } from './login.throttle';
import { RedisLoginThrottle } from './redis-login.throttle';

// On the real Redis of REDIS_URL: two throttles stand for two instances of a service.

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL && process.env.REQUIRE_SERVICES === '1')
  throw new Error('Redis is required (REQUIRE_SERVICES=1) but REDIS_URL is unset');
if (!REDIS_URL) console.warn('RedisLoginThrottle tests not run: REDIS_URL is unset');
const describeWithRedis = REDIS_URL ? describe : describe.skip;

const WINDOW_MS = 60_000;

function optionsWith(prefix: string): ResolvedAuthOptions {
  return resolveAuthOptions({
    jwt: { secret: 'x'.repeat(32), issuer: 'spec', audience: 'spec' },
    throttle: {
      maxFailuresPerUsername: 3,
      maxFailuresPerAddress: 5,
      windowMs: WINDOW_MS,
      redisKeyPrefix: prefix,
    },
  });
}

function instance(options: ResolvedAuthOptions, redis: Redis): RedisLoginThrottle {
  return new RedisLoginThrottle(options, redis, new LoginThrottle(options.throttle));
}

async function fail(
  throttle: RedisLoginThrottle,
  username: string,
  address: string,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) await throttle.recordFailure(username, address);
}

describe('RedisLoginThrottle', () => {
  it('needs a Redis connection', () => {
    const options = optionsWith('kit-spec:');
    expect(
      () => new RedisLoginThrottle(options, null, new LoginThrottle(options.throttle)),
    ).toThrow(
      expect.objectContaining({ code: 'AUTH_INVALID_OPTION', option: 'auth.loginThrottle' }),
    );
  });

  describeWithRedis('on Redis (limits 3 per username, 5 per address, 60 s)', () => {
    let redis: Redis;
    let prefix: string;
    let a: RedisLoginThrottle;
    let b: RedisLoginThrottle;

    beforeAll(() => {
      redis = new Redis(REDIS_URL as string, { maxRetriesPerRequest: 1 });
    });
    beforeEach(() => {
      prefix = `kit-spec:${randomUUID()}:`;
      a = instance(optionsWith(prefix), redis);
      b = instance(optionsWith(prefix), redis);
    });
    afterEach(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    });
    afterAll(() => redis?.quit());

    it('refuses a username on every instance once the failures on any reach the limit', async () => {
      await fail(a, 'ada@example.com', '10.0.0.1', 2);
      expect(await b.retryAfter('ada@example.com', '10.0.0.2')).toBe(0);
      await b.recordFailure(' ADA@example.com', '10.0.0.2'); // the same account, spelled otherwise
      const wait = await a.retryAfter('ada@example.com', '10.0.0.3');
      expect(wait).toBeGreaterThanOrEqual(WINDOW_MS / 1000 - 2);
      expect(wait).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expect(await b.retryAfter('bob@example.com', '10.0.0.3')).toBe(0);
    });

    it('a success on one instance clears the username on all; the address keeps its count', async () => {
      await fail(a, 'ada@example.com', '10.0.0.1', 3);
      expect(await b.retryAfter('ada@example.com', '10.0.0.9')).toBeGreaterThan(0);
      await b.recordSuccess('ada@example.com');
      expect(await a.retryAfter('ada@example.com', '10.0.0.9')).toBe(0);
      await fail(b, 'bob@example.com', '10.0.0.1', 2); // 3 + 2 = the address's 5
      expect(await a.retryAfter('carol@example.com', '10.0.0.1')).toBeGreaterThan(0);
    });

    it('keeps at most the largest limit per key, and the keys expire with the window', async () => {
      await fail(a, 'ada@example.com', '10.0.0.1', 8);
      const userKey = `${prefix}u:ada@example.com`;
      const addressKey = `${prefix}a:10.0.0.1`;
      expect(await redis.zcard(userKey)).toBe(5);
      expect(await redis.zcard(addressKey)).toBe(5);
      for (const key of [userKey, addressKey]) {
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
      }
    });

    it('without Redis answering, throttles on its own counts and says so once', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const gone = new Redis(REDIS_URL as string, { maxRetriesPerRequest: 0, lazyConnect: true });
      gone.disconnect();
      const alone = instance(optionsWith(prefix), gone);
      try {
        await fail(alone, 'ada@example.com', '10.0.0.1', 2);
        expect(await alone.retryAfter('ada@example.com', '10.0.0.1')).toBe(0);
        await alone.recordFailure('ada@example.com', '10.0.0.1');
        expect(await alone.retryAfter('ada@example.com', '10.0.0.1')).toBeGreaterThan(0);
        await alone.recordSuccess('ada@example.com');
        expect(await alone.retryAfter('ada@example.com', '10.0.0.1')).toBe(0);
        expect(errors).toHaveBeenCalledTimes(1);
        expect(String(errors.mock.calls[0]?.[0])).toContain('counted in this process only');
      } finally {
        errors.mockRestore();
      }
    });
  });
});
