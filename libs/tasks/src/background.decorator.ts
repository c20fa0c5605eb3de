import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackgroundTasks } from './background-tasks';
import { backgroundTasksFor } from './background-tasks.binding';

/** Handler parameter: the request's `BackgroundTasks` (run after the response is sent). */
export const Background = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): BackgroundTasks => {
    const http = ctx.switchToHttp();
    return backgroundTasksFor(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  },
);
