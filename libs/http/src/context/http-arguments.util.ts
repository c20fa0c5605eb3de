import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Nest's `switchToHttp()` assigns three new closures onto the context on every call (and so
// changes its shape); guards and parameter decorators run on every request, so they read the
// HTTP arguments by index: request first, reply second.

/** The Fastify request of an HTTP execution context. */
export function requestOf(host: ArgumentsHost): FastifyRequest {
  return host.getArgByIndex<FastifyRequest>(0);
}

/** The Fastify reply of an HTTP execution context. */
export function replyOf(host: ArgumentsHost): FastifyReply {
  return host.getArgByIndex<FastifyReply>(1);
}
