/** Per-connection message rate: a token bucket refilled continuously. */
export interface RateLimitOptions {
  /** Sustained messages per second one connection may send. @default 20 */
  messagesPerSecond?: number;
  /** Messages a connection may send in a burst above the sustained rate. @default 40 */
  burst?: number;
}

/**
 * Presence frames of large rooms. A room with at most `batchAbove` sockets on this instance gets
 * one `{type:"presence", event:"join"|"leave"}` frame per socket that joins or leaves; a larger one
 * gets at most one `{type:"presence-batch"}` frame per `intervalMs` carrying the joins and leaves
 * of that interval (counts, and the users up to `maxUsersPerFrame`). Every join of a room that
 * fills up would otherwise reach every member: O(N²) frames for N members.
 */
export interface PresenceOptions {
  /**
   * Sockets in a room on this instance above which its presence is batched. Each instance
   * decides for its own joins and leaves, by its own members of the room. 0 batches every room.
   * @default 100
   */
  batchAbove?: number;
  /** Milliseconds a batch collects joins and leaves before it is sent. @default 1_000 */
  intervalMs?: number;
  /**
   * Users listed per kind (`joined`, `left`) in a batch; the counts `joins` and `leaves` are
   * always exact, and `truncated` says when a list was cut. Each batch goes to every member, so
   * its size is paid once per member per interval. @default 20
   */
  maxUsersPerFrame?: number;
}

/**
 * Redis fan-out and presence (the `redis` broker). The connection itself — URL, TLS, connect and
 * Redis fan-out and presence (the `redis` broker). The connection itself — URL, TLS, connect and
 * command timeouts, reconnection — is `LifespanModule`'s `redis`.
 */
export interface RedisBrokerOptions {
  /** Prefix of every key and channel, so services can share a Redis. @default 'kit:realtime' */
  keyPrefix?: string;
  /** Milliseconds between refreshes of this instance's presence keys. @default 5_000 */
  presenceHeartbeatMs?: number;
  /**
   * Milliseconds presence keys live without a refresh: the members of a crashed instance
   * disappear after this. At least twice `presenceHeartbeatMs`. @default 15_000
   */
  presenceTtlMs?: number;
  /**
   * Whether readiness fails (503) while the broker is down. `false` keeps the instance in the
   * balancer (readiness 200, `status: "degraded"`): its own rooms still work, and server-side
   * broadcasts answer 503 `REALTIME_BROKER_UNAVAILABLE` until Redis is back. @default true
   */
  required?: boolean;
}

/** Options of `RealtimeModule.forRoot()` / `forRootAsync()`. */
export interface RealtimeModuleOptions {
  /**
   * Exact origins (`https://app.example.com`) whose pages may open sockets, or `['*']`. An
   * upgrade carrying any other `Origin` is refused with 403 (cross-site WebSocket hijacking);
   * clients that send no `Origin` (non-browsers) are not affected. Pass the same list as the
   * CORS policy. @default [] (no browser origin)
   */
  allowedOrigins?: readonly string[];
  /**
   * `'redis'`: fan-out and presence across instances, on `LifespanModule`'s Redis (without one the
   * boot fails); `'in-process'`: this instance only.
   * @default 'redis' when LifespanModule has a Redis, else 'in-process'
   */
  broker?: RealtimeBrokerKind;
  /** Redis broker settings. @default see RedisBrokerOptions */
  redis?: RedisBrokerOptions;
  /** Largest incoming message in bytes; a larger one closes the socket with 1009. @default 65_536 */
  maxPayloadBytes?: number;
  /**
   * Deepest nesting of arrays and objects in an incoming message; a deeper one is answered with
   * a `JSON_TOO_DEEP` error (never parsed) and counts as a refused message. @default 64
   */
  maxJsonDepth?: number;
  /**
   * Bytes held for sending to one socket — the kit's own queue plus what the socket has not
   * handed to the kernel yet. A client past it is closed with 1013 (slow consumer): its queue is
   * dropped, so the close frame goes out right behind what the socket already holds (at most
   * its high-water mark and one frame). At least twice `maxPayloadBytes`. @default 1_048_576
   */
  sendBufferCapBytes?: number;
  /** Per-connection message rate. @default { messagesPerSecond: 20, burst: 40 } */
  rateLimit?: RateLimitOptions;
  /** Presence of large rooms, batched. @default { batchAbove: 100, intervalMs: 1_000, maxUsersPerFrame: 20 } */
  presence?: PresenceOptions;
  /** Refused messages (rate limited or invalid) in a row before the socket is closed with 1008. @default 20 */
  maxViolations?: number;
  /** Open sockets this instance accepts; more are refused with 503. @default 10_000 */
  maxConnections?: number;
  /** Rooms with members on this instance; a new room past it is refused with 503. @default 1_000 */
  maxRooms?: number;
  /** Milliseconds between server pings; a peer that has not answered the previous one is dropped. @default 30_000 */
  pingIntervalMs?: number;
  /**
   * Milliseconds between re-checks of connected users through the `UserResolver` (periodic):
   * a deactivated or deleted user is closed with 4001 at the next one. @default 30_000
   */
  userRecheckIntervalMs?: number;
  /** Milliseconds the checks before an upgrade may take before it is refused with 503. @default 10_000 */
  handshakeTimeoutMs?: number;
  /** Milliseconds a closing handshake may take before the socket is destroyed (shutdown included). @default 5_000 */
  closeTimeoutMs?: number;
}

export interface ResolvedRateLimit {
  readonly messagesPerSecond: number;
  readonly burst: number;
}

/** Where room messages fan out: `RealtimeModuleOptions.broker`. */
export type RealtimeBrokerKind = 'redis' | 'in-process';

export interface ResolvedPresenceOptions {
  readonly batchAbove: number;
  readonly intervalMs: number;
  readonly maxUsersPerFrame: number;
}

export interface ResolvedRedisBrokerOptions {
  readonly keyPrefix: string;
  readonly presenceHeartbeatMs: number;
  readonly presenceTtlMs: number;
  readonly required: boolean;
}

export interface ResolvedRealtimeOptions {
  readonly anyOrigin: boolean;
  readonly allowedOrigins: ReadonlySet<string>;
  /** Undefined: Redis when LifespanModule has one. */
  readonly broker: RealtimeBrokerKind | undefined;
  readonly redis: ResolvedRedisBrokerOptions;
  readonly maxPayloadBytes: number;
  readonly maxJsonDepth: number;
  readonly sendBufferCapBytes: number;
  readonly rateLimit: ResolvedRateLimit;
  readonly presence: ResolvedPresenceOptions;
  readonly maxViolations: number;
  readonly maxConnections: number;
  readonly maxRooms: number;
  readonly pingIntervalMs: number;
  readonly userRecheckIntervalMs: number;
  readonly handshakeTimeoutMs: number;
  readonly closeTimeoutMs: number;
}
