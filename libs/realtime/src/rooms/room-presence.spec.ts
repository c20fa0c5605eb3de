import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { type ConnectionOwner, RoomConnection } from '../connections/room-connection';
import { RoomDelivery } from '../delivery/room-delivery';
import type { RoomRoute } from '../gateway/room-route';
import { parseBusMessage } from '../envelope';
import { InProcessBroker } from '../in-process.broker';
import { resolveRealtimeOptions } from '../realtime-options.factory';
import type { PresenceOptions } from '../realtime-options.interface';
import type { PresenceBatchEnvelope } from './presence-batch';
import { RoomPresence } from './room-presence';
import { RoomRegistry } from './room-registry';

// RoomPresence on the real registry and delivery, with fake timers. What the broker is handed
// is what every other instance receives, so each join and leave must be in exactly one
// published frame; what a member's socket received is read from its (in-memory) TCP side.

const OPEN = 1;

/**
 * The other instances, as far as this one can tell: every published envelope, in order. Else
 * the in-process broker.
 */
class PublishedFrames extends InProcessBroker {
  readonly frames: { room: string; frame: string }[] = [];
  override publish(room: string, frame: string): void {
    this.frames.push({ room, frame });
  }
  parsed(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f.frame) as Record<string, unknown>);
  }
}

interface Member {
  conn: RoomConnection;
  /** The socket's far side: the framed bytes the member was sent. */
  wire: PassThrough;
}

function setup(presence: PresenceOptions, maxPayloadBytes?: number) {
  const options = resolveRealtimeOptions({ presence, maxPayloadBytes });
  const broker = new PublishedFrames();
  const registry = new RoomRegistry(options, broker);
  const delivery = new RoomDelivery(options, broker, registry);
  const rooms = new RoomPresence(options, registry, delivery);
  let n = 0;
  const join = (room: string, userId = `u${++n}`): Member => {
    const wire = new PassThrough();
    const conn = new RoomConnection(
      {} as ConnectionOwner,
      {} as RoomRoute,
      `c${++n}`,
      { readyState: OPEN } as WebSocket,
      wire,
      { id: userId, roles: [], active: true },
      room,
      Date.now() + 60_000,
      'req',
      Date.now(),
      10,
      0,
    );
    registry.add(conn);
    rooms.announce(conn, 'join');
    return { conn, wire };
  };
  const leave = (m: Member): void => {
    registry.removeFromRoom(m.conn);
    rooms.announce(m.conn, 'leave');
  };
  return { broker, rooms, join, leave, options };
}

/** The JSON text of every text frame a member was sent (server frames: unmasked). */
function received(m: Member): Record<string, unknown>[] {
  const bytes = (m.wire.read() as Buffer | null) ?? Buffer.alloc(0);
  const out: Record<string, unknown>[] = [];
  for (let at = 0; at < bytes.length;) {
    let len = bytes[at + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    out.push(JSON.parse(bytes.subarray(at + head, at + head + len).toString('utf8')));
    at += head + len;
  }
  return out;
}

describe('RoomPresence', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('announces each join and leave of a room at or below batchAbove at once, as today', () => {
    const { broker, join, leave } = setup({ batchAbove: 3 });
    const a = join('lobby', 'alice');
    const b = join('lobby', 'bob');
    leave(b);
    expect(broker.parsed()).toEqual([
      { type: 'presence', room: 'lobby', event: 'join', user: { id: 'alice' } },
      { type: 'presence', room: 'lobby', event: 'join', user: { id: 'bob' } },
      { type: 'presence', room: 'lobby', event: 'leave', user: { id: 'bob' } },
    ]);
    expect(received(a).map((f) => f.event)).toEqual(['join', 'join', 'leave']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('collects the joins and leaves of a larger room into one frame per interval', () => {
    const { broker, rooms, join, leave } = setup({ batchAbove: 2, intervalMs: 500 });
    const first = join('big', 'u-first');
    join('big', 'u-second');
    const third = join('big', 'u-third');
    join('big', 'u-fourth');
    leave(third);
    expect(broker.frames).toHaveLength(2); // the two joins at or below the threshold
    expect(rooms.pendingRooms).toBe(1);
    jest.advanceTimersByTime(499);
    expect(broker.frames).toHaveLength(2);
    jest.advanceTimersByTime(1);
    const batch: PresenceBatchEnvelope = {
      type: 'presence-batch',
      room: 'big',
      joins: 2,
      leaves: 1,
      joined: [{ id: 'u-third' }, { id: 'u-fourth' }],
      left: [{ id: 'u-third' }],
      truncated: false,
    };
    expect(broker.parsed().slice(2)).toEqual([batch]);
    // Members here got the same frame once: the two exact joins, then the batch.
    expect(received(first).map((f) => f.type)).toEqual(['presence', 'presence', 'presence-batch']);
    expect(rooms.pendingRooms).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sends no frame for an interval without joins or leaves', () => {
    const { broker, join } = setup({ batchAbove: 0, intervalMs: 100 });
    join('big');
    jest.advanceTimersByTime(100);
    expect(broker.frames).toHaveLength(1);
    jest.advanceTimersByTime(1_000);
    expect(broker.frames).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('counts every socket exactly once and lists each user once', () => {
    const { broker, join } = setup({ batchAbove: 0, intervalMs: 100 });
    for (let i = 0; i < 6; i++) join('big', i % 2 ? 'odd' : 'even');
    jest.advanceTimersByTime(100);
    for (let i = 0; i < 3; i++) join('big', 'late');
    jest.advanceTimersByTime(100);
    const frames = broker.parsed();
    expect(frames.map((f) => f.joins)).toEqual([6, 3]);
    expect(frames.map((f) => f.joined)).toEqual([
      [{ id: 'even' }, { id: 'odd' }],
      [{ id: 'late' }],
    ]);
  });

  it('caps the listed users at maxUsersPerFrame and says so; the counts stay exact', () => {
    const { broker, join } = setup({ batchAbove: 0, intervalMs: 100, maxUsersPerFrame: 2 });
    for (let i = 0; i < 5; i++) join('big', `user-${i}`);
    jest.advanceTimersByTime(100);
    expect(broker.parsed()).toEqual([
      expect.objectContaining({
        joins: 5,
        joined: [{ id: 'user-0' }, { id: 'user-1' }],
        truncated: true,
      }),
    ]);
  });

  it('keeps a batch within what other instances accept from the bus, however long the ids', () => {
    const maxPayloadBytes = 2_048;
    const { broker, join } = setup(
      { batchAbove: 0, intervalMs: 100, maxUsersPerFrame: 10_000 },
      maxPayloadBytes,
    );
    for (let i = 0; i < 200; i++) join('big', `${'x'.repeat(90)}-${i}`);
    jest.advanceTimersByTime(100);
    const [{ room, frame }] = broker.frames;
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(maxPayloadBytes);
    // The relay limit of RealtimeModule: maxPayloadBytes plus the envelope overhead.
    const relayed = parseBusMessage(`v1\nother\n${room}\n${frame}`, maxPayloadBytes + 4_096);
    expect(relayed?.frame).toBe(frame);
    expect(JSON.parse(frame)).toEqual(expect.objectContaining({ joins: 200, truncated: true }));
  });

  it('keeps batching a room with an open batch until it is sent, so frames stay in order', () => {
    const { broker, join, leave } = setup({ batchAbove: 1, intervalMs: 100 });
    const a = join('big', 'a');
    const b = join('big', 'b'); // 2 > 1: batched
    leave(b); // back to 1, but the batch is open
    leave(a);
    expect(broker.parsed().map((f) => f.type)).toEqual(['presence']);
    jest.advanceTimersByTime(100);
    expect(broker.parsed().slice(1)).toEqual([
      expect.objectContaining({ type: 'presence-batch', joins: 1, leaves: 2 }),
    ]);
    join('big', 'c'); // the room is small again: exact
    expect(broker.parsed().slice(2)).toEqual([
      { type: 'presence', room: 'big', event: 'join', user: { id: 'c' } },
    ]);
  });

  it('batches each room on its own', () => {
    const { broker, join } = setup({ batchAbove: 1, intervalMs: 100 });
    join('big', 'a');
    join('big', 'b');
    join('small', 'c');
    jest.advanceTimersByTime(100);
    expect(broker.frames.map((f) => [f.room, JSON.parse(f.frame).type])).toEqual([
      ['big', 'presence'],
      ['small', 'presence'],
      ['big', 'presence-batch'],
    ]);
  });

  it('at close sends what is open, clears its timer, and announces later changes at once', () => {
    const { broker, rooms, join } = setup({ batchAbove: 0, intervalMs: 60_000 });
    join('big', 'a');
    expect(jest.getTimerCount()).toBe(1);
    rooms.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(broker.parsed()).toEqual([
      expect.objectContaining({ type: 'presence-batch', joins: 1 }),
    ]);
    join('big', 'b');
    expect(broker.parsed()[1]).toEqual({
      type: 'presence',
      room: 'big',
      event: 'join',
      user: { id: 'b' },
    });
    expect(jest.getTimerCount()).toBe(0);
  });
});
