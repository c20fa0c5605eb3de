import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackgroundTasks } from './background-tasks';
import { backgroundTasksFor, UseRequestScope } from './request-scope.interceptor';

const backgroundParam = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): BackgroundTasks => {
    const http = ctx.switchToHttp();
    return backgroundTasksFor(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  },
);

/**
 * Handler parameter: the request's `BackgroundTasks` (run after the response is sent). It also
 * puts `@UseRequestScope()` on its handler, which the tasks need.
 */
export function Background(): ParameterDecorator {
  const param = backgroundParam();
  return (target, key, index) => {
    param(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) UseRequestScope()(target, key, descriptor);
  };
}
