import type { RequestContextStore } from '@kit/http/internal';
import { deriveContext } from '../request-resource/request-resource';
import { BackgroundTasksUsageError } from '../tasks.errors';
import type { QueuedTask, TaskFn, TaskRunner } from './task-runner.service';

/**
 * Context key of a request's `BackgroundTasks` (kept in the request context, not on the request:
 * a property added to some requests only would give Fastify's request objects a second shape).
 */
export const BACKGROUND_TASKS_KEY = Symbol('kit.tasks.background');

/**
 * FastAPI's `BackgroundTasks` for one request: `tasks.add(fn, ...args)`. The tasks run after the
 * response has been sent, in the order added, in the request's context.
 */
export class BackgroundTasks {
  private readonly tasks: QueuedTask[] = [];
  private state: 'open' | 'submitted' | 'discarded' = 'open';
  private handler: 'running' | 'succeeded' | 'failed' = 'running';
  private responseStatus: number | undefined;

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
      throw new BackgroundTasksUsageError(
        'TASKS_ADD_AFTER_RESPONSE',
        'BackgroundTasks.add() after the response was sent; add tasks inside the handler',
      );
    this.runner.reserve();
    this.tasks.push({ fn: fn as TaskFn, args });
  }

  get size(): number {
    return this.tasks.length;
  }

  /**
   * @internal The handler returned and the request's resources were settled (`ok`), or it
   * failed. Tasks run only once both the handler succeeded and the response is over.
   */
  handlerSettled(ok: boolean): void {
    if (this.handler !== 'running') return;
    this.handler = ok ? 'succeeded' : 'failed';
    this.advance();
  }

  /** @internal The response is over: fully written, or the connection dropped before that. */
  responseEnded(status: number): void {
    if (this.responseStatus !== undefined) return;
    this.responseStatus = status;
    this.advance();
  }

  // A client that disconnects while the handler runs ends the response early: its tasks then
  // wait for the handler and its teardown, and run only if it succeeded (like Starlette).
  private advance(): void {
    if (this.state !== 'open') return;
    const status = this.responseStatus;
    if (this.handler === 'failed' || (status !== undefined && status >= 400)) this.discard();
    else if (this.handler === 'succeeded' && status !== undefined) this.submit();
  }

  /** Hands the tasks to the runner once the response is out. */
  private submit(): void {
    this.state = 'submitted';
    this.context?.values.delete(BACKGROUND_TASKS_KEY); // not carried into the tasks' context
    if (this.tasks.length > 0) this.runner.submit(this.tasks, deriveContext(this.context));
  }

  /** The request failed: its tasks are not run (like FastAPI), and their room is freed. */
  private discard(): void {
    this.state = 'discarded';
    this.context?.values.delete(BACKGROUND_TASKS_KEY);
    this.runner.unreserve(this.tasks.length);
  }
}
