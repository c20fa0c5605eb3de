import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { resolveAuthOptions } from '../options/auth-options.factory';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';
import { describeWithServices } from '@kit/testing';
import { LoginThrottle } from './login.throttle';
import { RedisLoginThrottle } from './redis-login.throttle';
import { sha256 } from '../tokens/secret-token';

// Two throttles stand for two instances of a service. The Redis ones run on the real Redis of
// REDIS_URL; the outage cases need none (a client never connected, a server that never answers).

const WINDOW_MS = 60_000;

function optionsWith(prefix: string): ResolvedAuthOptions {
  return resolveAuthOptions({
    jwt: { secret: 'x'.repeat(32), issuer: 'spec', audience: 'spec' },
    throttle: {
      maxFailuresPerUsernameAndAddress: 3,
      maxFailuresPerUsername: 6,
      maxFailuresPerAddress: 8,
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

/** `times` attempts that are admitted and then fail (their reservations stay counted). */
async function fail(
  throttle: RedisLoginThrottle,
  username: string,
  times: number,
  address = '10.0.0.1',
) {
  for (let i = 0; i < times; i++) {
    expect(await throttle.reserve(username, address)).toEqual({
      admitted: true,
      id: expect.any(String),
    });
  }
}

/** Seconds the next attempt must wait, 0 when it would be admitted (then withdrawn). */
async function waitFor(throttle: RedisLoginThrottle, username: string, address: string) {
  const attempt = await throttle.reserve(username, address);
  if (!attempt.admitted) return attempt.retryAfter;
  await throttle.cancel(username, address, attempt.id);
  return 0;
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Resolves once redis-server says it accepts connections; rejects if it exits first. */
function readyLine(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    server.once('error', reject);
  });
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

  describeWithServices(
    'on Redis (limits 3 per username from an address, 6 per username, 8 per address, 60 s)',
    ['redis'],
    ({ redis: REDIS_URL }) => {
      let redis: Redis;
      let prefix: string;
      let a: ClockedThrottle;
      let b: ClockedThrottle;

      beforeAll(async () => {
        // Connected first, as LifespanModule's Redis is once the app has booted.
        redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
        await redis.connect();
      }, 10_000);
      beforeEach(() => {
        prefix = `kit-spec:${randomUUID()}:`;
        a = instance(prefix, redis);
        b = instance(prefix, redis);
      });
      afterEach(async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      }, 10_000);
      afterAll(() => redis?.quit(), 10_000);

      it('refuses a username from an address on every instance once the failures on all reach the limit', async () => {
        await fail(a, 'ada@example.com', 2);
        await fail(b, 'ada@example.com', 1);
        expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBe(WINDOW_MS / 1000);
        expect(await waitFor(b, 'ada@example.com', '10.0.0.1')).toBe(WINDOW_MS / 1000);
      });

      it('still admits that username from an address that has not failed', async () => {
        await fail(a, 'ada@example.com', 3);
        expect(await waitFor(b, 'ada@example.com', '10.0.0.2')).toBe(0);
      });

      it('refuses the username from every address at its ceiling', async () => {
        await fail(a, 'ada@example.com', 3, '10.0.0.1');
        await fail(b, 'ada@example.com', 3, '10.0.0.2');
        expect(await waitFor(a, 'ada@example.com', '10.0.0.9')).toBe(WINDOW_MS / 1000);
        expect(await waitFor(a, 'bob@example.com', '10.0.0.9')).toBe(0);
      });

      it('admits no more than the limit of parallel attempts from two instances', async () => {
        const attempts = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? a : b).reserve('ada@example.com', '10.0.0.1'),
          ),
        );
        expect(attempts.filter((attempt) => attempt.admitted)).toHaveLength(3);
        expect(attempts.filter((attempt) => !attempt.admitted)).toHaveLength(9);
      });

      it('counts every spelling of a username against one budget', async () => {
        await fail(a, 'ada@example.com', 2);
        await fail(b, ' ADA@example.com', 1);
        expect(await waitFor(b, 'Ada@Example.com', '10.0.0.1')).toBeGreaterThan(0);
      });

      it('forgets failures once they leave the window', async () => {
        await fail(a, 'ada@example.com', 3);
        a.time += WINDOW_MS;
        expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBe(0);
      });

      it('a success on one instance clears the username from that address on all', async () => {
        await fail(a, 'ada@example.com', 2);
        const attempt = await b.reserve('ada@example.com', '10.0.0.1');
        if (!attempt.admitted) throw new Error('expected the attempt to be admitted');
        await b.recordSuccess('ada@example.com', '10.0.0.1', attempt.id);
        await fail(a, 'ada@example.com', 3);
        // The ceiling kept the 2 earlier failures, not the successful attempt: 5 of 6.
        expect(await waitFor(a, 'ada@example.com', '10.0.0.9')).toBe(0);
      });

      it('a cancelled attempt gives its place back on every instance', async () => {
        await fail(a, 'ada@example.com', 2);
        const attempt = await b.reserve('ada@example.com', '10.0.0.1');
        expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBeGreaterThan(0);
        if (!attempt.admitted) throw new Error('expected the attempt to be admitted');
        await b.cancel('ada@example.com', '10.0.0.1', attempt.id);
        expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBe(0);
      });

      it('refuses an address once failures for any usernames from it reach its limit', async () => {
        for (let i = 0; i < 4; i++) await fail(i % 2 ? a : b, `user${i}@example.com`, 2);
        expect(await waitFor(a, 'carol@example.com', '10.0.0.1')).toBeGreaterThan(0);
        expect(await waitFor(a, 'carol@example.com', '10.0.0.2')).toBe(0);
      });

      it('loads its script again when Redis forgot it', async () => {
        await fail(a, 'ada@example.com', 1);
        await redis.script('FLUSH');
        await fail(b, 'ada@example.com', 2);
        expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBe(WINDOW_MS / 1000);
      });

      it('stores fixed-size keys without the username, at most its limit each, expiring', async () => {
        const username = `${'long.name'.repeat(100)}@example.com`;
        for (let i = 0; i < 2; i++) await fail(a, username, 3, `10.0.0.${i}`);
        expect(await waitFor(a, username, '10.0.0.2')).toBe(WINDOW_MS / 1000);
        const keys = await redis.keys(`${prefix}*`);
        // The username, its 2 addresses and its 2 pairs; the refused third attempt added nothing.
        expect(keys).toHaveLength(5);
        const sizes: number[] = [];
        for (const key of keys) {
          expect(key).toMatch(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`));
          sizes.push(await redis.zcard(key));
          const ttl = await redis.pttl(key);
          expect(ttl).toBeGreaterThan(0);
          expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
        }
        expect(sizes.sort()).toEqual([3, 3, 3, 3, 6]);
      });
    },
  );

  describe('on a Redis of its own that forgets its scripts', () => {
    let server: ChildProcess | undefined;
    let own: Redis | undefined;

    beforeAll(async () => {
      const port = await freePort();
      server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no']);
      await readyLine(server);
      own = new Redis(port, '127.0.0.1', { lazyConnect: true });
      await own.connect();
    }, 15_000);
    afterAll(async () => {
      own?.disconnect();
      if (server && server.exitCode === null) {
        const exited = new Promise((resolve) => server?.once('exit', resolve));
        server.kill('SIGKILL');
        await exited;
      }
    }, 15_000);

    it('sends the script again after SCRIPT FLUSH', async () => {
      const redis = own as Redis;
      const a = instance('kit-spec:', redis);
      await fail(a, 'ada@example.com', 1);
      await redis.script('FLUSH');
      await fail(a, 'ada@example.com', 2);
      expect(await waitFor(a, 'ada@example.com', '10.0.0.1')).toBe(WINDOW_MS / 1000);
      expect(await redis.zcard(`kit-spec:${sha256('u:ada@example.com')}`)).toBe(3);
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
      expect(await waitFor(alone, 'ada@example.com', '10.0.0.1')).toBeGreaterThan(0);
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
        const wait = await waitFor(alone, 'ada@example.com', '10.0.0.1');
        // One call waited for Redis (250 ms); the others went straight to the process's counts.
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(wait).toBeGreaterThan(0);
        expect(errors).toHaveBeenCalledTimes(1);
      });
    });
  });
});
