import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import type { RoomRoute } from '../gateway/room-route';
import { type ConnectionOwner, RoomConnection } from './room-connection';

function connection(burst: number, now = 0): RoomConnection {
  return new RoomConnection(
    {} as ConnectionOwner,
    {} as RoomRoute,
    'c1',
    {} as WebSocket,
    new PassThrough(),
    { id: 'u1', roles: [], active: true },
    'lobby',
    Date.now() + 60_000,
    'req-1',
    Date.now(),
    burst,
    now,
  );
}

describe('RoomConnection token bucket', () => {
  const perMs = 10 / 1000; // 10 messages per second

  it('allows a burst, then refuses', () => {
    const c = connection(3);
    expect([c.take(0, perMs, 3), c.take(0, perMs, 3), c.take(0, perMs, 3)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(c.take(0, perMs, 3)).toBe(false);
  });

  it('refills at the sustained rate', () => {
    const c = connection(1);
    expect(c.take(0, perMs, 1)).toBe(true);
    expect(c.take(50, perMs, 1)).toBe(false);
    expect(c.take(150, perMs, 1)).toBe(true);
  });

  it('never holds more than the burst', () => {
    const c = connection(2);
    expect(c.take(1_000_000, perMs, 2)).toBe(true);
    expect(c.take(1_000_000, perMs, 2)).toBe(true);
    expect(c.take(1_000_000, perMs, 2)).toBe(false);
  });

  it('serializes the user id once, escaped', () => {
    expect(connection(1).userJson).toBe('"u1"');
  });
});
