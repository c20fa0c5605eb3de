import { Inject, Injectable, Logger } from '@nestjs/common';
import { RequestContext } from '@kit/http';
import { type RequestContextStore } from '@kit/http/internal';
import { RESOLVED_TASKS_OPTIONS } from '../tasks.internal-constants';
import { settleRequestScope } from '../request-resource/request-resource';
import { ShuttingDownError, TaskQueueFullError, TaskThrewNothingError } from '../tasks.errors';
import type { ResolvedTasksOptions } from '../options/tasks-options.interface';

/** A background task: any function, run with the arguments given to `add()`. */
export type TaskFn<A extends unknown[] = unknown[]> = (...args: A) => unknown;

export interface QueuedTask {
  readonly fn: TaskFn;
  readonly args: readonly unknown[];
}

/** Counters for metrics and tests. */
export interface TaskStats {
  queued: number;
  running: number;
  completed: number;
  failed: number;
  refused: number;
}

interface Batch {
  readonly tasks: readonly QueuedTask[];
  readonly context: RequestContextStore;
}

/**
 * Runs background tasks after responses: batches (one per request, tasks in the order added)
 * on a bounded number of workers, each task in its request's context, failures logged and
 * counted without stopping the others. Capacity is reserved at `add()` time, so a full queue
 * refuses the request (503) instead of dropping the work.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger('BackgroundTasks');
  private readonly pending: Batch[] = [];
  private readonly stats: Omit<TaskStats, 'running'> = {
    queued: 0,
    completed: 0,
    failed: 0,
    refused: 0,
  };
  private reserved = 0;
  private active = 0;
  private accepting = true;
  private idle: (() => void)[] = [];
  /** Called after each task with its duration; the metrics hook. */
  observer: ((durationMs: number, failed: boolean) => void) | undefined;

  constructor(@Inject(RESOLVED_TASKS_OPTIONS) private readonly options: ResolvedTasksOptions) {}

  /** Reserves room for one task; throws when the queue is full or shutdown has begun. */
  reserve(): void {
    if (!this.accepting) {
      this.stats.refused++;
      throw new ShuttingDownError('background tasks');
    }
    if (this.reserved >= this.options.background.maxQueued) {
      this.stats.refused++;
      throw new TaskQueueFullError(this.options.background.maxQueued);
    }
    this.reserved++;
  }

  /** Gives back reservations of tasks that will not run (their request failed before sending). */
  unreserve(count: number): void {
    this.reserved -= count;
    this.notifyIdle();
  }

  /** Queues a batch whose tasks were reserved; runs it once a worker is free. */
  submit(tasks: readonly QueuedTask[], context: RequestContextStore): void {
    if (tasks.length === 0) return;
    this.stats.queued += tasks.length;
    this.pending.push({ tasks, context });
    this.pump();
  }

  /** Stops accepting new tasks; queued ones still run. */
  beginShutdown(): void {
    this.accepting = false;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Resolves when nothing is reserved, queued or running. */
  drain(): Promise<void> {
    if (this.reserved === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Tasks reserved but not finished (queued or running), for shutdown logs. */
  get outstanding(): number {
    return this.reserved;
  }

  snapshot(): Readonly<TaskStats> {
    return { ...this.stats, running: this.active };
  }

  private pump(): void {
    while (this.active < this.options.background.concurrency && this.pending.length > 0) {
      const batch = this.pending.shift() as Batch;
      this.active++;
      // runOne() catches what a task throws; this is for the kit's own bookkeeping (an observer
      // that throws), which must not become an unhandled rejection that ends the process.
      void this.runBatch(batch)
        .catch((err: unknown) =>
          this.logger.error(
            `background task bookkeeping failed: ${err instanceof Error ? err.message : String(err)}`,
          ),
        )
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  /** Runs the batch's tasks one after the other, each in the batch's request context. */
  private async runBatch(batch: Batch): Promise<void> {
    for (const task of batch.tasks) {
      try {
        await RequestContext.run(batch.context, () => this.runOne(task, batch.context));
      } finally {
        this.taskDone();
      }
    }
  }

  private async runOne(task: QueuedTask, context: RequestContextStore): Promise<void> {
    const started = performance.now();
    let error: unknown;
    try {
      await task.fn(...task.args);
    } catch (err) {
      error = failure(err);
    }
    await this.settle(task, context, started, error);
  }

  /** Commits (or rolls back) the resources the task used, then records the outcome. */
  private async settle(
    task: QueuedTask,
    context: RequestContextStore,
    started: number,
    error: unknown,
  ): Promise<void> {
    let settled: { failed: boolean; error: unknown };
    try {
      settled = await settleRequestScope(context, error);
    } catch (err) {
      settled = { failed: true, error: err };
    }
    this.record(task, started, settled);
  }

  private record(
    task: QueuedTask,
    started: number,
    settled: { failed: boolean; error: unknown },
  ): void {
    this.observer?.(performance.now() - started, settled.failed);
    if (!settled.failed) {
      this.stats.completed++;
      return;
    }
    this.stats.failed++;
    const err = settled.error;
    this.logger.error(
      `background task ${task.fn.name || '(anonymous)'} failed: ${err instanceof Error ? err.message : String(err)}`,
      err instanceof Error ? err.stack : undefined,
    );
  }

  private taskDone(): void {
    this.reserved--;
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.reserved > 0 || this.idle.length === 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** A task's failure; `throw undefined` is a failure too (it must not commit the unit of work). */
function failure(err: unknown): unknown {
  return err ?? new TaskThrewNothingError(err);
}
