import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { codeForStatus, DomainError, RequestContext } from '@kit/http';
import type { EventErrorEnvelope } from '../envelope';
import { currentFrame } from '../messages/room-frame';
import type { RoomClient } from './room-gateway.interface';

/** What Nest's guard consumer throws when a guard returns false. */
const GUARD_DENIED = 'Forbidden resource';

type Failure = Omit<EventErrorEnvelope, 'type' | 'event' | 'id'>;

/**
 * The kit's answer to a failed event handler (guard, pipe, interceptor or the handler itself):
 * an error envelope to the sender only, `{type:"error", error, status, detail, event, id}`; the
 * socket stays open. A `DomainError` keeps its code, detail and extensions (the field `errors`
 * of `VALIDATION_FAILED`), a `WsException` its message, a guard denial is `FORBIDDEN`; anything
 * else is `MESSAGE_FAILED`, logged with the message's request id and never echoed.
 */
@Catch()
export class RoomExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Realtime');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const client = ws.getClient<RoomClient>();
    const frame = currentFrame();
    const event = frame?.event ?? String(ws.getPattern());
    const failure = this.failureOf(exception) ?? this.unexpected(exception, client, event);
    // Key order: type first; an extension cannot replace the envelope's own fields.
    client.send(Object.assign({ type: 'error' }, failure, { type: 'error', event, id: frame?.id }));
  }

  /** The envelope fields of an expected failure; undefined for anything else. */
  protected failureOf(exception: unknown): Failure | undefined {
    if (exception instanceof DomainError) {
      return {
        ...exception.extensions,
        error: exception.code,
        status: exception.status,
        detail: exception.detail,
      };
    }
    if (exception instanceof WsException) return fromWsException(exception);
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return fromHttpException(exception);
    }
    return undefined;
  }

  private unexpected(exception: unknown, client: RoomClient, event: string): Failure {
    const requestId = RequestContext.current()?.requestId ?? 'unknown';
    this.logger.error(
      `event "${event}" failed in room ${client.room}: ${exception instanceof Error ? exception.message : String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    return {
      error: 'MESSAGE_FAILED',
      status: 500,
      detail: `The event was not handled; quote ${requestId}.`,
    };
  }
}

function fromWsException(exception: WsException): Failure {
  const error = exception.getError();
  if (typeof error === 'string') {
    return error === GUARD_DENIED
      ? { error: 'FORBIDDEN', status: 403, detail: 'This event is not allowed for you.' }
      : { error: 'EVENT_REFUSED', status: 400, detail: error };
  }
  const fields = error as {
    error?: unknown;
    status?: unknown;
    detail?: unknown;
    message?: unknown;
  };
  const status = typeof fields.status === 'number' ? fields.status : 400;
  return {
    error: typeof fields.error === 'string' ? fields.error : codeForStatus(status),
    status,
    detail:
      typeof fields.detail === 'string'
        ? fields.detail
        : typeof fields.message === 'string'
          ? fields.message
          : 'The event was refused.',
  };
}

function fromHttpException(exception: HttpException): Failure {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message =
    typeof response === 'string' ? response : (response as { message?: unknown }).message;
  return {
    error: codeForStatus(status),
    status,
    detail: Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : exception.message,
  };
}
