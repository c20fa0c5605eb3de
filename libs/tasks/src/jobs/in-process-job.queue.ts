import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '@kit/http';
import { deriveContext, settleRequestScope } from '../request-resource/request-resource';
import {
  backoffDelay,
  checkJobId,
  type EnqueueOptions,
  type JobHandler,
  type JobInfo,
  JobQueue,
  type JobState,
} from './job-queue';
import { JobError, ShuttingDownError } from '../tasks.errors';
import type { ResolvedTasksOptions } from '../options/tasks-options.interface';

interface Entry {
  id: string;
  name: string;
  data: unknown;
  requestId: string;
  attempts: number;
  backoffMs: number;
  attemptsMade: number;
  state: JobState;
  failedReason?: string;
  idempotencyKey?: string;
}

const MAX_PENDING = 10_000;

/**
 * The jobs API in process: retries with backoff and idempotency keys, but NOT durable — queued
 * jobs are lost when the process stops. It says so at boot; set REDIS_URL for BullMQ.
 */
export class InProcessJobQueue extends JobQueue {
  readonly durable = false;
  private readonly logger = new Logger('Jobs');
  private readonly handlers = new Map<string, JobHandler>();
  private readonly jobs = new Map<string, Entry>();
  private readonly keys = new Map<string, string>();
  private readonly ready: Entry[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly failedIds: string[] = [];
  private readonly completedIds: string[] = [];
  private active = 0;
  private closing: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;

  constructor(private readonly options: ResolvedTasksOptions['jobs']) {
    super();
    this.logger.warn(
      'jobs run in process and are NOT durable: queued jobs are lost on exit; set REDIS_URL to use BullMQ',
    );
  }

  register<T>(name: string, handler: JobHandler<T>): void {
    if (this.handlers.has(name))
      throw new JobError('JOB_DUPLICATE_HANDLER', `job "${name}" already has a handler`);
    this.handlers.set(name, handler as JobHandler);
  }

  enqueue<T>(
    name: string,
    data: T,
    options: EnqueueOptions = {},
  ): Promise<{ id: string; duplicate: boolean }> {
    if (this.closing) return Promise.reject(new ShuttingDownError('jobs'));
    let known: string | undefined;
    try {
      known = this.knownId(options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (known && this.jobs.has(known)) return Promise.resolve({ id: known, duplicate: true });
    if (this.jobs.size - this.failedIds.length - this.completedIds.length >= MAX_PENDING) {
      return Promise.reject(
        new JobError(
          'JOB_QUEUE_FULL',
          `more than ${MAX_PENDING} jobs are pending in process; retry later or set REDIS_URL for BullMQ`,
        ),
      );
    }
    const entry: Entry = {
      id: options.jobId ?? randomUUID(),
      name,
      data,
      requestId: RequestContext.requestId() ?? randomUUID(),
      attempts: options.attempts ?? this.options.attempts,
      backoffMs: options.backoffMs ?? this.options.backoffMs,
      attemptsMade: 0,
      state: 'waiting',
      idempotencyKey: options.idempotencyKey,
    };
    this.jobs.set(entry.id, entry);
    if (entry.idempotencyKey) this.keys.set(entry.idempotencyKey, entry.id);
    this.ready.push(entry);
    this.pump();
    return Promise.resolve({ id: entry.id, duplicate: false });
  }

  /** The id the options name (a given job id, or the job of a known idempotency key). */
  private knownId(options: EnqueueOptions): string | undefined {
    if (options.jobId !== undefined) return checkJobId(options.jobId);
    return options.idempotencyKey ? this.keys.get(options.idempotencyKey) : undefined;
  }

  get(id: string): Promise<JobInfo | null> {
    const e = this.jobs.get(id);
    return Promise.resolve(e ? info(e) : null);
  }

  failed(limit = 100): Promise<JobInfo[]> {
    return Promise.resolve(
      this.failedIds
        .slice(-limit)
        .toReversed()
        .map((id) => info(this.jobs.get(id) as Entry)),
    );
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.active > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    const lost = [...this.jobs.values()].filter(
      (e) => e.state === 'waiting' || e.state === 'delayed',
    ).length;
    if (lost > 0) this.logger.warn(`${lost} queued in-process job(s) were not run (not durable)`);
  }

  private pump(): void {
    if (!this.options.worker) return;
    while (!this.closing && this.active < this.options.concurrency && this.ready.length > 0) {
      const entry = this.ready.shift() as Entry;
      this.active++;
      void this.run(entry).finally(() => {
        this.active--;
        if (this.active === 0) this.onIdle?.();
        this.pump();
      });
    }
  }

  private async run(entry: Entry): Promise<void> {
    entry.state = 'active';
    entry.attemptsMade++;
    const handler = this.handlers.get(entry.name);
    const context = deriveContext(undefined, entry.requestId);
    let error: unknown;
    const started = performance.now();
    try {
      if (!handler)
        throw new JobError('JOB_NO_HANDLER', `no handler registered for job "${entry.name}"`);
      await RequestContext.run(context, async () => {
        let failure: unknown;
        try {
          await handler(entry.data, {
            id: entry.id,
            name: entry.name,
            attempt: entry.attemptsMade,
            requestId: entry.requestId,
          });
        } catch (err) {
          failure = err ?? new Error('job failed');
        }
        const settled = await settleRequestScope(context, failure);
        if (settled.failed) throw settled.error;
      });
    } catch (err) {
      error = err;
    }
    this.observer?.(
      entry.name,
      error === undefined ? 'completed' : 'failed',
      performance.now() - started,
    );
    if (error === undefined) return this.finish(entry, 'completed');
    entry.failedReason = error instanceof Error ? error.message : String(error);
    const retry = handler !== undefined && entry.attemptsMade < entry.attempts && !this.closing;
    this.logger.warn(
      `job ${entry.name} ${entry.id} attempt ${entry.attemptsMade}/${entry.attempts} failed: ${entry.failedReason}`,
    );
    if (!retry) return this.finish(entry, 'failed');
    entry.state = 'delayed';
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        entry.state = 'waiting';
        this.ready.push(entry);
        this.pump();
      },
      backoffDelay(entry.backoffMs, entry.attemptsMade),
    );
    this.timers.add(timer);
  }

  private finish(entry: Entry, state: 'completed' | 'failed'): void {
    entry.state = state;
    const list = state === 'failed' ? this.failedIds : this.completedIds;
    const keep = state === 'failed' ? this.options.keepFailed : this.options.keepCompleted;
    list.push(entry.id);
    while (list.length > keep) {
      const old = this.jobs.get(list.shift() as string);
      if (!old) continue;
      this.jobs.delete(old.id);
      if (old.idempotencyKey && this.keys.get(old.idempotencyKey) === old.id)
        this.keys.delete(old.idempotencyKey);
    }
  }
}

function info(e: Entry): JobInfo {
  return {
    id: e.id,
    name: e.name,
    data: e.data,
    state: e.state,
    attemptsMade: e.attemptsMade,
    failedReason: e.failedReason,
  };
}
