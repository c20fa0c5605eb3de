import { Inject, Injectable, Logger, type WsMessageHandler } from '@nestjs/common';
import { AUTH_PRINCIPAL } from '@kit/auth';
import { createContextStore, DomainError, jsonDepthExceeds, RequestContext } from '@kit/http';
import { randomUUID } from 'node:crypto';
import type { RoomConnection } from '../connections/room-connection';
import { RoomDelivery } from '../delivery/room-delivery';
import { errorFrame, messageFrame } from '../envelope';
import { CloseCode, REALTIME_CLIENT } from '../realtime.constants';
import { RESOLVED_REALTIME_OPTIONS } from '../realtime.internal-constants';
import type { ResolvedRealtimeOptions } from '../realtime-options.interface';
import { type EventFrame, eventNameOf, FRAME_ID_PATTERN, REALTIME_FRAME } from './room-frame';
import { RoomEvents } from './room-events';

/** The request context of one message (or hook): a fresh request id, the user, the client. */
export function roomContext(conn: RoomConnection, requestId: string, frame?: EventFrame) {
  const store = createContextStore(requestId);
  store.values.set(AUTH_PRINCIPAL, conn.user);
  store.values.set(REALTIME_CLIENT, conn);
  if (frame) store.values.set(REALTIME_FRAME, frame);
  return store;
}

const BAD_FRAME_ID_DETAIL =
  'An event frame\'s id is 1 to 64 characters among A-Z, a-z, 0-9, ".", "_", ":" and "-".';

/**
 * Takes in what a client sends: text frames only, within its rate, nested no deeper than
 * allowed, JSON; then handles each message in its own request context: a frame naming one of
 * the gateway's `@SubscribeMessage()` events goes to that handler, anything else is broadcast.
 * Refused messages are answered with an error envelope; too many in a row close with 1008.
 */
@Injectable()
export class MessageIntake {
  private readonly logger = new Logger('Realtime');
  private readonly tokensPerMs: number;
  private readonly tooDeepDetail: string;
  readonly counters = { messagesIn: 0, rateLimited: 0, invalidMessages: 0 };

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly delivery: RoomDelivery,
    private readonly events: RoomEvents,
  ) {
    this.tokensPerMs = options.rateLimit.messagesPerSecond / 1000;
    this.tooDeepDetail = `Messages may nest arrays and objects at most ${options.maxJsonDepth} levels deep.`;
  }

  onMessage(conn: RoomConnection, raw: Buffer, isBinary: boolean): void {
    if (conn.closing) return;
    conn.alive = true;
    if (isBinary) {
      conn.owner.close(conn, CloseCode.UNSUPPORTED_DATA, 'only JSON text frames are accepted');
      return;
    }
    const rate = this.options.rateLimit;
    if (!conn.take(performance.now(), this.tokensPerMs, rate.burst)) {
      this.counters.rateLimited++;
      this.refuse(conn, 'RATE_LIMITED', `At most ${rate.messagesPerSecond} messages per second.`);
      return;
    }
    const text = raw.toString('utf8');
    if (jsonDepthExceeds(text, this.options.maxJsonDepth)) {
      this.counters.invalidMessages++;
      this.logger.debug(`message refused in room ${conn.room}: nested deeper than allowed`);
      this.refuse(conn, 'JSON_TOO_DEEP', this.tooDeepDetail);
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      this.counters.invalidMessages++;
      this.refuse(conn, 'INVALID_JSON', 'Messages must be JSON text.');
      return;
    }
    const event = eventNameOf(data);
    const handler =
      event === undefined ? undefined : conn.bound?.handlers.find((h) => h.message === event);
    if (event !== undefined && handler) {
      this.dispatch(conn, handler, event, data as { data?: unknown; id?: unknown });
      return;
    }
    conn.violations = 0;
    this.counters.messagesIn++;
    const id = randomUUID();
    RequestContext.run(roomContext(conn, id), () => this.handleMessage(conn, id, text, data));
  }

  private dispatch(
    conn: RoomConnection,
    handler: WsMessageHandler,
    event: string,
    raw: { data?: unknown; id?: unknown },
  ): void {
    const frameId = raw.id;
    if (frameId !== undefined && (typeof frameId !== 'string' || !FRAME_ID_PATTERN.test(frameId))) {
      this.counters.invalidMessages++;
      this.refuse(conn, 'INVALID_FRAME_ID', BAD_FRAME_ID_DETAIL);
      return;
    }
    conn.violations = 0;
    this.counters.messagesIn++;
    const frame: EventFrame = { event, data: raw.data, id: frameId };
    RequestContext.run(roomContext(conn, randomUUID(), frame), () =>
      this.events.dispatch(conn, handler, frame),
    );
  }

  private handleMessage(conn: RoomConnection, id: string, text: string, data: unknown): void {
    const gateway = conn.route.gateway;
    if (gateway.handleMessage) {
      try {
        gateway.handleMessage(conn, data);
      } catch (err) {
        this.messageFailed(conn, id, err);
        return;
      }
    }
    const frame = messageFrame(conn.room, id, conn.userJson, text, new Date().toISOString());
    this.delivery.broadcastFrame(conn.room, frame);
  }

  private messageFailed(conn: RoomConnection, id: string, err: unknown): void {
    if (err instanceof DomainError) {
      this.delivery.send(conn, errorFrame(err.code, err.detail));
      return;
    }
    this.logger.error(
      `message handler failed in room ${conn.room}: ${err instanceof Error ? err.message : String(err)}`,
      err instanceof Error ? err.stack : undefined,
    );
    this.delivery.send(
      conn,
      errorFrame('MESSAGE_FAILED', `The message was not accepted; quote ${id}.`),
    );
  }

  private refuse(conn: RoomConnection, code: string, detail: string): void {
    if (++conn.violations > this.options.maxViolations) {
      conn.owner.close(conn, CloseCode.POLICY_VIOLATION, 'too many refused messages');
      return;
    }
    this.delivery.send(conn, errorFrame(code, detail));
  }
}
