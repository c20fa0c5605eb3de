import { ROOM_NAME_PATTERN } from '../realtime.constants';
import { RealtimeConfigError } from '../realtime.errors';

/** Static segments around exactly one `:room` parameter, e.g. `/ws/:room` or `/rooms/:room/live`. */
const TEMPLATE = /^((?:\/[A-Za-z0-9._~-]+)*)\/:room((?:\/[A-Za-z0-9._~-]+)*)$/;

/** Where a request path stands against a template. */
export type RoomPathMatch =
  | { readonly kind: 'room'; readonly room: string }
  /** Under the template's prefix, but what stands for `:room` is not a room name (→ 400). */
  | { readonly kind: 'invalid-room' }
  | { readonly kind: 'none' };

const NONE: RoomPathMatch = { kind: 'none' };
const INVALID: RoomPathMatch = { kind: 'invalid-room' };

/** A gateway's path template, compiled once at boot and matched per upgrade without regexes. */
export class RoomPath {
  /** The static part before `:room`, with its trailing slash (`/ws/`). */
  private readonly prefix: string;
  /** The static part after `:room` (`/live`), or ''. */
  private readonly suffix: string;

  constructor(readonly template: string) {
    const parts = TEMPLATE.exec(template);
    if (!parts) {
      throw new RealtimeConfigError(
        `@RoomGateway({ path: '${template}' })`,
        'must be an absolute path with exactly one ":room" segment and static segments ' +
          "around it, e.g. '/ws/:room'",
      );
    }
    this.prefix = `${parts[1] ?? ''}/`;
    this.suffix = parts[2] ?? '';
  }

  /** The template in OpenAPI form: `/ws/{room}`. */
  get openApiPath(): string {
    return `${this.prefix}{room}${this.suffix}`;
  }

  /**
   * Matches a request path (no query). A path under the prefix (or the prefix without its
   * slash) whose room part is not a room name is `invalid-room`, so `/ws/a.b`, `/ws/a/b` and
   * `/ws` are answered 400 by the gateway that serves `/ws/:room`.
   */
  match(path: string): RoomPathMatch {
    if (path === this.prefix.slice(0, -1) && this.prefix !== '/') return INVALID;
    if (!path.startsWith(this.prefix)) return NONE;
    if (this.suffix === '') {
      const room = path.slice(this.prefix.length);
      return ROOM_NAME_PATTERN.test(room) ? { kind: 'room', room } : INVALID;
    }
    if (!path.endsWith(this.suffix) || path.length < this.prefix.length + this.suffix.length) {
      return NONE;
    }
    const room = path.slice(this.prefix.length, path.length - this.suffix.length);
    return ROOM_NAME_PATTERN.test(room) ? { kind: 'room', room } : INVALID;
  }
}
