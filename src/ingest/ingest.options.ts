/** Token of the resolved `IngestOptions`. */
export const INGEST_OPTIONS = 'INGEST:OPTIONS';

/** How ingested batches get their jobs (the outbox relay and sweeper) and how long keys live. */
export interface IngestOptions {
  /**
   * Enqueue a batch's job right after its transaction commits; off, only the sweeper does (and
   * with `sweepIntervalMs` 0 nothing does: the state a crash right after the commit leaves).
   * @default true
   */
  readonly relay: boolean;
  /** Interval of the sweeper that enqueues stored batches whose job was never enqueued; 0 = off. @default 5000 */
  readonly sweepIntervalMs: number;
  /** Age after which the sweeper takes a batch over from the relay. @default 10000 */
  readonly sweepAfterMs: number;
  /** How long an `Idempotency-Key`'s first answer is kept (and replayed). @default 86400000 (24 h) */
  readonly idempotencyTtlMs: number;
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = Object.freeze({
  relay: true,
  sweepIntervalMs: 5_000,
  sweepAfterMs: 10_000,
  idempotencyTtlMs: 86_400_000,
});

/** Batches the relay enqueues at the same time; past it a batch waits for the sweeper. */
export const MAX_RELAYS_IN_FLIGHT = 256;
/** Outbox rows one sweep reads at a time. */
export const SWEEP_PAGE = 100;
/** Outbox rows one sweep enqueues at most; the next sweep goes on. */
export const SWEEP_MAX_ROWS = 5_000;
