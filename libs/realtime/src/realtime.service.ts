import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RoomConnection } from './connections/room-connection';
import { isRelayType, type MessageEnvelope, messageFrame, RELAY_TYPE_PATTERN } from './envelope';
import type { RoomClient } from './gateway/room-gateway.interface';
import { REALTIME_BROKER, ROOM_NAME_PATTERN } from './realtime.constants';
import {
  BrokerUnavailableError,
  InvalidRoomError,
  MessageTooLargeError,
  RealtimeError,
} from './realtime.errors';
import { RoomDelivery } from './delivery/room-delivery';
import { MessageIntake } from './messages/message-intake';
import { RoomRegistry } from './rooms/room-registry';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import type { BrokerStats, RealtimeBroker } from './realtime-broker.interface';
import type { ResolvedRealtimeOptions } from './realtime-options.interface';

/** The sender of server-side broadcasts. */
export const SYSTEM_SENDER = 'system';

/** Counters of this instance's room sockets. */
export interface GatewayStats {
  connections: number;
  rooms: number;
  messagesIn: number;
  deliveries: number;
  rateLimited: number;
  invalidMessages: number;
  slowConsumersClosed: number;
  /**
   * Bytes held for this instance's sockets: queued by the kit plus handed to the sockets and not
   * yet taken by the kernel. A slow consumer's share is dropped when it is closed.
   */
  sendBufferedBytes: number;
}

export interface RealtimeStats extends GatewayStats {
  readonly broker: BrokerStats;
}

/** Server-side access to the rooms: broadcast into one, list who is in one. */
@Injectable()
export class RealtimeService {
  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
    private readonly registry: RoomRegistry,
    private readonly delivery: RoomDelivery,
    private readonly intake: MessageIntake,
  ) {}

  /**
   * Broadcasts `data` (any JSON value) into `room` on every instance, from `{id: "system"}`.
   * Throws `InvalidRoomError` (400) for a bad room name, `MessageTooLargeError` (413) when
   * the envelope would exceed `maxPayloadBytes`, and `BrokerUnavailableError` (503) while the
   * broker cannot reach the other instances: then nothing is delivered, not even here, so a
   * retry reaches every member once instead of this instance's members only.
   */
  broadcast(room: string, data: unknown, from: string = SYSTEM_SENDER): MessageEnvelope {
    assertRoom(room);
    if (!this.broker.stats().connected) throw new BrokerUnavailableError();
    const dataJson = JSON.stringify(data ?? null);
    const envelope: MessageEnvelope = {
      type: 'message',
      room,
      id: randomUUID(),
      from: { id: from },
      data: data ?? null,
      ts: new Date().toISOString(),
    };
    const frame = messageFrame(room, envelope.id, JSON.stringify(from), dataJson, envelope.ts);
    if (Buffer.byteLength(frame) > this.options.maxPayloadBytes) {
      throw new MessageTooLargeError(this.options.maxPayloadBytes);
    }
    this.delivery.broadcastFrame(room, frame);
    return envelope;
  }

  /**
   * Relays a transient envelope `{type, room, from:{id: from}, ...fields}` (typing indicators,
   * cursors) to the members of `room` on every instance, but `except` (usually the sender,
   * whose user id is `from`): nothing is stored
   * and nothing is retried — while the broker is down only this instance's members get it.
   * `type` is a lowercase name other than the contract's own (`message`, `presence`,
   * `presence-batch`, `error`, `reply`). Throws `InvalidRoomError` (400), `MessageTooLargeError` (413) past
   * `maxPayloadBytes`, and `RealtimeError` `REALTIME_INVALID_RELAY_TYPE` for a bad `type`.
   */
  relay(
    room: string,
    type: string,
    from: string,
    fields: Readonly<Record<string, unknown>>,
    options: { readonly except?: RoomClient } = {},
  ): void {
    assertRoom(room);
    if (!isRelayType(type)) {
      throw new RealtimeError(
        'REALTIME_INVALID_RELAY_TYPE',
        `relay type "${type}" must match ${RELAY_TYPE_PATTERN} and not be message, presence, presence-batch, error or reply`,
      );
    }
    // The envelope's own keys first, and not replaceable by a field.
    const own = { type, room, from: { id: from } };
    const frame = JSON.stringify(Object.assign({ ...own }, fields, own));
    if (Buffer.byteLength(frame) > this.options.maxPayloadBytes) {
      throw new MessageTooLargeError(this.options.maxPayloadBytes);
    }
    this.delivery.broadcastFrame(room, frame, options.except as RoomConnection | undefined);
  }

  /**
   * Ids of the users connected to `room` on any instance, sorted. With Redis down this throws
   * `BrokerUnavailableError` (503) rather than answer with this instance's members only.
   */
  async members(room: string): Promise<string[]> {
    assertRoom(room);
    const ids = await this.broker.members(room);
    return [...new Set(ids)].sort();
  }

  stats(): RealtimeStats {
    return {
      connections: this.registry.size,
      rooms: this.registry.roomCount,
      ...this.intake.counters,
      ...this.delivery.counters,
      sendBufferedBytes: this.registry.sendBufferedBytes(),
      broker: this.broker.stats(),
    };
  }
}

function assertRoom(room: string): void {
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) throw new InvalidRoomError();
}
