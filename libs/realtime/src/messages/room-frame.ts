import { RequestContext } from '@kit/http';

/** An event frame: `{"event": "<name>", "data": …, "id": "<correlation id>"}`. */
export interface EventFrame {
  readonly event: string;
  readonly data: unknown;
  readonly id: string | undefined;
}

/** Request-context key of the event frame being handled. */
export const REALTIME_FRAME = Symbol.for('kit.realtime.frame');

/** Correlation ids a client may put on an event frame. */
export const FRAME_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** The event a JSON value names, if it is an object with a string `event`. */
export function eventNameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const event = (value as { event?: unknown }).event;
  return typeof event === 'string' ? event : undefined;
}

/** The event frame of the current request context (the message being handled), if any. */
export function currentFrame(): EventFrame | undefined {
  return RequestContext.current()?.values.get(REALTIME_FRAME) as EventFrame | undefined;
}
