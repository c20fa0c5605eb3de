import { RealtimeService } from '@kit/realtime';
import { Closer, type WsTestClient, waitFor } from '@kit/testing';
import { ClientPool, messageEnvelope, presence, uniqueRoom } from './support/ws-expect';
import {
  bootRealtimeService,
  FAST_REALTIME,
  type RealtimeTestService,
  type TestUser,
} from './support/ws-service';

// Messages in a room: the envelope and presence, recoverable errors, the close codes for
// binary, oversize and abuse, the rate limit, and backpressure on a slow consumer.

/** A JSON text of `depth` nested arrays. */
function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('realtime: messages', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  let bob: TestUser;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'messages',
        realtime: {
          ...FAST_REALTIME,
          rateLimit: { messagesPerSecond: 20, burst: 40 },
          maxViolations: 20,
        },
      }),
    );
    alice = await s.user();
    bob = await s.user();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  async function join(user: TestUser, room: string): Promise<WsTestClient> {
    const c = await pool.connect(s.url, `/ws/${room}`, { token: user.token });
    await c.next(
      (m) =>
        m.type === 'presence' && m.event === 'join' && (m.user as { id: string }).id === user.id,
    );
    return c;
  }

  describe('envelope and presence', () => {
    it('broadcasts each message to the room, sender included, with one id for all', async () => {
      const room = uniqueRoom();
      const a = await join(alice, room);
      const b = await join(bob, room);
      expect(await a.nextOfType('presence')).toEqual(presence(room, 'join', bob.id));
      a.send({ text: 'hi', n: 1 });
      const atA = await a.nextOfType('message');
      const atB = await b.nextOfType('message');
      expect(atA).toEqual(messageEnvelope(room, alice.id, { text: 'hi', n: 1 }));
      expect(atB).toEqual(atA);
    });

    it('relays the data exactly as sent, whatever JSON value it is', async () => {
      const room = uniqueRoom();
      const a = await join(alice, room);
      for (const raw of [
        ' [1, "two", {"three": 3.5}] ',
        '"just a string"',
        '42',
        'null',
        '{"a":{"b":[true,false]}}',
      ]) {
        a.sendRaw(raw);
        expect(await a.nextOfType('message')).toEqual(
          messageEnvelope(room, alice.id, JSON.parse(raw)),
        );
      }
    });

    it('announces a leave to the others and never reaches another room', async () => {
      const room = uniqueRoom();
      const elsewhere = uniqueRoom();
      const a = await join(alice, room);
      const b = await join(bob, room);
      const other = await join(bob, elsewhere);
      a.send('for the room only');
      await b.nextOfType('message');
      await b.close();
      expect(await a.next((m) => m.type === 'presence' && m.event === 'leave')).toEqual(
        presence(room, 'leave', bob.id),
      );
      other.send('sentinel');
      await other.nextOfType('message');
      expect(other.received).toEqual([
        presence(elsewhere, 'join', bob.id),
        messageEnvelope(elsewhere, bob.id, 'sentinel'),
      ]);
    });

    it('lists the members of the room through RealtimeService', async () => {
      const room = uniqueRoom();
      await join(alice, room);
      await join(bob, room);
      await join(bob, room);
      const members = await s.t.app.get(RealtimeService).members(room);
      expect(members).toEqual([alice.id, bob.id].sort());
    });
  });

  describe('recoverable errors leave the socket open', () => {
    it('answers invalid JSON with INVALID_JSON, then goes on', async () => {
      const room = uniqueRoom();
      const a = await join(alice, room);
      a.sendRaw('{"unterminated": ');
      expect(await a.nextOfType('error')).toEqual({
        type: 'error',
        error: 'INVALID_JSON',
        detail: 'Messages must be JSON text.',
      });
      a.send({ ok: true });
      expect(await a.nextOfType('message')).toEqual(messageEnvelope(room, alice.id, { ok: true }));
    });

    it('answers JSON nested past 64 levels with JSON_TOO_DEEP, relays none of it, goes on', async () => {
      const room = uniqueRoom();
      const a = await join(alice, room);
      const b = await join(bob, room);
      // Brackets inside strings are text, not nesting.
      const deepInString = JSON.stringify({ s: '['.repeat(100) });
      a.sendRaw(nested(65));
      expect(await a.nextOfType('error')).toEqual({
        type: 'error',
        error: 'JSON_TOO_DEEP',
        detail: 'Messages may nest arrays and objects at most 64 levels deep.',
      });
      a.sendRaw(`{"x":${nested(30_000)}}`);
      expect((await a.nextOfType('error')).error).toBe('JSON_TOO_DEEP');
      a.sendRaw(nested(64));
      a.sendRaw(deepInString);
      expect(await b.nextOfType('message')).toEqual(
        messageEnvelope(room, alice.id, JSON.parse(nested(64))),
      );
      expect(await b.nextOfType('message')).toEqual(
        messageEnvelope(room, alice.id, JSON.parse(deepInString)),
      );
      expect(b.received.filter((m) => m.type === 'message')).toHaveLength(2);
    }, 15_000);

    it('counts too-deep messages as refused: 21 in a row close the socket with 1008', async () => {
      const a = await join(alice, uniqueRoom());
      for (let i = 0; i < 21; i++) a.sendRaw(nested(65));
      expect(await a.waitForClose()).toEqual({ code: 1008, reason: 'too many refused messages' });
      expect(a.received.filter((m) => m.error === 'JSON_TOO_DEEP')).toHaveLength(20);
    }, 15_000);
  });

  describe('close codes', () => {
    it('1003 for a binary frame', async () => {
      const a = await join(alice, uniqueRoom());
      a.sendRaw(Buffer.from([1, 2, 3]), true);
      expect(await a.waitForClose()).toEqual({
        code: 1003,
        reason: 'only JSON text frames are accepted',
      });
    });

    it('1009 for a message over 64 KiB; one of exactly 64 KiB is accepted', async () => {
      const room = uniqueRoom();
      const a = await join(alice, room);
      const fits = JSON.stringify('x'.repeat(65_536 - 2));
      expect(Buffer.byteLength(fits)).toBe(65_536);
      a.sendRaw(fits);
      expect(await a.nextOfType('message')).toEqual(
        messageEnvelope(room, alice.id, 'x'.repeat(65_534)),
      );
      a.sendRaw(JSON.stringify('x'.repeat(65_536 - 1)));
      expect((await a.waitForClose()).code).toBe(1009);
    });

    it('rate limits a flood (RATE_LIMITED), then closes it with 1008; others stay quick', async () => {
      const room = uniqueRoom();
      const flooder = await join(alice, room);
      const peer = await join(bob, room);
      for (let i = 0; i < 200; i++) flooder.send({ flood: i });
      const started = performance.now();
      peer.send({ ping: 1 });
      await peer.next((m) => m.type === 'message' && JSON.stringify(m.data) === '{"ping":1}');
      expect(performance.now() - started).toBeLessThan(500);
      expect((await flooder.waitForClose()).code).toBe(1008);
      const limited = flooder.received.filter((m) => m.type === 'error');
      expect(limited.length).toBeGreaterThanOrEqual(20);
      expect(limited[0]).toEqual({
        type: 'error',
        error: 'RATE_LIMITED',
        detail: 'At most 20 messages per second.',
      });
      // Only about a burst's worth of the flood reached the room.
      const relayed = peer.received.filter(
        (m) => m.type === 'message' && m.from && (m.from as { id: string }).id === alice.id,
      );
      expect(relayed.length).toBeGreaterThanOrEqual(40);
      expect(relayed.length).toBeLessThanOrEqual(45);
    });
  });
});

describe('realtime: backpressure', () => {
  let s: RealtimeTestService;
  let users: TestUser[];
  const pool = new ClientPool();
  const CAP = 256 * 1024;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'backpressure',
        realtime: {
          ...FAST_REALTIME,
          sendBufferCapBytes: CAP,
          rateLimit: { messagesPerSecond: 100_000, burst: 100_000 },
          closeTimeoutMs: 10_000,
        },
      }),
    );
    users = [await s.user(), await s.user(), await s.user()];
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('closes a client that stops reading with 1013; the others get every message', async () => {
    const room = uniqueRoom();
    const [u1, u2, u3] = users as [TestUser, TestUser, TestUser];
    const reader = await pool.connect(s.url, `/ws/${room}`, { token: u1.token });
    const sender = await pool.connect(s.url, `/ws/${room}`, { token: u2.token });
    const consumer = await pool.connect(s.url, `/ws/${room}`, { token: u3.token });
    await reader.waitForCount((m) => m.type === 'presence', 3);
    consumer.pause();
    const realtime = s.t.app.get(RealtimeService);
    const chunk = 'y'.repeat(32 * 1024);
    let sent = 0;
    // Batches until the server gave up on the paused client (bounded: 64 MiB at most).
    while (realtime.stats().slowConsumersClosed === 0 && sent < 2_000) {
      for (let i = 0; i < 25; i++) sender.send({ seq: sent++, chunk });
      await reader.waitForCount((m) => m.type === 'message', sent, 10_000);
    }
    expect(realtime.stats().slowConsumersClosed).toBe(1);
    for (let i = 0; i < 25; i++) sender.send({ seq: sent++, chunk });
    const got = await reader.waitForCount((m) => m.type === 'message', sent, 10_000);
    expect(got.map((m) => (m.data as { seq: number }).seq)).toEqual(
      Array.from({ length: sent }, (_, i) => i),
    );
    await sender.waitForCount((m) => m.type === 'message', sent, 10_000);
    expect(await reader.next((m) => m.type === 'presence' && m.event === 'leave', 10_000)).toEqual(
      presence(room, 'leave', u3.id),
    );
    consumer.resume();
    expect(await consumer.waitForClose(10_000)).toEqual({ code: 1013, reason: 'slow consumer' });
    // What it did receive stops well before the end: the server dropped it, not the messages.
    const seen = consumer.received.filter((m) => m.type === 'message').length;
    expect(seen).toBeLessThan(sent);
    await waitFor(() => (realtime.stats().connections === 2 ? true : undefined), {
      timeoutMs: 5_000,
    });
  }, 60_000);
});
