import { Closer } from '@kit/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ClientPool, uniqueRoom } from './support/ws-expect';
import { deleteRedisKeys } from './support/redis';
import {
  api,
  bootRealtimeService,
  createSharedStore,
  FAST_REALTIME,
  type RealtimeTestService,
  redisUrlForTests,
  type SharedStore,
  type TestUser,
} from './support/ws-service';

// The reference service's `typing` event on /ws/{room}: a validated DTO, relayed to the other
// members (not stored, not echoed to the sender, no reply), across instances with Redis, and
// documented in the OpenAPI description of the upgrade.

jest.setTimeout(20_000);

describe('reference service: typing', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  let bob: TestUser;
  const pool = new ClientPool();
  const closer = new Closer();

  beforeAll(async () => {
    s = await closer.adopt(bootRealtimeService({ label: 'typing' }));
    [alice, bob] = [await s.user(), await s.user()];
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('relays {type:"typing", room, from, typing} to the other members only', async () => {
    const room = uniqueRoom();
    const a = await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
    const b = await pool.connect(s.url, `/ws/${room}`, { token: bob.token });
    await a.next((m) => m.type === 'presence' && (m.user as { id: string }).id === bob.id);
    a.send({ event: 'typing', data: { typing: true }, id: 't-1' });
    expect(await b.nextOfType('typing')).toEqual({
      type: 'typing',
      room,
      from: { id: alice.id },
      typing: true,
    });
    // Alice's next frame after her own event is her later message: no echo, no reply.
    a.send('hello');
    const next = await a.next((m) => m.type !== 'presence');
    expect(next).toMatchObject({ type: 'message', data: 'hello' });
    expect(a.received.filter((m) => m.id === 't-1' || m.type === 'typing')).toEqual([]);
  });

  it('answers a typing event whose data is not {typing: boolean} with its field errors', async () => {
    const a = await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token: alice.token });
    expect(await a.emit('typing', { typing: 'yes', text: 'secret draft' })).toEqual({
      type: 'error',
      error: 'VALIDATION_FAILED',
      status: 400,
      detail: expect.any(String),
      event: 'typing',
      id: expect.any(String),
      errors: expect.arrayContaining([
        { field: 'typing', message: 'typing must be a boolean value' },
        { field: 'text', message: 'property text should not exist' },
      ]),
    });
  });

  it('documents the event protocol and typing on GET /ws/{room}', async () => {
    const doc = (await (await api(s, '/openapi.json')).json()) as {
      paths: Record<string, { get: { description: string; operationId: string } }>;
    };
    const op = doc.paths['/ws/{room}']?.get;
    expect(op?.operationId).toBe('joinRoom');
    expect(op?.description).toContain('{"event": "<name>", "data": <any JSON>');
    expect(op?.description).toContain('`{type:"reply", event, id, data}`');
    expect(op?.description).toContain(
      '`VALIDATION_FAILED` (400) with `errors: [{field, message}]`',
    );
    expect(op?.description).toContain('{"event": "typing", "data": {"typing": true|false}}');
  });
});

const redisUrl = redisUrlForTests();
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('reference service: typing across instances (Redis)', () => {
  const prefix = `kit-rt-typing-${randomBytes(4).toString('hex')}`;
  const pool = new ClientPool();
  const closer = new Closer();
  let store: SharedStore;
  let a: RealtimeTestService;
  let b: RealtimeTestService;

  beforeAll(async () => {
    store = createSharedStore('typing-redis');
    const realtime = { ...FAST_REALTIME, redisUrl, redis: { keyPrefix: prefix } };
    a = await closer.adopt(bootRealtimeService({ label: 'typing-a', store, realtime }));
    b = await closer.adopt(bootRealtimeService({ label: 'typing-b', store, realtime }));
  });
  afterEach(() => pool.closeAll());
  afterAll(async () => {
    await closer.closeAll();
    store?.drop();
    const raw = new Redis(redisUrl as string);
    await deleteRedisKeys(raw, `${prefix}:`);
    await raw.quit();
  });

  it("reaches members on the other instance once, the sender's other tab included", async () => {
    const [alice, bob] = [await a.user(), await a.user()];
    const room = uniqueRoom();
    const sender = await pool.connect(a.url, `/ws/${room}`, { token: alice.token });
    const senderTab = await pool.connect(b.url, `/ws/${room}`, { token: alice.token });
    const remote = await pool.connect(b.url, `/ws/${room}`, { token: bob.token });
    await sender.next((m) => m.type === 'presence' && (m.user as { id: string }).id === bob.id);
    sender.send({ event: 'typing', data: { typing: false } });
    expect(await remote.nextOfType('typing')).toEqual({
      type: 'typing',
      room,
      from: { id: alice.id },
      typing: false,
    });
    // The sender's second tab is another socket: it is told too (only the sending socket is not).
    expect(await senderTab.nextOfType('typing')).toMatchObject({ from: { id: alice.id } });
    sender.send('fence');
    await remote.next((m) => m.type === 'message');
    expect(remote.received.filter((m) => m.type === 'typing')).toHaveLength(1);
  });
});
