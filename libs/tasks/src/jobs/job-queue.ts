import { JobError } from '../tasks.errors';

/** What a job handler receives besides its data. */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt; an attempt lost with a crashed worker counts too. */
  readonly attempt: number;
  /** The request id of the unit of work that enqueued the job. */
  readonly requestId: string;
}

export type JobHandler<T = unknown> = (data: T, job: JobContext) => Promise<unknown> | unknown;

export interface EnqueueOptions {
  /** Enqueuing twice with the same key yields one job while the first is still known. */
  idempotencyKey?: string;
  /**
   * The job's id (1 to 128 letters, digits, `.`, `_` or `-`, not only digits), e.g. the id of the stored
   * work it processes: enqueuing again with an id still known is a no-op (`duplicate: true`).
   * @default a random UUID, or one derived from `idempotencyKey`
   */
  jobId?: string;
  /** Attempts before the job is kept as failed. @default the module's `jobs.attempts` */
  attempts?: number;
  /** First retry delay in ms, doubled on each retry. @default the module's `jobs.backoffMs` */
  backoffMs?: number;
}

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'unknown';

export interface JobInfo {
  readonly id: string;
  readonly name: string;
  readonly data: unknown;
  readonly state: JobState;
  readonly attemptsMade: number;
  readonly failedReason?: string;
}

/** What the queue stores: the data and the enqueuer's request id. */
export interface JobEnvelope<T = unknown> {
  readonly data: T;
  readonly requestId: string;
}

/**
 * Durable jobs with retries, the same API on BullMQ (Redis) and in process. Declare handlers
 * with `@OnJob(name)` on a provider method (or `register()` them at init, `onModuleInit`, for
 * names known only at run time), enqueue anywhere.
 */
export abstract class JobQueue {
  /** True on BullMQ: jobs survive a crash or restart. */
  abstract readonly durable: boolean;
  /** Called after each attempt on this instance; the metrics hook. */
  observer:
    ((name: string, outcome: 'completed' | 'failed', durationMs: number) => void) | undefined;
  /** Registers the handler of a job name (once per name). */
  abstract register<T>(name: string, handler: JobHandler<T>): void;
  /** Enqueues a job; `duplicate` is true when the idempotency key was already known. */
  abstract enqueue<T>(
    name: string,
    data: T,
    options?: EnqueueOptions,
  ): Promise<{ id: string; duplicate: boolean }>;
  /** A job by id, or null. */
  abstract get(id: string): Promise<JobInfo | null>;
  /** Jobs kept as failed after their last attempt, newest first. */
  abstract failed(limit?: number): Promise<JobInfo[]>;
  /** Stops taking jobs; active ones finish first. Safe to call twice. */
  abstract close(): Promise<void>;
}

const JOB_ID = /^(?!\d+$)[A-Za-z0-9._-]{1,128}$/;

/** Throws `JobError` (`JOB_INVALID`) unless `id` can be a job id on both runners. */
export function checkJobId(id: string): string {
  if (typeof id === 'string' && JOB_ID.test(id)) return id;
  throw new JobError(
    'JOB_INVALID',
    'a job id must be 1 to 128 letters, digits, ".", "_" or "-", and not only digits',
  );
}

/** Exponential backoff: `base`, `2·base`, `4·base`, … */
export function backoffDelay(baseMs: number, attemptsMade: number): number {
  return baseMs * 2 ** Math.max(0, attemptsMade - 1);
}
