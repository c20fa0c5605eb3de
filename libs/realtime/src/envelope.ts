import { ROOM_NAME_PATTERN } from './realtime.constants';
import { isPresenceBatch, type PresenceBatchEnvelope } from './rooms/presence-batch';

/** A room message as every member receives it. */
export interface MessageEnvelope {
  readonly type: 'message';
  readonly room: string;
  /** Message id: the request id of the context that handled it. */
  readonly id: string;
  readonly from: { readonly id: string };
  /** The client's message as sent (any JSON value). */
  readonly data: unknown;
  /** ISO 8601 time the server accepted it. */
  readonly ts: string;
}

/** A socket joined or left the room. */
export interface PresenceEnvelope {
  readonly type: 'presence';
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly user: { readonly id: string };
}

/** A recoverable error; the socket stays open. */
export interface ErrorEnvelope {
  readonly type: 'error';
  readonly error: string;
  readonly detail: string;
}

export type ServerEnvelope =
  | MessageEnvelope
  | PresenceEnvelope
  | PresenceBatchEnvelope
  | ErrorEnvelope
  | ReplyEnvelope
  | EventErrorEnvelope;

/**
 * Serializes a message envelope once for every recipient. `dataJson` is valid JSON text
 * (validated by the caller), embedded as is; the room matches ROOM_NAME_PATTERN and the id is a
 * UUID, so neither needs escaping.
 */
export function messageFrame(
  room: string,
  id: string,
  fromJson: string,
  dataJson: string,
  ts: string,
): string {
  return `{"type":"message","room":"${room}","id":"${id}","from":{"id":${fromJson}},"data":${dataJson},"ts":"${ts}"}`;
}

export function presenceFrame(room: string, event: 'join' | 'leave', userJson: string): string {
  return `{"type":"presence","room":"${room}","event":"${event}","user":{"id":${userJson}}}`;
}

export function errorFrame(error: string, detail: string): string {
  return JSON.stringify({ type: 'error', error, detail });
}

/** Types of transient envelopes (`RealtimeService.relay`); the contract's own types are not. */
export const RELAY_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,31}$/;
const RESERVED_TYPES: ReadonlySet<string> = new Set([
  'message',
  'presence',
  'presence-batch',
  'error',
  'reply',
]);

export function isRelayType(type: string): boolean {
  return RELAY_TYPE_PATTERN.test(type) && !RESERVED_TYPES.has(type);
}

const BUS_VERSION = 'v1';

/** A bus message: `v1\n<origin instance>\n<room>\n<envelope JSON>`, so relaying needs no re-serialization. */
export function busMessage(origin: string, room: string, frame: string): string {
  return `${BUS_VERSION}\n${origin}\n${room}\n${frame}`;
}

export interface BusMessage {
  readonly origin: string;
  readonly room: string;
  readonly frame: string;
}

const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses and checks a bus message; undefined when anything about it is off. */
export function parseBusMessage(payload: string, maxFrameBytes: number): BusMessage | undefined {
  const a = payload.indexOf('\n');
  const b = a < 0 ? -1 : payload.indexOf('\n', a + 1);
  const c = b < 0 ? -1 : payload.indexOf('\n', b + 1);
  if (c < 0 || payload.slice(0, a) !== BUS_VERSION) return undefined;
  const origin = payload.slice(a + 1, b);
  const room = payload.slice(b + 1, c);
  const frame = payload.slice(c + 1);
  if (!INSTANCE_ID.test(origin) || !ROOM_NAME_PATTERN.test(room)) return undefined;
  if (frame.length > maxFrameBytes || !isEnvelopeFor(frame, room)) return undefined;
  return { origin, room, frame };
}

function isEnvelopeFor(frame: string, room: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Record<string, unknown>;
  if (e.room !== room) return false;
  if (e.type === 'message') {
    return (
      typeof e.id === 'string' && isIdHolder(e.from) && typeof e.ts === 'string' && 'data' in e
    );
  }
  if (e.type === 'presence') {
    return (e.event === 'join' || e.event === 'leave') && isIdHolder(e.user);
  }
  if (e.type === 'presence-batch') return isPresenceBatch(e);
  // A relayed envelope (RealtimeService.relay) always says who it is from.
  return typeof e.type === 'string' && isRelayType(e.type) && isIdHolder(e.from);
}

function isIdHolder(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'string'
  );
}

/** A `@SubscribeMessage()` handler's return value, sent to the sender only. */
export interface ReplyEnvelope {
  readonly type: 'reply';
  readonly event: string;
  /** The frame's `id`, when it had one. */
  readonly id?: string;
  readonly data: unknown;
}

/** A refused or failed event, sent to the sender only; the socket stays open. */
export interface EventErrorEnvelope {
  readonly type: 'error';
  readonly error: string;
  /** The HTTP status the same failure would have on a route. */
  readonly status: number;
  readonly detail: string;
  readonly event: string;
  /** The frame's `id`, when it had one. */
  readonly id?: string;
  /** Field errors of a `VALIDATION_FAILED` (as in the HTTP problem). */
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export function replyFrame(event: string, id: string | undefined, data: unknown): string {
  return JSON.stringify({ type: 'reply', event, id, data } satisfies ReplyEnvelope);
}
