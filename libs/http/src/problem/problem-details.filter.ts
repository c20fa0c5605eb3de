import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { inspect } from 'node:util';
import { DomainError } from './domain.error';
import { RESOLVED_HTTP_OPTIONS } from '../http.internal-constants';
import type { ResolvedHttpKitOptions } from '../options/http-options.interface';
import {
  FORBIDDEN_JSON_PROPERTY_CODE,
  JSON_TOO_DEEP_CODE,
  buildProblem,
  codeForStatus,
  INTERNAL_ERROR_DETAIL,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
} from './problem';

interface ProblemParts {
  status: number;
  code: string;
  title?: string;
  detail: string;
  extensions?: Readonly<Record<string, unknown>>;
  headers?: Readonly<Record<string, string>>;
  contentType?: string;
}

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Fastify errors the kit renders with its own, fixed wording. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: string; detail: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The request body is larger than the server accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'The request body has a content type this route does not accept.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'BAD_REQUEST',
    detail: 'The Content-Length header does not match the body.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_JSON',
    detail: 'The body is empty but the content type says JSON.',
  },
  // Set by the kit's JSON parser (http.bootstrap.ts) for a `__proto__` or `constructor.prototype`
  // key, which secure-json-parse reports like broken JSON.
  [FORBIDDEN_JSON_PROPERTY_CODE]: {
    code: 'FORBIDDEN_JSON_PROPERTY',
    detail: 'The JSON body contains a forbidden "__proto__" or "constructor.prototype" key.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'MALFORMED_JSON',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_INVALID_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'The Content-Type header is not valid.',
  },
};

/**
 * The one exception filter: everything thrown while serving a request becomes an RFC 9457
 * `application/problem+json` response. Unknown errors are logged with the request id and
 * answered with a generic 500 that carries nothing of the error itself.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(RESOLVED_HTTP_OPTIONS) private readonly options: ResolvedHttpKitOptions) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const parts = this.toProblem(exception, request);
    const logged = !(exception instanceof DomainError) || exception.logged;
    if (parts.status >= 500 && logged) this.logServerError(request, exception, parts);
    if (reply.sent) return;
    const body: ProblemDetails = buildProblem(
      this.options.problemTypeBase,
      {
        status: parts.status,
        code: parts.code,
        title: parts.title,
        detail: parts.detail,
        requestId: request.id,
      },
      parts.extensions,
    );
    if (parts.headers) setSafeHeaders(reply, parts.headers);
    void reply
      .status(parts.status)
      .type(parts.contentType ?? PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemParts {
    if (exception instanceof DomainError) {
      return {
        status: exception.status,
        code: exception.code,
        title: exception.message,
        detail: exception.detail,
        extensions: exception.extensions,
        headers: exception.headers,
        contentType: exception.contentType,
      };
    }
    if (exception instanceof HttpException) {
      // Nest's Fastify adapter wraps Fastify's own 4xx errors (bad JSON, 413, 415) in an
      // HttpException whose cause is the original; render those with the kit's fixed wording.
      const wrapped = isFastifyError(exception.cause)
        ? fromFastifyError(exception.cause)
        : undefined;
      if (wrapped) return wrapped;
      if (request.is404 && exception instanceof NotFoundException) return routeNotFound(request);
      return fromHttpException(exception);
    }
    const fastify = fromFastifyError(exception);
    if (fastify) return fastify;
    return {
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: INTERNAL_ERROR_DETAIL,
    };
  }

  private logServerError(request: FastifyRequest, exception: unknown, parts: ProblemParts): void {
    if (exception instanceof DomainError && exception.status === 503) {
      logUnavailableLine(request, exception);
      return;
    }
    const err =
      exception instanceof Error
        ? exception
        : new Error(`non-Error thrown: ${inspect(exception, { depth: 3, breakLength: Infinity })}`);
    request.log.error(
      {
        reqId: request.id,
        err,
        error: parts.code,
        method: request.method,
        route: request.routeOptions?.url,
      },
      'request failed',
    );
  }
}

/**
 * A 503 the code chose (a dependency down or past its deadline) is an expected condition, not a
 * bug: one warn line with its code and cause, no stack.
 */
function logUnavailableLine(request: FastifyRequest, exception: DomainError): void {
  const cause = exception.cause instanceof Error ? exception.cause.message : undefined;
  request.log.warn(
    {
      reqId: request.id,
      error: exception.code,
      method: request.method,
      route: request.routeOptions?.url,
      detail: exception.detail,
      ...(cause && { cause }),
    },
    'request failed',
  );
}

function isFastifyError(value: unknown): value is Error {
  return value instanceof Error && value.name === 'FastifyError';
}

/** Router 404: names the method and path but never echoes the query (it may carry a token). */
function routeNotFound(request: FastifyRequest): ProblemParts {
  const path = request.url.split('?', 1)[0] ?? '/';
  return { status: 404, code: 'NOT_FOUND', detail: `Cannot ${request.method} ${path}` };
}

/**
 * A header value with a control character would make Node throw after the status was chosen
 * and lose the problem body; such a header is dropped instead.
 */
function setSafeHeaders(reply: FastifyReply, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      reply.log.warn({ header: name }, 'dropped an invalid problem response header');
      continue;
    }
    void reply.header(name, value);
  }
}

/** A 5xx `HttpException`'s message may carry internals (`new InternalServerErrorException(err.message)`). */
const SERVER_ERROR_DETAIL =
  'The server could not complete the request. Quote the request id when reporting it.';

function fromHttpException(exception: HttpException): ProblemParts {
  const status = exception.getStatus();
  if (status >= 500) return { status, code: codeForStatus(status), detail: SERVER_ERROR_DETAIL };
  const response = exception.getResponse();
  if (typeof response === 'string')
    return { status, code: codeForStatus(status), detail: response };
  const body = response as { message?: unknown; error?: unknown };
  const code =
    typeof body.error === 'string' && CODE_PATTERN.test(body.error)
      ? body.error
      : codeForStatus(status);
  const message = Array.isArray(body.message) ? body.message.map(String).join('; ') : body.message;
  return {
    status,
    code,
    detail: typeof message === 'string' && message ? message : exception.message,
  };
}

function fromFastifyError(exception: unknown): ProblemParts | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { statusCode, code } = exception as Error & { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  // Raised by the kit's JSON parser (http.bootstrap.ts), its message naming the limit.
  if (code === JSON_TOO_DEEP_CODE) {
    return { status: 400, code: 'JSON_TOO_DEEP', detail: exception.message };
  }
  const known = typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined;
  if (known) return { status: statusCode, ...known };
  if (exception instanceof SyntaxError) {
    return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' };
  }
  return {
    status: statusCode,
    code: codeForStatus(statusCode),
    detail: 'The request was rejected by the server.',
  };
}
