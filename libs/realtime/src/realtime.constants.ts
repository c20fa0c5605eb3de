import { Inject } from '@nestjs/common';

/** Token of the `RealtimeBroker` (in-process, or Redis when `redisUrl` is set). */
export const REALTIME_BROKER = Symbol.for('kit.realtime.RealtimeBroker');

export const InjectRealtimeBroker = (): ParameterDecorator => Inject(REALTIME_BROKER);

/** Request-context key of the `RoomClient` whose message is being handled. */
export const REALTIME_CLIENT = Symbol.for('kit.realtime.client');

/** Room names: what `GET /ws/{room}` and the server-side API accept. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** WebSocket close codes the gateway uses (RFC 6455 §7.4 plus one private-use code). */
export const CloseCode = Object.freeze({
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A binary frame: only JSON text frames are accepted. */
  UNSUPPORTED_DATA: 1003,
  /** Persistent abuse (too many refused messages in a row), or the room policy no longer admits the user. */
  POLICY_VIOLATION: 1008,
  /** A message over `maxPayloadBytes`. */
  MESSAGE_TOO_BIG: 1009,
  /** Slow consumer: the send buffer passed `sendBufferCapBytes`. */
  TRY_AGAIN_LATER: 1013,
  /** The access token expired, or the user was deactivated or deleted, while connected. */
  TOKEN_EXPIRED: 4001,
});

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes of the `{type:"error", error, detail}` replies; the socket stays open. */
export type RealtimeErrorReplyCode =
  'INVALID_JSON' | 'JSON_TOO_DEEP' | 'RATE_LIMITED' | 'INVALID_FRAME_ID' | 'MESSAGE_FAILED';
