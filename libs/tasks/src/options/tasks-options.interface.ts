export interface BackgroundTaskOptions {
  /** Request batches run at the same time. @default 4 */
  concurrency?: number;
  /** Tasks waiting or running at most; beyond it `add()` throws `TaskQueueFullError` (503). @default 1000 */
  maxQueued?: number;
}

export interface JobOptions {
  /**
   * `true`: jobs go to BullMQ on `LifespanModule`'s Redis (they survive a restart); `false`: an
   * in-process runner (they do not). `true` without `lifespan.redis` fails at boot.
   * @default true when LifespanModule has a Redis, else false
   */
  durable?: boolean;
  /** Queue name (BullMQ key prefix part). @default 'kit-jobs' */
  queueName?: string;
  /** Attempts per job unless the job says otherwise. @default 3 */
  attempts?: number;
  /** First retry delay in ms, doubled each attempt (exponential backoff). @default 1000 */
  backoffMs?: number;
  /** Jobs processed at the same time by this instance. @default 4 */
  concurrency?: number;
  /** Failed jobs kept for inspection after their last attempt. @default 1000 */
  keepFailed?: number;
  /** Completed jobs kept (idempotency keys stay known while kept). @default 1000 */
  keepCompleted?: number;
  /** Run a worker in this process. @default true */
  worker?: boolean;
  /**
   * How long `enqueue()` waits for Redis before failing with `JobQueueUnavailableError` (503
   * `JOB_QUEUE_UNAVAILABLE`); commands never wait longer while Redis is down. @default 2000
   */
  enqueueTimeoutMs?: number;
  /**
   * How long a worker's lock on an active job lasts (renewed at half of it). After a crash, the
   * job is taken up again once its lock expired and a stalled check ran. @default 10000
   */
  lockMs?: number;
  /** Interval of the check that moves active jobs of dead workers back to wait. @default 2000 */
  stalledCheckMs?: number;
}

/** Options of `TasksModule.forRoot()` / `forRootAsync()`. */
export interface TasksModuleOptions {
  background?: BackgroundTaskOptions;
  jobs?: JobOptions;
}

export interface ResolvedTasksOptions {
  readonly background: Readonly<Required<BackgroundTaskOptions>>;
  readonly jobs: Readonly<Required<Omit<JobOptions, 'durable'>> & Pick<JobOptions, 'durable'>>;
}
