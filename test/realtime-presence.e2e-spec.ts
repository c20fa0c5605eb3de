import type { PresenceBatchEnvelope, RealtimeModuleOptions } from '@kit/realtime';
import {
  Closer,
  deleteRedisKeys,
  describeWithServices,
  type WsMessage,
  type WsTestClient,
} from '@kit/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ClientPool, messageEnvelope, presence, uniqueRoom } from './support/ws-expect';
import {
  bootRealtimeService,
  createSharedStore,
  FAST_REALTIME,
  type RealtimeTestService,
  type SharedStore,
  type TestUser,
} from './support/ws-service';

// Presence of large rooms on real sockets: up to `batchAbove` sockets a room gets one presence
// frame per join and leave (the contract of DESIGN.md); above it, one presence-batch frame per
// interval. The threshold is tiny here so a "large" room costs a handful of sockets.

const BATCH_ABOVE = 2;
const INTERVAL_MS = 200;
const PRESENCE = { batchAbove: BATCH_ABOVE, intervalMs: INTERVAL_MS };

const isBatch = (m: WsMessage): boolean => m.type === 'presence-batch';
const isPresence = (m: WsMessage): boolean => m.type === 'presence';
const userOf = (m: WsMessage): string => (m.user as { id: string }).id;
const arrived =
  (data: unknown) =>
  (m: WsMessage): boolean =>
    m.type === 'message' && JSON.stringify(m.data) === JSON.stringify(data);

async function users(s: RealtimeTestService, n: number): Promise<TestUser[]> {
  const list: TestUser[] = [];
  for (let i = 0; i < n; i++) list.push(await s.user());
  return list;
}

interface Merged {
  joins: number;
  leaves: number;
  joined: { id: string }[];
  left: { id: string }[];
}

/**
 * Reads batches until they add up to `joins` and `leaves` (the interval may split them, however
 * fast the machine is) and merges them; each must be a well-formed, complete batch of `room`.
 */
async function batchesUntil(
  c: WsTestClient,
  room: string,
  joins: number,
  leaves: number,
): Promise<Merged> {
  const merged: Merged = { joins: 0, leaves: 0, joined: [], left: [] };
  while (merged.joins < joins || merged.leaves < leaves) {
    const batch = await c.next<PresenceBatchEnvelope & WsMessage>(isBatch);
    expect(batch).toEqual({
      type: 'presence-batch',
      room,
      joins: expect.any(Number),
      leaves: expect.any(Number),
      joined: expect.any(Array),
      left: expect.any(Array),
      truncated: false,
    });
    merged.joins += batch.joins;
    merged.leaves += batch.leaves;
    merged.joined.push(...batch.joined);
    merged.left.push(...batch.left);
  }
  return merged;
}

const ids = (list: readonly TestUser[]): { id: string }[] => list.map((u) => ({ id: u.id }));

describe('realtime: presence of large rooms (one instance)', () => {
  let s: RealtimeTestService;
  const pool = new ClientPool();
  const closer = new Closer();

  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'presence',
        realtime: { ...FAST_REALTIME, presence: PRESENCE },
      }),
    );
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  const open = (u: TestUser, room: string): Promise<WsTestClient> =>
    pool.connect(s.url, `/ws/${room}`, { token: u.token });

  it('announces joins one by one up to the threshold, then in batches per interval', async () => {
    const room = uniqueRoom('large');
    const [u1, u2, ...late] = (await users(s, 5)) as [TestUser, TestUser, ...TestUser[]];
    const first = await open(u1, room);
    expect(await first.nextOfType('presence')).toEqual(presence(room, 'join', u1.id));
    const second = await open(u2, room);
    expect(await first.nextOfType('presence')).toEqual(presence(room, 'join', u2.id));
    await second.next((m) => isPresence(m) && userOf(m) === u2.id);
    // Sockets 3 to 5: the room is above the threshold.
    for (const u of late) await open(u, room);
    const expected = { joins: 3, leaves: 0, joined: ids(late), left: [] };
    expect(await batchesUntil(first, room, 3, 0)).toEqual(expected);
    expect(await batchesUntil(second, room, 3, 0)).toEqual(expected);
    // Nobody got those joins one by one.
    expect(first.received.filter(isPresence)).toHaveLength(2);
    // Messages keep their envelope in a large room.
    second.send({ hello: 'large room' });
    expect(await first.next(arrived({ hello: 'large room' }))).toEqual(
      messageEnvelope(room, u2.id, { hello: 'large room' }),
    );
    expect(first.received.filter(isPresence)).toHaveLength(2);
  });

  it('batches leaves too, and goes back to single frames once the room is small again', async () => {
    const room = uniqueRoom('shrink');
    const list = (await users(s, 5)) as [TestUser, TestUser, TestUser, TestUser, TestUser];
    const [watcher, stays, third, fourth, fifth] = [
      await open(list[0], room),
      await open(list[1], room),
      await open(list[2], room),
      await open(list[3], room),
      await open(list[4], room),
    ];
    await batchesUntil(watcher, room, 3, 0);
    // 5 → 4 → 3 sockets: above the threshold.
    await fifth.close();
    await fourth.close();
    expect(await batchesUntil(watcher, room, 0, 2)).toEqual({
      joins: 0,
      leaves: 2,
      joined: [],
      left: ids([list[4], list[3]]),
    });
    // No batch is open now: 3 → 2 and 2 → 1 are at or below the threshold, announced at once.
    await third.close();
    expect(await watcher.next(isPresence)).toEqual(presence(room, 'leave', list[2].id));
    await stays.close();
    expect(await watcher.next(isPresence)).toEqual(presence(room, 'leave', list[1].id));
  });
});

describeWithServices(
  'realtime: presence of large rooms across instances (Redis)',
  ['redis'],
  (urls) => {
    const redisUrl = urls.redis;
    const redis = { url: redisUrl };
    const prefix = `kit-rt-presence-${randomBytes(4).toString('hex')}`;
    const pool = new ClientPool();
    const closer = new Closer();
    let store: SharedStore;
    let a: RealtimeTestService;
    let b: RealtimeTestService;
    let raw: Redis;

    const options = (presenceOptions = PRESENCE): RealtimeModuleOptions => ({
      ...FAST_REALTIME,
      redis: { keyPrefix: prefix, presenceHeartbeatMs: 100, presenceTtlMs: 500 },
      presence: presenceOptions,
    });

    beforeAll(async () => {
      store = createSharedStore('presence-redis');
      raw = new Redis(redisUrl, { lazyConnect: true });
      await raw.connect();
      a = await closer.adopt(
        bootRealtimeService({ label: 'presence-a', store, realtime: options(), redis }),
      );
      b = await closer.adopt(
        bootRealtimeService({ label: 'presence-b', store, realtime: options(), redis }),
      );
    });
    afterEach(() => pool.closeAll());
    afterAll(async () => {
      await closer.closeAll();
      if (raw) {
        await deleteRedisKeys(raw, `${prefix}:`);
        await raw.quit();
      }
      store?.drop();
    });

    it('delivers a batch to the members on the other instance exactly once', async () => {
      const room = uniqueRoom('cross');
      const [onB, ...onA] = (await users(a, 4)) as [TestUser, TestUser, TestUser, TestUser];
      const far = await pool.connect(b.url, `/ws/${room}`, { token: onB.token });
      await far.next((m) => isPresence(m) && userOf(m) === onB.id);
      const near: WsTestClient[] = [];
      for (const u of onA) near.push(await pool.connect(a.url, `/ws/${room}`, { token: u.token }));
      // A counts its own sockets: 1 and 2 are announced at once, the third is batched.
      const batch = await far.next(isBatch);
      expect(batch).toEqual({
        type: 'presence-batch',
        room,
        joins: 1,
        leaves: 0,
        joined: [{ id: onA[2]?.id }],
        left: [],
        truncated: false,
      });
      // A message from A travels behind any duplicate on Redis.
      const tag = randomBytes(4).toString('hex');
      near[0]?.send({ tag });
      await far.next(arrived({ tag }));
      expect(far.received.filter(isBatch)).toHaveLength(1);
      const exact = far.received.filter(isPresence).map(userOf);
      expect(exact).toEqual([onB.id, onA[0]?.id, onA[1]?.id]);
    });

    it('sends an open batch at shutdown, so the other instances learn of those leaves', async () => {
      const room = uniqueRoom('shutdown');
      // Batches every room and would hold them for a minute: only the shutdown sends them.
      const c = await closer.adopt(
        bootRealtimeService({
          label: 'presence-c',
          store,
          realtime: options({ batchAbove: 0, intervalMs: 60_000 }),
          redis,
        }),
      );
      const [watcherUser, leaver] = (await users(b, 2)) as [TestUser, TestUser];
      const watcher = await pool.connect(b.url, `/ws/${room}`, { token: watcherUser.token });
      await watcher.next((m) => isPresence(m) && userOf(m) === watcherUser.id);
      const client = await pool.connect(c.url, `/ws/${room}`, { token: leaver.token });
      await c.close();
      expect((await client.waitForClose()).code).toBe(1001);
      expect(await watcher.next(isBatch)).toEqual({
        type: 'presence-batch',
        room,
        joins: 1,
        leaves: 1,
        joined: [{ id: leaver.id }],
        left: [{ id: leaver.id }],
        truncated: false,
      });
    });
  },
);
