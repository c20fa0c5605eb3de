import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RoomConnection } from '../connections/room-connection';
import { CloseCode, REALTIME_BROKER } from '../realtime.constants';
import { RESOLVED_REALTIME_OPTIONS } from '../realtime.internal-constants';
import type { LocalRooms, RealtimeBroker } from '../realtime-broker.interface';
import type { ResolvedRealtimeOptions } from '../realtime-options.interface';
import { RoomRegistry } from '../rooms/room-registry';
import { SharedFrame } from './frame-writer';

const OPEN = 1;

/**
 * Delivers envelopes: to this instance's members of a room (serialized and framed once per
 * broadcast), then to the other instances through the broker; and replies to one client. A
 * client past its send cap is closed with 1013 (slow consumer).
 */
@Injectable()
export class RoomDelivery implements LocalRooms {
  private readonly logger = new Logger('Realtime');
  readonly counters = { deliveries: 0, slowConsumersClosed: 0 };

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
    private readonly registry: RoomRegistry,
  ) {
    broker.attach(this);
  }

  /**
   * Sends an envelope to this instance's members of `room` (but `except`, a socket of this
   * instance), then to the other instances.
   */
  broadcastFrame(room: string, frame: string, except?: RoomConnection): void {
    this.deliverLocal(room, Buffer.from(frame, 'utf8'), except);
    this.broker.publish(room, frame);
  }

  deliverRemote(room: string, frame: string): void {
    this.deliverLocal(room, Buffer.from(frame, 'utf8'));
  }

  localMembers(room: string): string[] {
    return this.registry.localMembers(room);
  }

  localRooms(): string[] {
    return this.registry.localRooms();
  }

  /** Sends an envelope (JSON text) to one client only. */
  send(conn: RoomConnection, text: string): void {
    this.deliver(conn, new SharedFrame(Buffer.from(text, 'utf8')));
  }

  private deliverLocal(room: string, payload: Buffer, except?: RoomConnection): void {
    const members = this.registry.members(room);
    if (!members) return;
    const frame = new SharedFrame(payload);
    let delivered = 0;
    for (const conn of members) {
      if (conn !== except && this.deliver(conn, frame)) delivered++;
    }
    this.counters.deliveries += delivered;
  }

  /** Writes or queues a frame for one client; a client past its send cap is closed with 1013. */
  private deliver(conn: RoomConnection, frame: SharedFrame): boolean {
    if (conn.closing || conn.ws.readyState !== OPEN) return false;
    if (conn.sendQueue.push(frame.bytes, this.options.sendBufferCapBytes)) return true;
    this.slowConsumer(conn);
    return false;
  }

  private slowConsumer(conn: RoomConnection): void {
    this.counters.slowConsumersClosed++;
    const queue = conn.sendQueue;
    this.logger.debug({
      msg: 'closing a slow consumer',
      reqId: conn.upgradeRequestId,
      room: conn.room,
      droppedBytes: queue.queuedBytes,
      aheadOfCloseBytes: queue.socketBytes,
    });
    conn.owner.close(conn, CloseCode.TRY_AGAIN_LATER, 'slow consumer');
  }
}
