import { Injectable, Logger, type WsMessageHandler } from '@nestjs/common';
import { RequestContext } from '@kit/http';
import { firstValueFrom } from 'rxjs';
import type { RoomConnection } from '../connections/room-connection';
import { RoomDelivery } from '../delivery/room-delivery';
import { replyFrame } from '../envelope';
import type { EventFrame } from './room-frame';

/**
 * Runs one event frame through its `@SubscribeMessage()` handler — Nest's guards, pipes,
 * interceptors and filters included — inside the message's request context, and answers the
 * sender: the handler's result as `{type:"reply", event, id, data}` (none for `undefined`).
 * Failures are answered by the gateway's filters (`RoomExceptionFilter` last); only what
 * escapes them lands here, as `MESSAGE_FAILED`.
 */
@Injectable()
export class RoomEvents {
  private readonly logger = new Logger('Realtime');

  constructor(private readonly delivery: RoomDelivery) {}

  dispatch(conn: RoomConnection, handler: WsMessageHandler, frame: EventFrame): void {
    let result: unknown;
    try {
      result = handler.callback(frame.data);
    } catch (err) {
      this.failed(conn, frame, err);
      return;
    }
    const transform = conn.bound?.transform;
    if (!transform) return;
    firstValueFrom(transform(result), { defaultValue: undefined }).then(
      (value) => {
        if (value === undefined) return;
        this.delivery.send(conn, replyFrame(frame.event, frame.id, value));
      },
      (err: unknown) => this.failed(conn, frame, err),
    );
  }

  private failed(conn: RoomConnection, frame: EventFrame, err: unknown): void {
    const requestId = RequestContext.current()?.requestId ?? 'unknown';
    this.logger.error(
      `event "${frame.event}" failed in room ${conn.room}: ${err instanceof Error ? err.message : String(err)}`,
      err instanceof Error ? err.stack : undefined,
    );
    conn.send({
      type: 'error',
      error: 'MESSAGE_FAILED',
      status: 500,
      detail: `The event was not handled; quote ${requestId}.`,
      event: frame.event,
      id: frame.id,
    });
  }
}
