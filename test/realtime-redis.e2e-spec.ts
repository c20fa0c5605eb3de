import { RealtimeService } from '@kit/realtime';
import {
  Closer,
  type WsTestClient,
  waitFor,
  describeWithServices,
  TcpProxy,
  deleteRedisKeys,
} from '@kit/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ClientPool, messageEnvelope, uniqueRoom } from './support/ws-expect';
import {
  api,
  bootRealtimeService,
  type BootOptions,
  createSharedStore,
  FAST_REALTIME,
  type RealtimeTestService,
  type SharedStore,
  type TestUser,
} from './support/ws-service';

// Two (and for the crash, three) real instances in this process, each with its own Redis
// connections, sharing one user table. Instance A reaches Redis through a TCP proxy the test
// can cut and restore; the shared Redis server itself is never stopped.

describeWithServices('realtime across instances (Redis)', ['redis'], (urls) => {
  const url = urls.redis;
  const prefix = `kit-rt-test-${randomBytes(4).toString('hex')}`;
  const TTL_MS = 500;
  const pool = new ClientPool();
  let store: SharedStore;
  let proxy: TcpProxy;
  let a: RealtimeTestService;
  let b: RealtimeTestService;
  let raw: Redis;
  const closer = new Closer();

  /** The service's Redis (LifespanModule's, which the broker derives from) and its realtime options. */
  const options = (redis: string): Pick<BootOptions, 'realtime' | 'redis'> => ({
    realtime: {
      ...FAST_REALTIME,
      redis: { keyPrefix: prefix, presenceHeartbeatMs: 100, presenceTtlMs: TTL_MS },
    },
    redis: { url: redis, reconnectMaxDelayMs: 100, commandTimeoutMs: 500, connectTimeoutMs: 2_000 },
  });

  beforeAll(async () => {
    store = createSharedStore('redis');
    proxy = await TcpProxy.forUrl(url, 6379);
    raw = new Redis(url, { lazyConnect: true });
    await raw.connect();
    a = await closer.adopt(
      bootRealtimeService({ label: 'redis-a', store, ...options(proxy.url(url)) }),
    );
    b = await closer.adopt(bootRealtimeService({ label: 'redis-b', store, ...options(url) }));
  });
  afterEach(() => pool.closeAll());
  afterAll(async () => {
    await closer.closeAll();
    await proxy?.stop();
    if (raw) {
      await deleteRedisKeys(raw, `${prefix}:`);
      await raw.quit();
    }
    store?.drop();
  });

  async function join(s: RealtimeTestService, user: TestUser, room: string): Promise<WsTestClient> {
    const c = await pool.connect(s.url, `/ws/${room}`, { token: user.token });
    await c.next((m) => m.type === 'presence' && (m.user as { id: string }).id === user.id);
    return c;
  }

  it('reports the broker in readiness on both instances', async () => {
    expect(await ready(a)).toEqual({ status: 200, redis: 'up' });
    expect(await ready(b)).toEqual({ status: 200, redis: 'up' });
  });

  it('delivers each message once to every member on every instance, never to non-members', async () => {
    const room = uniqueRoom();
    const other = uniqueRoom();
    const users = await Promise.all([a.user(), a.user(), a.user(), a.user(), a.user(), a.user()]);
    const [u1, u2, u3, u4, u5, u6] = users as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const onA = [await join(a, u1, room), await join(a, u2, room)];
    const onB = [await join(b, u3, room), await join(b, u4, room)];
    const outsiders = [await join(a, u5, other), await join(b, u6, other)];
    const everyone = [...onA, ...onB];

    for (const [sender, sentinel] of [
      [onA[0], onB[1]],
      [onB[0], onA[1]],
    ] as const) {
      const tag = randomBytes(4).toString('hex');
      sender?.send({ tag });
      await Promise.all(everyone.map((c) => c.next(arrived({ tag }))));
      // A sentinel from the other instance travels behind any duplicate on Redis.
      sentinel?.send({ sentinel: tag });
      await Promise.all(everyone.map((c) => c.next(arrived({ sentinel: tag }))));
      for (const c of everyone) {
        expect(c.received.filter(arrived({ tag }))).toHaveLength(1);
        expect(c.received.filter(arrived({ sentinel: tag }))).toHaveLength(1);
      }
    }
    for (const c of outsiders) {
      expect(c.received.filter((m) => m.type === 'message')).toHaveLength(0);
      expect(c.received.every((m) => m.room === other)).toBe(true);
    }
  });

  it('broadcasts a server-side message into the room on every instance', async () => {
    const room = uniqueRoom();
    const [u1, u2] = [await a.user(), await a.user()];
    const onA = await join(a, u1, room);
    const onB = await join(b, u2, room);
    const res = await api(a, `/rooms/${room}/messages`, {
      token: a.admin.token,
      json: { data: 'all hands' },
    });
    expect(res.status).toBe(202);
    const envelope = await res.json();
    expect(await onA.nextOfType('message')).toEqual(envelope);
    expect(await onB.nextOfType('message')).toEqual(envelope);
    expect(envelope).toEqual(messageEnvelope(room, 'system', 'all hands'));
  });

  it('lists members across instances, and forgets them when they leave', async () => {
    const room = uniqueRoom();
    const [u1, u2, u3] = [await a.user(), await a.user(), await a.user()];
    await join(a, u1, room);
    await join(b, u2, room);
    const leaving = await join(b, u3, room);
    const all = [u1.id, u2.id, u3.id].sort().map((id) => ({ id }));
    const expected = { status: 200, body: { room, members: all, count: 3 } };
    expect(await members(a, room, u1.token)).toEqual(expected);
    expect(await members(b, room, u1.token)).toEqual(expected);
    await leaving.close();
    const two = [u1.id, u2.id].sort().map((id) => ({ id }));
    await waitFor(
      async () => {
        const res = (await members(a, room, u1.token)) as { body: { count: number } };
        return res.body.count === 2 ? res : undefined;
      },
      { timeoutMs: 5_000 },
    );
    expect(await members(a, room, u1.token)).toEqual({
      status: 200,
      body: { room, members: two, count: 2 },
    });
  });

  it('ignores and counts malformed messages on the channel', async () => {
    const room = uniqueRoom();
    const [u1, u2] = [await a.user(), await a.user()];
    const onA = await join(a, u1, room);
    const onB = await join(b, u2, room);
    const before = [a, b].map((s) => s.t.app.get(RealtimeService).stats().broker.malformed);
    const envelope = JSON.stringify({
      type: 'message',
      room,
      id: 'x',
      from: { id: 'evil' },
      data: 1,
      ts: 'now',
    });
    const garbage = [
      'garbage',
      '',
      `v1\nintruder\n${room}\n{not json`,
      `v2\nintruder\n${room}\n${envelope}`,
      `v1\nintruder\n${room}-elsewhere\n${envelope}`,
      `v1\nin truder\n${room}\n${envelope}`,
      `v1\nintruder\n${room}\n${JSON.stringify({ type: 'admin', room })}`,
      `v1\nintruder\n${room}\n${JSON.stringify({ type: 'presence', room, event: 'explode', user: { id: 'x' } })}`,
      `v1\nintruder\n${room}\n[1,2,3]`,
      `v1\nintruder\n${room}\n${JSON.stringify({ type: 'message', room, data: 'x'.repeat(80_000), id: 'x', from: { id: 'x' }, ts: 'x' })}`,
    ];
    for (const payload of garbage) await raw.publish(`${prefix}:bus`, payload);
    for (const [i, s] of [a, b].entries()) {
      await waitFor(
        () => {
          const malformed = s.t.app.get(RealtimeService).stats().broker.malformed;
          return malformed - (before[i] as number) === garbage.length ? true : undefined;
        },
        { timeoutMs: 5_000 },
      );
    }
    onA.send('still working');
    expect(await onB.nextOfType('message')).toEqual(messageEnvelope(room, u1.id, 'still working'));
    expect(await onA.nextOfType('message')).toEqual(messageEnvelope(room, u1.id, 'still working'));
    expect(onB.received.filter((m) => m.type === 'message')).toHaveLength(1);
  });

  it('keeps delivering locally while Redis is cut off, reports it, and recovers by itself', async () => {
    const room = uniqueRoom();
    const [u1, u2, u3] = [await a.user(), await a.user(), await a.user()];
    const a1 = await join(a, u1, room);
    const a2 = await join(a, u2, room);
    const b1 = await join(b, u3, room);
    const realtimeA = a.t.app.get(RealtimeService);

    await proxy.stop();
    try {
      expect(
        await waitFor(
          async () => {
            const r = await ready(a);
            return r.status === 503 ? r : undefined;
          },
          { timeoutMs: 5_000 },
        ),
      ).toEqual({ status: 503, redis: 'down' });
      expect(await ready(b)).toEqual({ status: 200, redis: 'up' });

      const failuresBefore = realtimeA.stats().broker.publishFailures;
      a1.send('local only');
      expect(await a2.next(arrived('local only'))).toEqual(
        messageEnvelope(room, u1.id, 'local only'),
      );
      expect(realtimeA.stats().broker.publishFailures).toBeGreaterThan(failuresBefore);

      // A looks crashed to B: its members expire with the TTL.
      const onlyB = { status: 200, body: { room, members: [{ id: u3.id }], count: 1 } };
      await waitFor(
        async () => {
          const m = (await members(b, room, u3.token)) as { body: { count: number } };
          return m.body.count === 1 ? true : undefined;
        },
        { timeoutMs: TTL_MS * 10 },
      );
      expect(await members(b, room, u3.token)).toEqual(onlyB);
      const down = await api(a, `/rooms/${room}/members`, { token: u1.token });
      expect(down.status).toBe(503);
      expect(((await down.json()) as { error: string }).error).toBe('REALTIME_BROKER_UNAVAILABLE');
    } finally {
      await proxy.restart();
    }

    await waitFor(async () => ((await ready(a)).status === 200 ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(await ready(a)).toEqual({ status: 200, redis: 'up' });
    const all = [u1.id, u2.id, u3.id].sort().map((id) => ({ id }));
    await waitFor(
      async () => {
        const m = (await members(b, room, u3.token)) as { body: { count: number } };
        return m.body.count === 3 ? true : undefined;
      },
      { timeoutMs: 5_000 },
    );
    expect(await members(b, room, u3.token)).toEqual({
      status: 200,
      body: { room, members: all, count: 3 },
    });

    a1.send('across again');
    for (const c of [a1, a2, b1]) await c.next(arrived('across again'));
    b1.send('and back');
    for (const c of [a1, a2, b1]) await c.next(arrived('and back'));
    for (const c of [a1, a2, b1]) {
      expect(c.received.filter(arrived('across again'))).toHaveLength(1);
      expect(c.received.filter(arrived('and back'))).toHaveLength(1);
    }
    expect(b1.received.filter(arrived('local only'))).toHaveLength(0);
  }, 60_000);

  it('forgets the members of an instance that died without cleaning up', async () => {
    const cProxy = await TcpProxy.forUrl(url, 6379);
    const c = await bootRealtimeService({
      label: 'redis-c',
      store,
      ...options(cProxy.url(url)),
    });
    try {
      const room = uniqueRoom();
      const [u1, u2] = [await a.user(), await a.user()];
      await join(b, u1, room);
      const ghost = await pool.connect(c.url, `/ws/${room}`, { token: u2.token });
      await ghost.nextOfType('presence');
      const both = [u1.id, u2.id].sort().map((id) => ({ id }));
      expect(await members(b, room, u1.token)).toEqual({
        status: 200,
        body: { room, members: both, count: 2 },
      });
      // C loses Redis for good, then goes away: its own cleanup cannot reach Redis.
      await cProxy.stop();
      await ghost.close();
      await c.close();
      await waitFor(
        async () => {
          const m = (await members(b, room, u1.token)) as { body: { count: number } };
          return m.body.count === 1 ? true : undefined;
        },
        { timeoutMs: TTL_MS * 10 },
      );
      expect(await members(b, room, u1.token)).toEqual({
        status: 200,
        body: { room, members: [{ id: u1.id }], count: 1 },
      });
    } finally {
      await c.close();
      await cProxy.stop();
    }
  }, 60_000);
});

function arrived(data: unknown): (m: { type: string; data?: unknown }) => boolean {
  const text = JSON.stringify(data);
  return (m) => m.type === 'message' && JSON.stringify(m.data) === text;
}

async function members(s: RealtimeTestService, room: string, token: string): Promise<unknown> {
  const res = await api(s, `/rooms/${room}/members`, { token });
  return { status: res.status, body: await res.json() };
}

async function ready(s: RealtimeTestService): Promise<{ status: number; redis: unknown }> {
  const res = await fetch(`${s.url}/health/ready`);
  const body = (await res.json()) as { resources?: Record<string, { status: string }> };
  return { status: res.status, redis: body.resources?.['realtime-redis']?.status };
}
