import { RequestContext } from '@kit/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BACKGROUND_TASKS_KEY, BackgroundTasks } from './background-tasks';
import type { TaskRunner } from './task-runner.service';
import { BackgroundTasksUsageError } from '../tasks.errors';

/** Where `TasksModule` leaves its runner on the Fastify instance, for `@Background()`. */
export const TASK_RUNNER = Symbol.for('kit.tasks.runner');

/**
 * The request's `BackgroundTasks`, created on first use. Once the handler's response is ready
 * (and the request's resources settled, which registered after this) they are released if it
 * succeeded; they run when the response is over.
 */
export function backgroundTasksFor(request: FastifyRequest, reply: FastifyReply): BackgroundTasks {
  const store = request.kitContext ?? RequestContext.current();
  const existing = store?.values.get(BACKGROUND_TASKS_KEY) as BackgroundTasks | undefined;
  if (existing) return existing;
  const runner = (request.server as unknown as Record<symbol, TaskRunner | undefined>)[TASK_RUNNER];
  if (!runner) {
    throw new BackgroundTasksUsageError(
      'TASKS_MODULE_MISSING',
      '@Background() needs TasksModule imported in the application',
    );
  }
  if (!store?.beforeSend) {
    throw new BackgroundTasksUsageError(
      'TASKS_NO_REQUEST_CONTEXT',
      "@Background() needs @kit/http's request context: create the app with createHttpApp() (createTestApp() in tests)",
    );
  }
  const tasks = new BackgroundTasks(runner, store);
  store.values.set(BACKGROUND_TASKS_KEY, tasks);
  store.beforeSend.push((status) => tasks.handlerSettled(status < 400));
  // 'close' fires once the response is fully written, or the connection dropped: either way the
  // response is over. Tasks of failed requests (4xx, 5xx) are discarded: like FastAPI, they run
  // only after a successful response, and never before the handler and its teardown finished.
  // (`on`, not `once`: a response closes once, and `responseEnded()` ignores a second call.)
  reply.raw.on('close', () => tasks.responseEnded(reply.raw.statusCode));
  return tasks;
}
