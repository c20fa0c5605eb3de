import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
} from 'fastify';
import type { Socket } from 'node:net';
import type { CorsPolicy } from './cors.policy';
import type { MetricsService } from '../observability/metrics.service';
import { redactUrl, type RequestLine } from '../observability/logger';
import { newRequestId } from '../context/request-id';
import { roundMs, writeSocketProblem } from '../problem/socket-problem';
import { isThenable } from './thenable';
import {
  buildProblem,
  codeForStatus,
  INTERNAL_ERROR_DETAIL,
  PROBLEM_CONTENT_TYPE,
} from '../problem/problem';
import {
  addedTimings,
  createHttpContextStore,
  RequestContext,
  takeBeforeSend,
  type BeforeSendStep,
  type ServerTimingEntry,
} from '../context/request-context';

/** What the module fills in at init: the hooks are installed before Nest exists. */
export interface HttpKitHookSlots {
  cors: CorsPolicy | undefined;
  problemTypeBase: string;
  metrics: MetricsService | undefined;
  /** Set when the app starts closing: new requests get 503 SHUTTING_DOWN. */
  closing: boolean;
  /**
   * Set when shutdown begins (SIGTERM, before any pre-stop delay; `drainHttpConnections()`) and
   * when the app starts closing: every response says `Connection: close`, so no client sends
   * its next request on a connection about to be closed.
   */
  draining: boolean;
  /** Writes the `request completed` line (see `createRequestLineWriter`). */
  writeRequestLine: (line: RequestLine) => void;
  /** `maxRequestsPerSocket`: the response to the last allowed request closes the connection. */
  maxRequestsPerSocket: number;
  /** Nest's security-headers / CSRF hook (`app.useSecurityHeaders()`), once registered. */
  securityHook?: (request: FastifyRequest, response: FastifyReply['raw']) => unknown;
}

/** Requests served on a socket so far (a property: cheaper than a WeakMap lookup). */
const REQUESTS_ON_SOCKET = Symbol('kit.http.requestsOnSocket');

type CountedSocket = Socket & { [REQUESTS_ON_SOCKET]?: number };

export const HOOK_SLOTS = Symbol.for('kit.http.hookSlots');

/** The first `onRequest` hook: enters the request context. */
export function createEnterContextHook(slots: HttpKitHookSlots) {
  return function enterContextHook(
    request: FastifyRequest,
    reply: FastifyReply,
    done: () => void,
  ): void {
    const store = createHttpContextStore(request.id);
    request.kitContext = store;
    if (isLastOnSocket(request, slots.maxRequestsPerSocket)) reply.header('connection', 'close');
    if (slots.closing) {
      refuseWhileClosing(request, reply, slots);
      return;
    }
    // CORS here, before Nest's own hooks and any guard: a preflight is answered at once.
    if (slots.cors?.handle(request, reply)) return;
    RequestContext.run(store, done);
  };
}

/**
 * Counts the request on its socket; true for the last one Node allows. Its response then says
 * `Connection: close` and Node closes the socket after it: otherwise the next request on the
 * connection got Node's own bare 503 (no request id, no problem body) and the socket stayed open.
 */
function isLastOnSocket(request: FastifyRequest, max: number): boolean {
  const socket = request.raw.socket as CountedSocket | null;
  if (!socket) return false;
  const served = (socket[REQUESTS_ON_SOCKET] ?? 0) + 1;
  socket[REQUESTS_ON_SOCKET] = served;
  return served >= max;
}

/** A request that arrives once shutdown began: 503 problem, and the connection is closed. */
function refuseWhileClosing(
  request: FastifyRequest,
  reply: FastifyReply,
  slots: HttpKitHookSlots,
): void {
  void reply
    .code(503)
    .header('connection', 'close')
    .header('retry-after', '1')
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      problemJson(
        request,
        slots,
        503,
        'SHUTTING_DOWN',
        'The service is shutting down; retry on another instance.',
      ),
    );
}

function problemJson(
  request: FastifyRequest,
  slots: HttpKitHookSlots,
  status: number,
  code: string,
  detail: string,
): string {
  return JSON.stringify(
    buildProblem(slots.problemTypeBase, { status, code, detail, requestId: request.id }),
  );
}

/** Installs the kit's Fastify hooks, in the order that makes the pipeline right by construction. */
export function installHttpHooks(instance: FastifyInstance, slots: HttpKitHookSlots): void {
  instance.decorateRequest('kitContext', null);
  reenterContextAfterBody(instance);
  instance.addHook('onSend', createSendHook(slots));
  instance.addHook('onResponse', (request, reply, done) => {
    recordResponse(request, reply, slots);
    done();
  });
}

/**
 * Body parsing ends in a stream callback outside the context: routes that can receive a body
 * enter it again before the handler. GET and HEAD never parse one and stay inside it, so they
 * skip the hook (a hook costs every request that runs it).
 */
function reenterContextAfterBody(instance: FastifyInstance): void {
  instance.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => m === 'GET' || m === 'HEAD')) return;
    const own = route.preHandler;
    route.preHandler = own === undefined ? [reenterContext] : [reenterContext, ...[own].flat()];
  });
}

/**
 * `onSend`: runs the request's before-send steps (resources settle, tasks are queued), then puts
 * the kit's headers on the response; a step that failed turns it into a 500 problem.
 */
function createSendHook(slots: HttpKitHookSlots): onSendHookHandler {
  return (request, reply, payload, done) => {
    if (slots.draining) void reply.header('connection', 'close');
    const store = request.kitContext;
    const steps = store ? takeBeforeSend(store) : undefined;
    if (steps === undefined) {
      decorateResponse(request, reply);
      done(null, payload);
      return;
    }
    const finish = (outcome: BeforeSendOutcome): void => {
      if (!outcome.failed) {
        decorateResponse(request, reply);
        done(null, payload);
        return;
      }
      // A commit that failed: the client must not believe the work was done.
      request.log.error({ reqId: request.id, err: outcome.error }, 'before-send step failed');
      void reply.code(500).type(PROBLEM_CONTENT_TYPE);
      decorateResponse(request, reply);
      done(null, problemJson(request, slots, 500, 'INTERNAL_ERROR', INTERNAL_ERROR_DETAIL));
    };
    // A promise here is runRestAsync()'s own, always native.
    const outcome = runBeforeSend(steps, reply.statusCode);
    if (outcome instanceof Promise) void outcome.then(finish);
    else finish(outcome);
  };
}

/** The request-duration metric and the `request completed` line of a finished response. */
function recordResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  slots: HttpKitHookSlots,
): void {
  slots.metrics?.observeHttp(
    request.method,
    request.routeOptions.url,
    reply.statusCode,
    reply.elapsedTime / 1000,
  );
  if (
    !(request.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled(
      'info',
    )
  ) {
    return;
  }
  // onResponse runs from the socket's 'finish', outside the request context: name the id.
  slots.writeRequestLine({
    reqId: request.id,
    method: request.method,
    url: redactUrl(request.url),
    statusCode: reply.statusCode,
    durationMs: roundMs(reply.elapsedTime),
  });
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any hook runs — a path parameter
 * longer than `maxParamLength` (414) or a URL it cannot decode (400). Fastify's own answers
 * echoed the path and had no request id, timing headers or log line; no hook (not even
 * `onSend`/`onResponse`) runs for them, so this does their work.
 */
export function createFrameworkErrorHandler(slots: HttpKitHookSlots) {
  return function frameworkErrors(
    error: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = error.statusCode === 414 ? 414 : 400;
    // The first onRequest hook and onSend do not run here: count the request and close the
    // connection as they would.
    if (isLastOnSocket(request, slots.maxRequestsPerSocket) || slots.draining) {
      void reply.header('connection', 'close');
    }
    try {
      slots.securityHook?.(request, reply.raw);
    } catch {
      // Refused either way; `request.params` and `request.query` are null here (as in Nest's).
    }
    reply.raw.once('finish', () => recordResponse(request, reply, slots));
    decorateResponse(request, reply);
    void reply
      .code(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        problemJson(
          request,
          slots,
          status,
          codeForStatus(status),
          status === 414 ? URI_TOO_LONG_DETAIL : BAD_URL_DETAIL,
        ),
      );
  };
}

const URI_TOO_LONG_DETAIL = 'A path segment of the URL is longer than the server accepts.';
const BAD_URL_DETAIL = 'The URL could not be decoded (malformed percent-encoding).';

/** Route `preHandler`: back into the request's context after its body was parsed. */
function reenterContext(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  const store = request.kitContext;
  if (store && RequestContext.current() !== store) RequestContext.run(store, done);
  else done();
}

function decorateResponse(request: FastifyRequest, reply: FastifyReply): void {
  const dur = roundMs(reply.elapsedTime);
  let timing = `app;dur=${dur}`;
  const store = request.kitContext;
  const entries = store ? addedTimings(store) : undefined;
  if (entries && entries.length > 0) {
    timing = entries.map(formatTiming).join(', ') + ', ' + timing;
  }
  reply.header('x-request-id', request.id);
  reply.header('x-process-time-ms', String(dur));
  reply.header('server-timing', timing);
  reply.header('x-content-type-options', 'nosniff');
}

const NON_TOKEN = /[^!#$%&'*+.^_`|~0-9A-Za-z-]/g;
// Quotes, backslashes and anything outside printable ASCII: a control character in a header
// value makes Node throw while writing the head, which would lose the response.
const NON_QDTEXT = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/** One `Server-Timing` entry; names and descriptions come from code and may hold anything. */
function formatTiming(entry: ServerTimingEntry): string {
  const name = String(entry.name).replace(NON_TOKEN, '_') || 'timing';
  const dur = Number.isFinite(entry.dur) && entry.dur > 0 ? roundMs(entry.dur) : 0;
  const desc = entry.desc ? String(entry.desc).replace(NON_QDTEXT, '') : '';
  return desc ? `${name};dur=${dur};desc="${desc}"` : `${name};dur=${dur}`;
}

/**
 * Answers what Node rejects before Fastify sees a request (oversized head → 431, timeouts → 408,
 * malformed → 400) with a problem body and a fresh request id, then closes the socket.
 */
export function createClientErrorHandler(slots: HttpKitHookSlots) {
  return function clientErrorHandler(
    this: FastifyInstance,
    err: NodeJS.ErrnoException,
    socket: Socket,
  ): void {
    const startedAt = performance.now();
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    const requestId = newRequestId();
    this.log.debug({ reqId: requestId, code: err.code }, 'client error');
    writeSocketProblem(socket, slots.problemTypeBase, {
      status,
      code: codeForStatus(status),
      detail: CLIENT_ERROR_DETAILS[status] ?? CLIENT_ERROR_DETAILS[400],
      requestId,
      startedAt,
    });
  };
}

const CLIENT_ERROR_DETAILS: Readonly<Record<number, string>> = {
  400: 'The request could not be parsed as HTTP.',
  408: 'The request was not received in time.',
  431: 'The request headers are larger than the server accepts.',
};

interface BeforeSendOutcome {
  failed: boolean;
  error: unknown;
}

function record(outcome: BeforeSendOutcome, err: unknown): void {
  if (!outcome.failed) [outcome.failed, outcome.error] = [true, err];
}

/**
 * Runs the steps newest first (teardown order) and reports the first failure after all ran.
 * Once a step failed, the response will be a 500: the steps after it are told so (resources
 * roll back, background tasks are dropped). Steps that finish synchronously are run
 * synchronously: no promise unless one returns one.
 */
function runBeforeSend(
  steps: readonly BeforeSendStep[],
  statusCode: number,
): BeforeSendOutcome | Promise<BeforeSendOutcome> {
  const outcome: BeforeSendOutcome = { failed: false, error: undefined };
  // Value-or-promise on purpose: this runs before every response, where a promise per request costs.
  for (let i = steps.length - 1; i >= 0; i--) {
    let result: unknown;
    try {
      result = (steps[i] as BeforeSendStep)(statusAfter(outcome, statusCode));
    } catch (err) {
      record(outcome, err);
      continue;
    }
    if (isThenable(result)) {
      return runRestAsync(result, steps, i - 1, statusCode, outcome);
    }
  }
  return outcome;
}

/** The status the response will have: a failed step turns it into a 500. */
function statusAfter(outcome: BeforeSendOutcome, statusCode: number): number {
  return outcome.failed ? 500 : statusCode;
}

async function runRestAsync(
  running: PromiseLike<unknown>,
  steps: readonly BeforeSendStep[],
  from: number,
  statusCode: number,
  outcome: BeforeSendOutcome,
): Promise<BeforeSendOutcome> {
  await Promise.resolve(running).catch((err: unknown) => record(outcome, err));
  for (let i = from; i >= 0; i--) {
    try {
      await (steps[i] as BeforeSendStep)(statusAfter(outcome, statusCode));
    } catch (err) {
      record(outcome, err);
    }
  }
  return outcome;
}
