import {
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { RequestContext } from '@kit/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, type Observable } from 'rxjs';
import { BackgroundTasks } from './background-tasks';
import { activateRequestScope, settleRequestScope } from './request-resource';
import { TaskRunner } from './task-runner.service';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the request-scope interceptor; `@Background()` builds on it. */
    kitTaskRunner?: TaskRunner;
    kitBackgroundTasks?: BackgroundTasks;
  }
}

/**
 * Runs around the handlers that use request resources or background tasks (opt-in: through
 * Nest's interceptor pipeline a route costs ~10 µs more): after the handler, settles the request's resources (commit on success,
 * rollback on error, release always) before the response is written; the response's end then
 * starts its background tasks. That order is the guarantee.
 */
@Injectable()
export class RequestScopeInterceptor implements NestInterceptor {
  constructor(private readonly runner: TaskRunner) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.kitTaskRunner = this.runner;
    const store = RequestContext.current();
    activateRequestScope(store);
    // Read at settle time: `@Background()` creates the tasks while the handler runs.
    const settled = (ok: boolean): void => request.kitBackgroundTasks?.handlerSettled(ok);
    return next.handle().pipe(
      concatMap((value) =>
        from(
          settle(store, undefined).then(() => {
            settled(true);
            return value;
          }),
        ),
      ),
      catchError((err: unknown) =>
        from(
          settle(store, err ?? new Error('the handler threw undefined'))
            .finally(() => settled(false))
            .then(() => Promise.reject(err)),
        ),
      ),
    );
  }
}

async function settle(
  store: ReturnType<typeof RequestContext.current>,
  error: unknown,
): Promise<void> {
  const outcome = await settleRequestScope(store, error);
  if (outcome.failed && outcome.error !== error) throw outcome.error;
}

/** The request's `BackgroundTasks`, created on first use and submitted when the response ends. */
export function backgroundTasksFor(request: FastifyRequest, reply: FastifyReply): BackgroundTasks {
  if (request.kitBackgroundTasks) return request.kitBackgroundTasks;
  if (!request.kitTaskRunner)
    throw new Error(
      '@Background() needs TasksModule imported in the application and @UseRequestScope() on the route',
    );
  const tasks = new BackgroundTasks(
    request.kitTaskRunner,
    request.kitContext ?? RequestContext.current(),
  );
  request.kitBackgroundTasks = tasks;
  // 'close' fires once the response is fully written, or the connection dropped: either way the
  // response is over. Tasks of failed requests (4xx, 5xx) are discarded: like FastAPI, they run
  // only after a successful response, and never before the handler and its teardown finished.
  reply.raw.once('close', () => tasks.responseEnded(reply.raw.statusCode));
  return tasks;
}

/**
 * Settles the route's request resources after the handler (commit, rollback, release) and
 * starts its background tasks only after a successful response. Put it on the routes (or
 * controllers) that use a `RequestResource`; `@Background()` applies it by itself.
 */
export const UseRequestScope = (): MethodDecorator & ClassDecorator =>
  UseInterceptors(RequestScopeInterceptor);
