import { describeWithServices, waitFor } from '@kit/testing';
import { resolveLifespanOptions } from '../options/lifespan-options.factory';
import type { RedisOptions } from '../options/lifespan-options.interface';
import { RedisResource } from './redis.resource';
import { ResourceRegistry } from '../resources/resource.registry';

// The Redis resource on its own. Port 1 on loopback refuses connections, which needs no Redis;
// the rest runs on the real Redis of REDIS_URL (see test/resources-redis.e2e-spec.ts for the
// app-level behaviour: readiness, outages through a proxy, boot failures).

const registry = new ResourceRegistry(resolveLifespanOptions({}));

/** Sockets and timers alive in the process now. */
function handles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((k) => k === 'TCPSocketWrap').length,
    timers: info.filter((k) => k === 'Timeout').length,
  };
}

/**
 * Waits (bounded) until the process holds no more sockets or timers than it did `before`
 * (Jest's own timers come and go, so fewer is fine).
 */
async function expectNoneLeft(before: { sockets: number; timers: number }): Promise<void> {
  const done = (): boolean => {
    const now = handles();
    return now.sockets <= before.sockets && now.timers <= before.timers;
  };
  await waitFor(done, {
    timeoutMs: 1_000,
    description: `at most ${before.sockets} sockets and ${before.timers} timers`,
  });
}

function resource(options: RedisOptions): RedisResource {
  return new RedisResource(resolveLifespanOptions({ redis: options }).redis!, registry);
}

describe('RedisResource', () => {
  const opened: RedisResource[] = [];
  afterEach(async () => {
    for (const r of opened.splice(0)) await r.close();
  });
  const track = (r: RedisResource): RedisResource => (opened.push(r), r);

  it('is named redis and targets the URL with its password masked', () => {
    const r = track(resource({ url: 'redis://app:s3cret@127.0.0.1:1/3' }));
    expect(r.name).toBe('redis');
    expect(r.target).toBe('redis://app:****@127.0.0.1:1/3');
  });

  it('does not connect before open()', () => {
    const r = track(resource({ url: 'redis://127.0.0.1:1' }));
    expect(r.client.status).toBe('wait');
  });

  describe('when nothing listens at the URL', () => {
    it('open() fails with the connection error, and close() leaves no socket or reconnect timer', async () => {
      const before = handles();
      const r = track(resource({ url: 'redis://:s3cret@127.0.0.1:1', connectTimeoutMs: 1_000 }));
      await expect(r.open()).rejects.toMatchObject({
        code: 'ECONNREFUSED',
        message: expect.stringContaining('ECONNREFUSED 127.0.0.1:1'),
      });
      await expect(r.check()).rejects.toThrow(
        /^redis connection is (reconnecting|connecting|close)$/,
      );
      await r.close();
      await r.close();
      await expectNoneLeft(before);
    });
  });

  describe('connection()', () => {
    it('derives a lazy connection with the same target and timeouts, named for its role', () => {
      const r = track(resource({ url: 'redis://127.0.0.1:1/3', connectTimeoutMs: 1_234 }));
      const conn = r.connection('kit-test-role', { enableOfflineQueue: false });
      expect(conn.status).toBe('wait');
      expect(conn.options).toMatchObject({
        host: '127.0.0.1',
        port: 1,
        db: 3,
        connectTimeout: 1_234,
        connectionName: 'kit-test-role',
        enableOfflineQueue: false,
        lazyConnect: true,
      });
    });

    it('is refused once the resource is closed, with REDIS_CLOSED', async () => {
      const r = track(resource({ url: 'redis://127.0.0.1:1' }));
      await r.close();
      expect(() => r.connection('late')).toThrow(
        expect.objectContaining({ code: 'REDIS_CLOSED', name: 'LifespanError' }),
      );
    });
  });

  describeWithServices('on the real Redis', ['redis'], (urls) => {
    const url = urls.redis;

    it('derives connections that reach the same Redis, and close() ends those left open', async () => {
      const before = handles();
      const r = track(resource({ url }));
      await r.open();
      const conn = r.connection('kit-test-derived');
      await conn.connect();
      await expect(conn.client('GETNAME')).resolves.toBe('kit-test-derived');
      await r.close();
      expect(conn.status).toBe('end');
      await expectNoneLeft(before);
    });

    it('opens, answers checks, and closes idempotently, its connection ended', async () => {
      const before = handles();
      const r = track(resource({ url }));
      await r.open();
      expect(r.client.status).toBe('ready');
      await expect(r.check()).resolves.toBeUndefined();
      await expect(r.client.ping()).resolves.toBe('PONG');
      await Promise.all([r.close(), r.close()]);
      await r.close();
      expect(r.client.status).toBe('end');
      expect(handles().sockets).toBe(before.sockets);
      await expect(r.check()).rejects.toThrow('redis connection is end');
      await expect(r.check()).rejects.toMatchObject({ code: 'REDIS_NOT_READY' });
    });
  });
});
