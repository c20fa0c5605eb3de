import { DomainError, KitConfigError, KitError } from '@kit/http';

/** The background-task queue is at its limit: the request is refused (503) rather than the work lost. */
export class TaskQueueFullError extends DomainError {
  constructor(limit: number) {
    super('TASK_QUEUE_FULL', 503, 'Service Unavailable', {
      detail: `The background task queue is full (${limit} queued); retry shortly.`,
      headers: { 'retry-after': '1' },
    });
  }
}

/** Shutdown has begun: new background work is refused with a clear error, never dropped. */
export class ShuttingDownError extends DomainError {
  constructor(what: string) {
    super('SHUTTING_DOWN', 503, 'Service Unavailable', {
      detail: `The service is shutting down and accepts no new ${what}.`,
      headers: { 'retry-after': '1', connection: 'close' },
    });
  }
}

/**
 * The job queue (Redis) did not answer within `jobs.enqueueTimeoutMs`: the caller gets a 503 to
 * retry instead of waiting for Redis to come back. The job may still be added if the command
 * reached Redis; enqueue with a `jobId` or `idempotencyKey` to make a retry safe.
 */
export class JobQueueUnavailableError extends DomainError {
  constructor(timeoutMs: number, cause?: unknown) {
    super('JOB_QUEUE_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: `The job queue did not answer within ${timeoutMs} ms; retry shortly.`,
      headers: { 'retry-after': '5' },
      cause,
    });
  }
}

/** A bad `@kit/tasks` option at boot (`TASKS_INVALID_OPTION`); names the option and the fix. */
export class TasksConfigError extends KitConfigError {
  constructor(option: string, problem: string) {
    super('TASKS_INVALID_OPTION', option, problem);
  }
}

/** A task that threw or rejected with `undefined` or `null`: a failure all the same. */
export class TaskThrewNothingError extends KitError<'TASK_THREW_NOTHING'> {
  constructor(thrown: null | undefined) {
    super('TASK_THREW_NOTHING', `the task threw ${String(thrown)}; throw or reject with an Error`);
  }
}

/** A job could not be enqueued or has no handler. */
export class JobError extends KitError<JobErrorCode> {}

type JobErrorCode = 'JOB_NO_HANDLER' | 'JOB_INVALID' | 'JOB_DUPLICATE_HANDLER' | 'JOB_QUEUE_FULL';

/** `@Background()` / `BackgroundTasks` used where they cannot work; a programming error. */
export class BackgroundTasksUsageError extends KitError<BackgroundTasksUsageCode> {}

type BackgroundTasksUsageCode =
  'TASKS_MODULE_MISSING' | 'TASKS_NO_REQUEST_CONTEXT' | 'TASKS_ADD_AFTER_RESPONSE';

/** An `@OnJob()` handler that cannot be registered; thrown at boot, a programming error. */
export class JobHandlerDeclarationError extends KitError<
  'JOB_HANDLER_DUPLICATE' | 'JOB_HANDLER_SCOPE'
> {
  static duplicate(job: string, first: string, second: string): JobHandlerDeclarationError {
    return new JobHandlerDeclarationError(
      'JOB_HANDLER_DUPLICATE',
      `job "${job}" has two handlers, ${first} and ${second}; keep one (a job name has one handler)`,
    );
  }

  static scoped(job: string, where: string): JobHandlerDeclarationError {
    return new JobHandlerDeclarationError(
      'JOB_HANDLER_SCOPE',
      `@OnJob("${job}") on ${where}: its provider is request-scoped or transient, so there is no ` +
        'single instance to run jobs on; make the provider a singleton (the default scope)',
    );
  }
}
