import { InvalidTokenError } from '@kit/auth';
import { type DomainError } from '@kit/http';
import { INTERNAL_ERROR_DETAIL, writeSocketProblem } from '@kit/http/internal';
import type { Duplex } from 'node:stream';
import { InvalidRoomError, RoomForbiddenError } from './realtime.errors';

/** Why an upgrade was refused: an HTTP status, a stable code and what to tell the client. */
export interface UpgradeRejection {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Answers a refused upgrade with a short problem+json response (never a bare socket reset), the
 * request id in `X-Request-ID`, then closes the connection. `typeBase` is the app's problem
 * `type` prefix, as on its HTTP problems.
 */
export function writeRejection(
  socket: Duplex,
  typeBase: string,
  rejection: UpgradeRejection,
  requestId: string,
  startedAt?: number,
): void {
  writeSocketProblem(socket, typeBase, { ...rejection, requestId, startedAt });
}

function fromDomainError(error: DomainError): UpgradeRejection {
  return { status: error.status, code: error.code, detail: error.detail, headers: error.headers };
}

/** 503: the instance cannot take the socket now; `Retry-After` says when to try (here or elsewhere). */
function unavailable(code: string, detail: string, retryAfterSeconds: number): UpgradeRejection {
  return { status: 503, code, detail, headers: { 'Retry-After': String(retryAfterSeconds) } };
}

export const Rejections = Object.freeze({
  tokenMissing: {
    status: 401,
    code: 'AUTH_TOKEN_MISSING',
    detail: 'A room socket needs an access token in ?token= or an Authorization: Bearer header.',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  // The very 401 of the HTTP guard, so a socket and a route refuse a token alike.
  tokenInvalid: fromDomainError(new InvalidTokenError()),
  originForbidden: {
    status: 403,
    code: 'REALTIME_ORIGIN_FORBIDDEN',
    detail: 'Pages from this Origin may not open room sockets.',
  },
  // The room's own refusals are the HTTP API's (RealtimeService, a rooms controller) too.
  invalidRoom: fromDomainError(new InvalidRoomError()),
  roomForbidden: fromDomainError(new RoomForbiddenError()),
  atCapacity: unavailable(
    'REALTIME_AT_CAPACITY',
    'This instance has as many sockets as it accepts; try again later.',
    5,
  ),
  tooManyRooms: unavailable(
    'REALTIME_TOO_MANY_ROOMS',
    'This instance hosts as many rooms as it accepts; try again later.',
    5,
  ),
  shuttingDown: unavailable(
    'REALTIME_SHUTTING_DOWN',
    'The service is shutting down; reconnect to another instance.',
    1,
  ),
  handshakeTimeout: unavailable(
    'REALTIME_HANDSHAKE_TIMEOUT',
    'The upgrade could not be decided in time; try again.',
    1,
  ),
  methodNotAllowed: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    detail: 'A WebSocket upgrade is a GET request.',
    headers: { Allow: 'GET' },
  },
  notWebSocket: {
    status: 400,
    code: 'REALTIME_BAD_HANDSHAKE',
    detail: 'Only "Upgrade: websocket" is served here.',
  },
  badKey: {
    status: 400,
    code: 'REALTIME_BAD_HANDSHAKE',
    detail: 'Sec-WebSocket-Key is missing or is not 16 bytes in base64.',
  },
  badVersion: {
    status: 426,
    code: 'REALTIME_UNSUPPORTED_VERSION',
    detail: 'Only WebSocket version 13 (RFC 6455) is supported.',
    headers: { 'Sec-WebSocket-Version': '13' },
  },
  notFound: {
    status: 404,
    code: 'NOT_FOUND',
    detail: 'No WebSocket endpoint at this path.',
  },
  internal: {
    status: 500,
    code: 'INTERNAL_ERROR',
    detail: INTERNAL_ERROR_DETAIL,
  },
} satisfies Record<string, UpgradeRejection>);
