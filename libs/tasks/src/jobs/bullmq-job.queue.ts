import { Logger } from '@nestjs/common';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RequestContext } from '@kit/http';
import { withTimeout } from '@kit/http/internal';
import type { RedisResource } from '@kit/lifespan';
import { deriveContext, settleRequestScope } from '../request-resource/request-resource';
import {
  checkJobId,
  type EnqueueOptions,
  type JobEnvelope,
  type JobHandler,
  type JobInfo,
  JobQueue,
  type JobState,
} from './job-queue';
import { JobError, JobQueueUnavailableError, ShuttingDownError } from '../tasks.errors';
import type { ResolvedTasksOptions } from '../options/tasks-options.interface';

/**
 * Durable jobs on BullMQ: they survive a crash or restart, retry with exponential backoff, and
 * failed ones are kept for inspection. `close()` lets active jobs finish. `enqueue()` waits for
 * Redis at most `enqueueTimeoutMs`; jobs active on a worker that died are taken up again once
 * their lock (`lockMs`) expired, checked every `stalledCheckMs` and at worker start. Its
 * connections are derived from `LifespanModule`'s Redis (`RedisResource.connection()`).
 */
export class BullmqJobQueue extends JobQueue {
  readonly durable = true;
  private readonly logger = new Logger('Jobs');
  private readonly handlers = new Map<string, JobHandler>();
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedTasksOptions['jobs'],
    private readonly redis: Pick<RedisResource, 'connection'>,
  ) {
    super();
    // Commands of the producer fail once Redis was retried for them, instead of piling up in
    // the offline queue while it is down; the worker's blocking connection must wait (null).
    this.queueConnection = this.connect('kit-jobs-queue', 1);
    this.queue = new Queue(options.queueName, {
      connection: this.queueConnection,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: { count: options.keepCompleted },
        removeOnFail: { count: options.keepFailed },
      },
    });
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
  }

  /** Starts the worker (after handlers are registered). */
  start(): void {
    if (!this.options.worker || this.worker || this.closing) return;
    this.workerConnection = this.connect('kit-jobs-worker', null);
    this.worker = new Worker(this.options.queueName, (job) => this.process(job), {
      connection: this.workerConnection,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs,
      stalledInterval: this.options.stalledCheckMs,
    });
    this.worker.on('stalled', (jobId) =>
      this.logger.warn(`job ${jobId} was active on a worker that stopped; it runs again`),
    );
    this.worker.on('error', (err) => this.logger.warn(`worker error: ${err.message}`));
    this.worker.on('failed', (job, err) => {
      if (job)
        this.logger.warn(
          `job ${job.name} ${job.id} attempt ${job.attemptsMade}/${job.opts.attempts ?? 1} failed: ${err.message}`,
        );
    });
  }

  register<T>(name: string, handler: JobHandler<T>): void {
    if (this.handlers.has(name))
      throw new JobError('JOB_DUPLICATE_HANDLER', `job "${name}" already has a handler`);
    this.handlers.set(name, handler as JobHandler);
  }

  async enqueue<T>(
    name: string,
    data: T,
    options: EnqueueOptions = {},
  ): Promise<{ id: string; duplicate: boolean }> {
    if (this.closing) throw new ShuttingDownError('jobs');
    const jobId = jobIdOf(options);
    const envelope: JobEnvelope<T> = {
      data,
      requestId: RequestContext.requestId() ?? randomUUID(),
    };
    const { enqueueTimeoutMs } = this.options;
    const duplicate = await withTimeout(
      this.add(name, envelope, jobId, options),
      enqueueTimeoutMs,
      () => new JobQueueUnavailableError(enqueueTimeoutMs),
    ).catch((err: unknown) => {
      throw err instanceof JobError || err instanceof JobQueueUnavailableError
        ? err
        : new JobQueueUnavailableError(enqueueTimeoutMs, err);
    });
    return { id: jobId, duplicate };
  }

  /** Adds the job unless its id is known; true when it was. */
  private async add(
    name: string,
    envelope: JobEnvelope,
    jobId: string,
    options: EnqueueOptions,
  ): Promise<boolean> {
    const keyed = options.idempotencyKey !== undefined || options.jobId !== undefined;
    if (keyed && (await this.queue.getJob(jobId))) return true;
    // BullMQ ignores an add whose id exists (a concurrent duplicate), so this stays one job.
    await this.queue.add(name, envelope, {
      jobId,
      ...(options.attempts !== undefined && { attempts: options.attempts }),
      ...(options.backoffMs !== undefined && {
        backoff: { type: 'exponential', delay: options.backoffMs },
      }),
    });
    return false;
  }

  async get(id: string): Promise<JobInfo | null> {
    // State first, then the job: a job read before a state that is already terminal could be
    // a snapshot from its active attempt (attemptsMade not yet counted). Terminal states do not
    // change, so the job read after one is final.
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') return null;
    const job = await this.queue.getJob(id);
    return job ? info(job, stateOf(state)) : null;
  }

  async failed(limit = 100): Promise<JobInfo[]> {
    const jobs = await this.queue.getFailed(0, Math.max(0, limit - 1));
    return jobs.map((job) => info(job, 'failed'));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Active jobs finish, then the connections close. With Redis down, a graceful close would wait
   * for a reconnection that may not come before the grace period ends (and active jobs could
   * not report their outcome anyway): the connections are dropped first and the worker closes
   * without waiting; BullMQ retries those jobs once their locks expire.
   */
  private async shutdown(): Promise<void> {
    const redisDown = this.queueConnection.status !== 'ready';
    if (redisDown) this.disconnect();
    await this.worker?.close(redisDown);
    await this.queue.close();
    this.disconnect();
  }

  private disconnect(): void {
    this.workerConnection?.disconnect();
    this.queueConnection.disconnect();
  }

  private connect(name: string, maxRetriesPerRequest: number | null): Redis {
    const conn = this.redis.connection(name, { maxRetriesPerRequest });
    conn.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
    return conn;
  }

  private async process(job: Job): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`no handler registered for job "${job.name}"`);
    const envelope = job.data as JobEnvelope;
    const context = deriveContext(undefined, envelope.requestId);
    const started = performance.now();
    return RequestContext.run(context, async () => {
      let result: unknown;
      let failure: unknown;
      try {
        result = await handler(envelope.data, {
          id: String(job.id),
          name: job.name,
          attempt: attemptOf(job),
          requestId: envelope.requestId,
        });
      } catch (err) {
        failure = err ?? new Error('job failed');
      }
      const settled = await settleRequestScope(context, failure);
      this.observer?.(
        job.name,
        settled.failed ? 'failed' : 'completed',
        performance.now() - started,
      );
      if (settled.failed) throw settled.error;
      return result;
    });
  }
}

/**
 * The job id of an idempotency key: a UUID (version 8, RFC 9562) from its SHA-256, so the same
 * key finds the same job and ids look alike on both runners (the contract says `job_id` is a UUID).
 */
function keyedJobId(key: string): string {
  const h = createHash('sha256').update(`kit.jobs:${key}`).digest().subarray(0, 16);
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The job id of the options: the given one, one derived from the idempotency key, or new. */
function jobIdOf(options: EnqueueOptions): string {
  if (options.jobId !== undefined) return checkJobId(options.jobId);
  return options.idempotencyKey ? keyedJobId(options.idempotencyKey) : randomUUID();
}

/**
 * The attempt being run, counting attempts lost with a crashed worker: BullMQ counts every move
 * to active in `attemptsStarted`, while `attemptsMade` only counts attempts that ended.
 */
function attemptOf(job: Job): number {
  return Math.max(job.attemptsStarted, job.attemptsMade + 1);
}

type BullmqState = Exclude<Awaited<ReturnType<Queue['getJobState']>>, 'unknown'>;

/** BullMQ's states in the queue's vocabulary: every kind of wait is `waiting`. */
function stateOf(state: BullmqState): JobState {
  switch (state) {
    case 'active':
    case 'completed':
    case 'delayed':
    case 'failed':
      return state;
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    default: {
      const unexpected: never = state;
      return unexpected;
    }
  }
}

function info(job: Job, state: JobState): JobInfo {
  const envelope = job.data as JobEnvelope;
  return {
    id: String(job.id),
    name: job.name,
    data: envelope?.data,
    state,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason || undefined,
  };
}
