import { Inject, Injectable } from '@nestjs/common';
import type { RoomConnection } from '../connections/room-connection';
import { REALTIME_BROKER } from '../realtime.constants';
import { RESOLVED_REALTIME_OPTIONS } from '../realtime.internal-constants';
import type { RealtimeBroker } from '../realtime-broker.interface';
import type { ResolvedRealtimeOptions } from '../realtime-options.interface';

/**
 * This instance's room sockets: who is in which room, and which users are present (counted per
 * user, so a user's second tab does not announce a second join to the other instances).
 */
@Injectable()
export class RoomRegistry {
  readonly connections = new Set<RoomConnection>();
  private readonly rooms = new Map<string, Set<RoomConnection>>();
  /** room → user id → sockets of that user in the room on this instance. */
  private readonly presence = new Map<string, Map<string, number>>();

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Why a new socket in `room` cannot be admitted now, if it cannot. */
  capacityProblem(room: string): 'connections' | 'rooms' | undefined {
    if (this.connections.size >= this.options.maxConnections) return 'connections';
    if (!this.rooms.has(room) && this.rooms.size >= this.options.maxRooms) return 'rooms';
    return undefined;
  }

  /** Takes a socket into its room. */
  add(conn: RoomConnection): void {
    this.connections.add(conn);
    let members = this.rooms.get(conn.room);
    if (!members) this.rooms.set(conn.room, (members = new Set()));
    members.add(conn);
    this.countPresence(conn, +1);
  }

  /** Takes a socket out of its room (it stays counted as a connection until `forget`). */
  removeFromRoom(conn: RoomConnection): void {
    const members = this.rooms.get(conn.room);
    members?.delete(conn);
    if (members?.size === 0) this.rooms.delete(conn.room);
    this.countPresence(conn, -1);
  }

  /** Forgets a closed socket; false when it was already forgotten. */
  forget(conn: RoomConnection): boolean {
    return this.connections.delete(conn);
  }

  /** The sockets of `room` on this instance. */
  members(room: string): ReadonlySet<RoomConnection> | undefined {
    return this.rooms.get(room);
  }

  localMembers(room: string): string[] {
    return [...(this.presence.get(room)?.keys() ?? [])];
  }

  localRooms(): string[] {
    return [...this.rooms.keys()];
  }

  /** Bytes held for sending to this instance's sockets. */
  sendBufferedBytes(): number {
    let bytes = 0;
    for (const conn of this.connections) {
      bytes += conn.sendQueue.queuedBytes + conn.sendQueue.socketBytes;
    }
    return bytes;
  }

  private countPresence(conn: RoomConnection, delta: 1 | -1): void {
    let counts = this.presence.get(conn.room);
    if (!counts) this.presence.set(conn.room, (counts = new Map()));
    const userId = conn.user.id;
    const next = (counts.get(userId) ?? 0) + delta;
    if (next > 0) counts.set(userId, next);
    else counts.delete(userId);
    if (counts.size === 0) this.presence.delete(conn.room);
    if ((delta === 1 && next === 1) || next === 0) {
      this.broker.presenceChanged(conn.room, userId, next > 0);
    }
  }
}
