/** Counters of a broker, for stats and tests. */
export interface BrokerStats {
  readonly kind: 'memory' | 'redis';
  /** Whether messages currently reach the other instances (always true in-process). */
  readonly connected: boolean;
  /** Envelopes sent to the other instances. */
  readonly published: number;
  /** Envelopes that could not be sent (broker down); local delivery went on. */
  readonly publishFailures: number;
  /** Envelopes received from the other instances and delivered here. */
  readonly received: number;
  /** Channel messages ignored because they were not well-formed envelopes. */
  readonly malformed: number;
}

/** What a broker may ask of this instance's rooms. */
export interface LocalRooms {
  /** Delivers an envelope (JSON text) that came from another instance to the members here. */
  deliverRemote(room: string, frame: string): void;
  /** Ids of the users with at least one socket in `room` on this instance. */
  localMembers(room: string): string[];
  /** Rooms with at least one socket on this instance. */
  localRooms(): string[];
}

/**
 * Fan-out and presence across instances. The gateway delivers every envelope to this
 * instance's members itself, then hands it to `publish` for the others, so each member gets it
 * exactly once. Implementations: `InProcessBroker` (one instance) and `RedisBroker`.
 */
export interface RealtimeBroker {
  readonly kind: 'memory' | 'redis';
  /** Binds the broker to this instance's rooms; called once, before `open`. */
  attach(local: LocalRooms): void;
  /** Connects; throwing stops the boot. */
  open(): Promise<void>;
  /** Sends an envelope to the other instances. Never throws: failures are counted. */
  publish(room: string, frame: string): void;
  /** A user's first socket in `room` on this instance opened (true) or its last one closed (false). */
  presenceChanged(room: string, userId: string, present: boolean): void;
  /** Ids of the users with a socket in `room` on any live instance. */
  members(room: string): Promise<string[]>;
  /** Resolves when healthy (readiness), throws when not. */
  check(): Promise<void>;
  stats(): BrokerStats;
  /** Disconnects; safe to call twice. */
  close(): Promise<void>;
}
