import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedCorsOptions } from '../options/http-options.interface';

/**
 * Exact-origin CORS, answered in an `onRequest` hook so preflights never reach guards.
 * A disallowed origin gets no `Access-Control-Allow-*` header at all.
 */
export class CorsPolicy {
  constructor(private readonly options: ResolvedCorsOptions) {}

  /** True when the request was a preflight and has been answered. */
  handle(request: FastifyRequest, reply: FastifyReply): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    const preflight =
      request.method === 'OPTIONS' &&
      request.headers['access-control-request-method'] !== undefined;
    reply.header(
      'vary',
      preflight
        ? 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
        : 'Origin',
    );
    const allowed = this.isAllowed(origin);
    if (allowed) this.allowOrigin(origin, reply);
    if (!preflight) {
      if (allowed) reply.header('access-control-expose-headers', this.options.exposedHeaders);
      return false;
    }
    if (allowed) {
      reply.header('access-control-allow-methods', this.options.methods);
      reply.header('access-control-allow-headers', this.options.allowedHeaders);
      reply.header('access-control-max-age', this.options.maxAge);
    }
    void reply.code(204).send();
    return true;
  }

  isAllowed(origin: string): boolean {
    return this.options.anyOrigin || this.options.origins.has(origin);
  }

  private allowOrigin(origin: string, reply: FastifyReply): void {
    reply.header('access-control-allow-origin', this.options.anyOrigin ? '*' : origin);
    if (this.options.credentials) reply.header('access-control-allow-credentials', 'true');
  }
}
