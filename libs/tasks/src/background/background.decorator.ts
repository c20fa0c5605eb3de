import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { replyOf, requestOf } from '@kit/http/internal';
import type { BackgroundTasks } from './background-tasks';
import { backgroundTasksFor } from './background-tasks.binding';

/** Handler parameter: the request's `BackgroundTasks` (run after the response is sent). */
export const Background = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): BackgroundTasks => {
    return backgroundTasksFor(requestOf(ctx), replyOf(ctx));
  },
);
