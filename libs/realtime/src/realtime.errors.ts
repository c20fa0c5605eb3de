import { DomainError, KitConfigError, KitError } from '@kit/http';

/** Base class of the runtime errors `@kit/realtime` throws itself; `code` is stable. */
export class RealtimeError extends KitError {}

/** A bad `@kit/realtime` option, raised at boot (`REALTIME_INVALID_OPTION`). */
export class RealtimeConfigError extends KitConfigError {
  constructor(option: string, problem: string) {
    super('REALTIME_INVALID_OPTION', option, problem);
  }
}

/** 400: a room name outside `[A-Za-z0-9_-]{1,64}`. */
export class InvalidRoomError extends DomainError {
  constructor() {
    super('REALTIME_INVALID_ROOM', 400, 'Bad Request', {
      detail: 'A room name is 1 to 64 characters among A-Z, a-z, 0-9, "_" and "-".',
    });
  }
}

/** 403: the room policy does not admit this user to this room. */
export class RoomForbiddenError extends DomainError {
  constructor() {
    super('REALTIME_ROOM_FORBIDDEN', 403, 'Forbidden', {
      detail: 'You are not allowed in this room.',
    });
  }
}

/** 413: a server-side broadcast whose envelope would exceed `maxPayloadBytes`. */
export class MessageTooLargeError extends DomainError {
  constructor(limit: number) {
    super('REALTIME_MESSAGE_TOO_LARGE', 413, 'Payload Too Large', {
      detail: `A room message may be at most ${limit} bytes once serialized.`,
    });
  }
}

/** 503: presence across instances needs the broker, which is not reachable now. */
export class BrokerUnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super('REALTIME_BROKER_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: 'The realtime broker is not reachable; try again shortly.',
      headers: { 'retry-after': '5' },
      cause,
    });
  }
}
