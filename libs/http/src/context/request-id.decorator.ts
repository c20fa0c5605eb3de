import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestOf } from './http-arguments.util';

/** Handler parameter: the request id (`X-Request-ID`) of the current request. */
export const RequestId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  return requestOf(ctx).id;
});
