import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type MessageEnvelope, messageFrame } from './envelope';
import { REALTIME_BROKER, ROOM_NAME_PATTERN } from './realtime.constants';
import { BrokerUnavailableError, InvalidRoomError, MessageTooLargeError } from './realtime.errors';
import { type GatewayStats, RealtimeGateway } from './realtime.gateway';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import type { BrokerStats, RealtimeBroker } from './realtime-broker.interface';
import type { ResolvedRealtimeOptions } from './realtime-options.interface';

/** The sender of server-side broadcasts. */
export const SYSTEM_SENDER = 'system';

export interface RealtimeStats extends GatewayStats {
  readonly broker: BrokerStats;
}

/** Server-side access to the rooms: broadcast into one, list who is in one. */
@Injectable()
export class RealtimeService {
  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
    private readonly gateway: RealtimeGateway,
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
    this.gateway.broadcastFrame(room, frame);
    return envelope;
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
    return { ...this.gateway.stats(), broker: this.broker.stats() };
  }
}

function assertRoom(room: string): void {
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) throw new InvalidRoomError();
}
