import { RealtimeService } from '@kit/realtime';
import { waitFor, waitForLog, type WsTestClient } from '@kit/testing';
import { ClientPool, uniqueRoom } from './support/ws-expect';
import { connectStalled, type StalledClient } from './support/ws-raw';
import {
  bootRealtimeService,
  FAST_REALTIME,
  type RealtimeTestService,
  type TestUser,
} from './support/ws-service';

// Clients that stop reading: the kit holds their backlog itself (bounded by the send cap), so
// when it gives up on one it drops that backlog and the close frame (1013) is the next thing the
// socket gets; the others keep receiving, and nothing of the closed clients stays held.

const CAP = 256 * 1024;
const CHUNK = 'y'.repeat(32 * 1024);
/**
 * What a socket may hold ahead of the close frame: its high-water mark (Node's default for
 * sockets, 64 KiB) and one frame — well under the cap it held before it was closed.
 */
const AHEAD_OF_CLOSE_MAX = 64 * 1024 + CHUNK.length + 1_024;

/** Sends 32 KiB messages in batches until `done()`, each batch read by `reader`. */
async function flood(
  sender: WsTestClient,
  reader: WsTestClient,
  done: () => boolean,
): Promise<number> {
  let sent = 0;
  while (!done()) {
    if (sent >= 4_000) throw new Error(`still not done after ${sent} messages (128 MiB)`);
    for (let i = 0; i < 25; i++) sender.send({ seq: sent++, chunk: CHUNK });
    await reader.waitForCount((m) => m.type === 'message', sent, 15_000);
  }
  return sent;
}

describe('realtime: slow consumers', () => {
  let s: RealtimeTestService;
  let realtime: RealtimeService;
  let users: TestUser[];
  const pool = new ClientPool();
  const stalled: StalledClient[] = [];

  beforeAll(async () => {
    s = await bootRealtimeService({
      label: 'slow-consumers',
      server: { logLevel: 'debug' },
      realtime: {
        ...FAST_REALTIME,
        sendBufferCapBytes: CAP,
        rateLimit: { messagesPerSecond: 100_000, burst: 100_000 },
        closeTimeoutMs: 20_000,
      },
    });
    realtime = s.t.app.get(RealtimeService);
    users = [await s.user(), await s.user()];
  }, 30_000);
  afterEach(async () => {
    for (const c of stalled.splice(0)) c.socket.destroy();
    await pool.closeAll();
  }, 10_000);
  afterAll(() => s?.close(), 30_000);

  async function stall(room: string, user: TestUser): Promise<StalledClient> {
    const c = await connectStalled(s.t.port, `/ws/${room}?token=${user.token}`);
    stalled.push(c);
    return c;
  }

  it('closes a client that never reads with 1013, read when it resumes; the others keep receiving', async () => {
    const room = uniqueRoom();
    const [u1, u2] = users as [TestUser, TestUser];
    const client = await stall(room, u1);
    const sender = await pool.connect(s.url, `/ws/${room}`, { token: u2.token });
    const reader = await pool.connect(s.url, `/ws/${room}`, { token: u2.token });
    const before = realtime.stats().slowConsumersClosed;
    let sent = await flood(sender, reader, () => realtime.stats().slowConsumersClosed > before);
    expect(realtime.stats().slowConsumersClosed).toBe(before + 1);

    // The backlog was the kit's to drop: only the socket's own buffer is ahead of the close.
    const line = await waitForLog(s.t.logs, (l) => l.msg === 'closing a slow consumer', {
      timeoutMs: 5_000,
    });
    expect(line.droppedBytes).toBeGreaterThan(0);
    expect(line.aheadOfCloseBytes).toBeLessThanOrEqual(AHEAD_OF_CLOSE_MAX);

    for (let i = 0; i < 25; i++) sender.send({ seq: sent++, chunk: CHUNK });
    const got = await reader.waitForCount((m) => m.type === 'message', sent, 15_000);
    expect(got.map((m) => (m.data as { seq: number }).seq)).toEqual(
      Array.from({ length: sent }, (_, i) => i),
    );

    client.resume();
    expect(await client.closed).toEqual({ code: 1013, reason: 'slow consumer' });
    const seen = client.messages.filter((m) => m.startsWith('{"type":"message"')).length;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(sent);
  }, 90_000);

  it('holds at most the cap per stalled client, and nothing once they are gone', async () => {
    const room = uniqueRoom();
    const [u1, u2] = users as [TestUser, TestUser];
    const count = 20;
    const clients: StalledClient[] = [];
    for (let i = 0; i < count; i++) clients.push(await stall(room, u1));
    const sender = await pool.connect(s.url, `/ws/${room}`, { token: u2.token });
    const reader = await pool.connect(s.url, `/ws/${room}`, { token: u2.token });
    const before = realtime.stats();
    let peak = 0;
    await flood(sender, reader, () => {
      const now = realtime.stats();
      peak = Math.max(peak, now.sendBufferedBytes);
      return now.slowConsumersClosed - before.slowConsumersClosed === count;
    });
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(count * CAP);
    // Their backlogs were dropped on close; what is left sits in their sockets, ahead of the close.
    expect(realtime.stats().sendBufferedBytes).toBeLessThanOrEqual(count * AHEAD_OF_CLOSE_MAX);

    for (const c of clients) c.resume();
    for (const c of clients) expect((await c.closed).code).toBe(1013);
    // Gone from the gateway: only the two readers are left, and nothing is held for anyone.
    const after = await waitFor(
      () => {
        const now = realtime.stats();
        return now.connections === before.connections - count && now.sendBufferedBytes === 0;
      },
      { timeoutMs: 15_000, description: 'the closed clients to leave and nothing held' },
    );
    expect(after).toBe(true);
    expect(await realtime.members(room)).toEqual([u2.id]);
  }, 120_000);
});
