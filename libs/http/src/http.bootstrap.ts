import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import {
  createClientErrorHandler,
  enterContextHook,
  HOOK_SLOTS,
  type HttpKitHookSlots,
  installHttpHooks,
} from './http-hooks';
import type { HttpServerOptions } from './http-options.interface';
import { resolveHttpServerOptions } from './http-options.factory';
import { createPinoLogger, KitLogger } from './logger';
import { setupOpenApi } from './openapi.setup';
import { generateRequestId } from './request-id';

export interface KitFastifyAdapter {
  adapter: FastifyAdapter;
  logger: Logger;
}

/**
 * Creates the Fastify adapter with the kit's limits, logger and hooks. Use it directly only
 * when you build the app yourself (e.g. `Test.createTestingModule(...).createNestApplication`);
 * otherwise call `createHttpApp()`.
 */
export function createKitAdapter(raw: HttpServerOptions = {}): KitFastifyAdapter {
  const options = resolveHttpServerOptions(raw);
  const logger = createPinoLogger(options);
  const slots: HttpKitHookSlots = { cors: undefined, problemTypeBase: 'urn:problem:' };
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: generateRequestId,
    bodyLimit: options.bodyLimit,
    routerOptions: { maxParamLength: options.maxParamLength },
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    connectionTimeout: options.requestTimeout,
    maxRequestsPerSocket: options.maxRequestsPerSocket,
    http: { maxHeaderSize: options.maxHeaderSize, headersTimeout: options.headersTimeout },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    clientErrorHandler: createClientErrorHandler(slots),
  });
  adapter.setOnRequestHook(enterContextHook);
  const instance = adapter.getInstance();
  instance.decorate(HOOK_SLOTS, slots);
  installHttpHooks(instance, slots);
  return { adapter, logger };
}

/** Finishes an app built on `createKitAdapter()`: Nest logger, init, OpenAPI. */
export async function configureHttpApp<T extends INestApplication>(
  app: T,
  logger: Logger,
): Promise<T> {
  app.useLogger(new KitLogger(logger));
  app.enableShutdownHooks();
  await app.init();
  setupOpenApi(app);
  return app;
}

/**
 * Creates a Nest app on Fastify with the kit's pipeline in the right order: context and request
 * id → CORS → middleware → guards → interceptors → pipes → handler → problem filter → response
 * headers. The caller calls `listen()`.
 */
export async function createHttpApp(
  module: unknown,
  options: HttpServerOptions = {},
): Promise<NestFastifyApplication> {
  const { adapter, logger } = createKitAdapter(options);
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: new KitLogger(logger),
    abortOnError: false,
  });
  return configureHttpApp(app, logger);
}
