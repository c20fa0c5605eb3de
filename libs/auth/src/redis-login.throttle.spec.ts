import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { resolveAuthOptions } from './auth-options.factory';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { LoginThrottle } from './login.throttle';
import { RedisLoginThrottle } from './redis-login.throttle';

// Two throttles stand for two instances of a service. The Redis ones run on the real Redis of
// REDIS_URL; the outage cases need none (a client never connected, a server that never answers).

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL && process.env.REQUIRE_SERVICES === '1')
  throw new Error('Redis is required (REQUIRE_SERVICES=1) but REDIS_URL is unset');
// One line on stderr: Jest prints console.warn with a stack location under it.
if (!REDIS_URL)
  process.stderr.write('RedisLoginThrottle tests on a real Redis not run: REDIS_URL is unset\n');
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

/** A throttle on a clock the test moves by hand. */
class ClockedThrottle extends RedisLoginThrottle {
  time = 1_000_000_000;
  protected override now(): number {
    return this.time;
  }
}

function instance(prefix: string, redis: Redis): ClockedThrottle {
  const options = optionsWith(prefix);
  return new ClockedThrottle(options, redis, new LoginThrottle(options.throttle));
}

async function fail(
  throttle: RedisLoginThrottle,
  username: string,
  times: number,
  address = '10.0.0.1',
) {
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
    let a: ClockedThrottle;
    let b: ClockedThrottle;

    beforeAll(async () => {
      // Connected first, as LifespanModule's Redis is once the app has booted.
      redis = new Redis(REDIS_URL as string, { maxRetriesPerRequest: 1, lazyConnect: true });
      await redis.connect();
    });
    beforeEach(() => {
      prefix = `kit-spec:${randomUUID()}:`;
      a = instance(prefix, redis);
      b = instance(prefix, redis);
    });
    afterEach(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    });
    afterAll(() => redis?.quit());

    it('refuses a username on every instance once the failures on all reach the limit', async () => {
      await fail(a, 'ada@example.com', 2);
      await fail(b, 'ada@example.com', 1, '10.0.0.2');
      expect(await a.retryAfter('ada@example.com', '10.0.0.3')).toBe(WINDOW_MS / 1000);
    });

    it('counts every spelling of a username against one budget', async () => {
      await fail(a, 'ada@example.com', 2);
      await fail(b, ' ADA@example.com', 1);
      expect(await b.retryAfter('Ada@Example.com', '10.0.0.3')).toBeGreaterThan(0);
    });

    it('leaves other usernames alone', async () => {
      await fail(a, 'ada@example.com', 3);
      expect(await b.retryAfter('bob@example.com', '10.0.0.3')).toBe(0);
    });

    it('forgets failures once they leave the window', async () => {
      await fail(a, 'ada@example.com', 3);
      a.time += WINDOW_MS;
      expect(await a.retryAfter('ada@example.com', '10.0.0.3')).toBe(0);
    });

    it('a success on one instance clears the username on all', async () => {
      await fail(a, 'ada@example.com', 3);
      await b.recordSuccess('ada@example.com');
      expect(await a.retryAfter('ada@example.com', '10.0.0.9')).toBe(0);
    });

    it('refuses an address once failures for any usernames from it reach its limit', async () => {
      await fail(a, 'ada@example.com', 3);
      await fail(b, 'bob@example.com', 2);
      expect(await a.retryAfter('carol@example.com', '10.0.0.1')).toBeGreaterThan(0);
    });

    it('stores fixed-size keys without the username, at most the largest limit each, expiring', async () => {
      await fail(a, `${'long.name'.repeat(100)}@example.com`, 8);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        expect(key).toMatch(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`));
        expect(await redis.zcard(key)).toBe(5);
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
      }
    });
  });

  describe('when Redis does not answer', () => {
    let errors: jest.SpyInstance;
    beforeEach(() => {
      errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => errors.mockRestore());

    it('throttles on its own counts while the client is not connected, and says so once', async () => {
      const idle = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
      const alone = instance('kit-spec:', idle);
      await fail(alone, 'ada@example.com', 3);
      expect(await alone.retryAfter('ada@example.com', '10.0.0.1')).toBeGreaterThan(0);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toContain('counted in this process only');
      idle.disconnect();
    });

    describe('on a connection that hangs', () => {
      let server: Server;
      const sockets = new Set<Socket>();
      let hung: Redis;

      beforeAll(async () => {
        server = createServer((socket) => sockets.add(socket)); // accepts, never answers
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as { port: number };
        // No handshake to wait for: the client is ready as soon as it is connected.
        hung = new Redis(port, '127.0.0.1', {
          enableReadyCheck: false,
          lazyConnect: true,
          protocol: 2,
          disableClientInfo: true,
        });
        await hung.connect();
      });
      afterAll(async () => {
        hung.disconnect();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it('answers each call within the time limit, on its own counts', async () => {
        const alone = instance('kit-spec:', hung);
        const started = performance.now();
        await fail(alone, 'ada@example.com', 3);
        const wait = await alone.retryAfter('ada@example.com', '10.0.0.1');
        // One call waited for Redis (250 ms); the others went straight to the process's counts.
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(wait).toBeGreaterThan(0);
        expect(errors).toHaveBeenCalledTimes(1);
      });
    });
  });
});
