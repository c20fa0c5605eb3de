import { Inject, Injectable } from '@nestjs/common';
import type { RoomConnection } from '../connections/room-connection';
import { RoomDelivery } from '../delivery/room-delivery';
import { presenceFrame } from '../envelope';
import { RESOLVED_REALTIME_OPTIONS } from '../realtime.internal-constants';
import type { ResolvedRealtimeOptions } from '../realtime-options.interface';
import { PresenceBatch } from './presence-batch';
import { RoomRegistry } from './room-registry';

/** Room name, counts and brackets of a batch frame, on top of its listed ids. */
const BATCH_FRAME_OVERHEAD = 1_024;

/**
 * Announces joins and leaves. A room with at most `presence.batchAbove` sockets here gets one
 * `presence` frame per socket, at once; a larger one collects them into one `presence-batch`
 * frame per `presence.intervalMs` — otherwise every join of a room that fills up reaches every
 * member, O(N²). Either frame is delivered here and published once to the other instances, so
 * every member everywhere gets each join or leave exactly once. While a room has a batch open,
 * its joins and leaves go into it even if the room shrank, so frames never overtake each other.
 */
@Injectable()
export class RoomPresence {
  private readonly batches = new Map<string, PresenceBatch>();
  private readonly maxListedBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly registry: RoomRegistry,
    private readonly delivery: RoomDelivery,
  ) {
    this.maxListedBytes = Math.max(0, options.maxPayloadBytes - BATCH_FRAME_OVERHEAD);
  }

  /** Batches waiting for the timer (for stats and tests). */
  get pendingRooms(): number {
    return this.batches.size;
  }

  /** Announces that `conn` joined or left its room; call after the registry counted it. */
  announce(conn: RoomConnection, event: 'join' | 'leave'): void {
    const room = conn.room;
    let batch = this.batches.get(room);
    if (!batch) {
      const size = this.registry.members(room)?.size ?? 0;
      if (this.closed || size <= this.options.presence.batchAbove) {
        this.delivery.broadcastFrame(room, presenceFrame(room, event, conn.userJson));
        return;
      }
      batch = new PresenceBatch(this.options.presence.maxUsersPerFrame, this.maxListedBytes);
      this.batches.set(room, batch);
      if (!this.timer) {
        this.timer = setTimeout(onInterval, this.options.presence.intervalMs, this);
        this.timer.unref();
      }
    }
    batch.add(event, conn.user.id, conn.userJson);
  }

  /** Sends every open batch now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batches.size === 0) return;
    const open = [...this.batches];
    this.batches.clear();
    for (const [room, batch] of open) this.delivery.broadcastFrame(room, batch.frame(room));
  }

  /**
   * Shutdown, after the sockets were closed and before the broker goes: sends what is open (so
   * members on other instances learn of these leaves) and announces any later change at once.
   */
  close(): void {
    this.closed = true;
    this.flush();
  }
}

function onInterval(presence: RoomPresence): void {
  presence.flush();
}
