/**
 * The joins and leaves of a large room over one interval, in one frame (see `PresenceOptions`):
 * rooms above `presence.batchAbove` sockets get this instead of one `presence` frame per socket.
 */
export interface PresenceBatchEnvelope {
  readonly type: 'presence-batch';
  readonly room: string;
  /** Sockets that joined during the interval (exact). */
  readonly joins: number;
  /** Sockets that left during the interval (exact). */
  readonly leaves: number;
  /** Users with a socket that joined, each once, in order of first join; capped. */
  readonly joined: readonly { readonly id: string }[];
  /** Users with a socket that left, each once, in order of first leave; capped. */
  readonly left: readonly { readonly id: string }[];
  /** A list was cut: more users joined or left than are listed. */
  readonly truncated: boolean;
}

/** `{"id":…},` around a user's JSON id. */
const ENTRY_OVERHEAD = 8;

/**
 * What one room collected since its batch opened. Bounded: at most `maxUsers` users per list
 * and `maxListedBytes` of listed ids in all, so the frame always fits what other instances
 * accept from the bus.
 */
export class PresenceBatch {
  private joins = 0;
  private leaves = 0;
  /** user id → its id as JSON text. */
  private readonly joined = new Map<string, string>();
  private readonly left = new Map<string, string>();
  private listedBytes = 0;
  private truncated = false;

  constructor(
    private readonly maxUsers: number,
    private readonly maxListedBytes: number,
  ) {}

  add(event: 'join' | 'leave', userId: string, userJson: string): void {
    const list = event === 'join' ? this.joined : this.left;
    if (event === 'join') this.joins++;
    else this.leaves++;
    if (list.has(userId)) return;
    const bytes = Buffer.byteLength(userJson) + ENTRY_OVERHEAD;
    if (list.size >= this.maxUsers || this.listedBytes + bytes > this.maxListedBytes) {
      this.truncated = true;
      return;
    }
    list.set(userId, userJson);
    this.listedBytes += bytes;
  }

  /** The envelope as JSON text; the room matches ROOM_NAME_PATTERN, ids are JSON already. */
  frame(room: string): string {
    return `{"type":"presence-batch","room":"${room}","joins":${this.joins},"leaves":${this.leaves},"joined":${users(this.joined)},"left":${users(this.left)},"truncated":${this.truncated}}`;
  }
}

function users(list: Map<string, string>): string {
  let text = '';
  for (const json of list.values()) text += `${text ? ',' : ''}{"id":${json}}`;
  return `[${text}]`;
}

/** Whether a parsed bus envelope is a well-formed presence batch. */
export function isPresenceBatch(e: Record<string, unknown>): boolean {
  return (
    isCount(e.joins) &&
    isCount(e.leaves) &&
    isUserList(e.joined) &&
    isUserList(e.left) &&
    typeof e.truncated === 'boolean'
  );
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isUserList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (u: unknown) =>
        typeof u === 'object' && u !== null && typeof (u as { id?: unknown }).id === 'string',
    )
  );
}
