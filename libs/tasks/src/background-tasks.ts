import type { RequestContextStore } from '@kit/http';
import { deriveContext } from './request-resource';
import type { QueuedTask, TaskFn, TaskRunner } from './task-runner.service';

/**
 * FastAPI's `BackgroundTasks` for one request: `tasks.add(fn, ...args)`. The tasks run after the
 * response has been sent, in the order added, in the request's context.
 */
export class BackgroundTasks {
  private readonly tasks: QueuedTask[] = [];
  private state: 'open' | 'submitted' | 'discarded' = 'open';

  constructor(
    private readonly runner: TaskRunner,
    private readonly context: RequestContextStore | undefined,
  ) {}

  /**
   * Adds a task. Throws `TaskQueueFullError` or `ShuttingDownError` (both 503) when it cannot
   * be accepted, so the client learns the work was not taken rather than it being lost.
   */
  add<A extends unknown[]>(fn: TaskFn<A>, ...args: A): void {
    if (this.state !== 'open')
      throw new Error(
        'BackgroundTasks.add() after the response was sent; add tasks inside the handler',
      );
    this.runner.reserve();
    this.tasks.push({ fn: fn as TaskFn, args });
  }

  get size(): number {
    return this.tasks.length;
  }

  /** @internal Hands the tasks to the runner once the response is out. */
  submit(): void {
    if (this.state !== 'open') return;
    this.state = 'submitted';
    this.runner.submit(this.tasks, deriveContext(this.context));
  }

  /** @internal The request failed: its tasks are not run (like FastAPI), and their room is freed. */
  discard(): void {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    this.runner.unreserve(this.tasks.length);
  }
}
