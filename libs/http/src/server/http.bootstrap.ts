import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import {
  createClientErrorHandler,
  createEnterContextHook,
  createFrameworkErrorHandler,
  HOOK_SLOTS,
  type HttpKitHookSlots,
  installHttpHooks,
} from './http-hooks';
import type { HttpServerOptions } from '../options/http-options.interface';
import { resolveHttpServerOptions } from '../options/http-options.factory';
import {
  closeLogDestination,
  createPinoLogger,
  createRequestLineWriter,
  KitLogger,
} from '../observability/logger';
import { setupOpenApi } from '../openapi/openapi.setup';
import { jsonDepthExceeds } from './json-depth.util';
import {
  DEFAULT_PROBLEM_TYPE_BASE,
  FORBIDDEN_JSON_PROPERTY_CODE,
  JSON_TOO_DEEP_CODE,
} from '../problem/problem';
import { generateRequestId } from '../context/request-id';

export interface KitFastifyAdapter {
  adapter: FastifyAdapter;
  logger: Logger;
}

/** Nest calls `beforeClose()` when the app starts closing; from then on requests are refused. */
class ClosingAwareFastifyAdapter extends FastifyAdapter {
  constructor(
    private readonly slots: HttpKitHookSlots,
    options: FastifyHttpOptions<Server>,
  ) {
    super(options);
  }

  override beforeClose(): void {
    this.slots.closing = true;
    this.slots.draining = true;
    super.beforeClose();
  }

  /** Kept for the router's refusals, which bypass every hook (Nest runs it there too). */
  override registerSecurityHook(hook: SecurityHook): void {
    this.slots.securityHook = hook;
    super.registerSecurityHook(hook);
  }
}

type SecurityHook = Parameters<FastifyAdapter['registerSecurityHook']>[0];

/**
 * Creates the Fastify adapter with the kit's limits, logger and hooks. Use it directly only
 * when you build the app yourself (e.g. `Test.createTestingModule(...).createNestApplication`);
 * otherwise call `createHttpApp()`.
 */
export function createKitAdapter(raw: HttpServerOptions = {}): KitFastifyAdapter {
  const options = resolveHttpServerOptions(raw);
  const logger = createPinoLogger(options);
  const slots: HttpKitHookSlots = {
    cors: undefined,
    problemTypeBase: DEFAULT_PROBLEM_TYPE_BASE,
    metrics: undefined,
    closing: false,
    draining: false,
    writeRequestLine: createRequestLineWriter(logger),
    maxRequestsPerSocket: options.maxRequestsPerSocket,
  };
  const adapter = new ClosingAwareFastifyAdapter(slots, {
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    // No child logger per request (pino's child costs ~8 µs): the logger's mixin adds `reqId`
    // from the request context to every line instead.
    childLoggerFactory: (root: FastifyBaseLogger) => root,
    genReqId: generateRequestId,
    bodyLimit: options.bodyLimit,
    routerOptions: { maxParamLength: options.maxParamLength },
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    maxRequestsPerSocket: options.maxRequestsPerSocket,
    http: { maxHeaderSize: options.maxHeaderSize, headersTimeout: options.headersTimeout },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: options.trustProxy,
    // The kit's own first hook answers requests during shutdown, with a problem body.
    return503OnClosing: false,
    clientErrorHandler: createClientErrorHandler(slots),
    frameworkErrors: createFrameworkErrorHandler(slots),
  });
  // Through Nest's first onRequest hook, so that it runs before every hook Nest adds (CORS,
  // versioning, its own 503): those answer some requests, which must still be in the context
  // and refused while closing.
  adapter.setOnRequestHook(createEnterContextHook(slots));
  const instance = adapter.getInstance();
  useJsonParser(adapter, instance, options.bodyLimit, options.maxJsonDepth);
  instance.addHook('onClose', (_instance, done) => {
    closeLogDestination(logger);
    done();
  });
  instance.decorate(HOOK_SLOTS, slots);
  installHttpHooks(instance, slots);
  return { adapter, logger };
}

/**
 * Fastify's JSON parser answers a `__proto__` or `constructor.prototype` key exactly like broken
 * JSON; this one tells the two apart (the problem filter renders FORBIDDEN_JSON_PROPERTY), at no
 * cost on the success path. A body nested deeper than `maxJsonDepth` is refused before it is
 * parsed (JSON_TOO_DEEP): parsing it, and class-transformer's recursion over it, cost CPU and
 * overflow the stack (a 500) near 1,500 levels.
 */
function useJsonParser(
  adapter: FastifyAdapter,
  instance: FastifyInstance,
  bodyLimit: number,
  maxJsonDepth: number,
): void {
  const parseSecurely = instance.getDefaultJsonParser('error', 'error');
  adapter.useBodyParser('application/json', false, { bodyLimit }, (request, body, done) => {
    const text = body.toString('utf8');
    if (jsonDepthExceeds(text, maxJsonDepth)) {
      done(
        Object.assign(
          new SyntaxError(`The JSON body is nested deeper than ${maxJsonDepth} levels.`),
          { statusCode: 400, code: JSON_TOO_DEEP_CODE },
        ),
        undefined,
      );
      return;
    }
    parseSecurely(request, text, (err, value) => {
      if (err && parsesAsPlainJson(text)) {
        done(
          Object.assign(new SyntaxError('Object contains forbidden prototype property'), {
            statusCode: 400,
            code: FORBIDDEN_JSON_PROPERTY_CODE,
          }),
          undefined,
        );
        return;
      }
      done(err, value);
    });
  });
}

function parsesAsPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts draining the app's keep-alive connections: from now on every response says
 * `Connection: close` (Node then closes the connection after it), while requests are still
 * served. `enableGracefulShutdown()` calls it on SIGTERM, before the pre-stop delay; the caller
 * closes connections that are idle now (`server.closeIdleConnections()`). Returns false, doing
 * nothing, for an app not built on `createKitAdapter()`.
 */
export function drainHttpConnections(app: INestApplication): boolean {
  const adapter = typeof app.getHttpAdapter === 'function' ? app.getHttpAdapter() : undefined;
  const instance = adapter?.getInstance?.() as Record<symbol, unknown> | undefined;
  const slots = instance?.[HOOK_SLOTS] as HttpKitHookSlots | undefined;
  if (!slots) return false;
  slots.draining = true;
  return true;
}

/**
 * Finishes an app built on `createKitAdapter()`: Nest logger, init, OpenAPI. Signals are not
 * handled here: call `enableGracefulShutdown()` from `@kit/lifespan` in `main.ts`.
 */
export async function configureHttpApp<T extends INestApplication>(
  app: T,
  logger: Logger,
): Promise<T> {
  app.useLogger(new KitLogger(logger));
  await app.init();
  setupOpenApi(app);
  return app;
}

/** What `NestFactory.create()` accepts as the root module (a class or a dynamic module). */
export type NestEntryModule = Parameters<typeof NestFactory.create>[0];

/**
 * Creates a Nest app on Fastify with the kit's pipeline in the right order: context and request
 * id → CORS → middleware → guards → interceptors → pipes → handler → problem filter → response
 * headers. The caller calls `listen()`.
 */
export async function createHttpApp(
  module: NestEntryModule,
  options: HttpServerOptions = {},
): Promise<NestFastifyApplication> {
  const { adapter, logger } = createKitAdapter(options);
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new KitLogger(logger),
    abortOnError: false,
  });
  return configureHttpApp(app, logger);
}
