import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { type HttpServerOptions } from '@kit/http';
import { configureHttpApp, createKitAdapter, KitLogger } from '@kit/http/internal';
import { LogCapture } from './log-capture';

/**
 * What `createTestApp()` boots: a module class, a dynamic module (or a promise of one, as
 * `forRootAsync()`-style factories return), or a `Test.createTestingModule(...)` builder.
 */
export type TestAppModule =
  Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference | TestingModuleBuilder;

export interface TestApp {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>` of the listening app. */
  url: string;
  port: number;
  logs: LogCapture;
  /** Closes the app (idempotent). */
  close(): Promise<void>;
}

/**
 * Boots a module — or a `Test.createTestingModule(...)` builder with its overrides — the way
 * `createHttpApp()` does, on 127.0.0.1 with an ephemeral port (`listen(0)`), logs captured.
 */
export async function createTestApp(
  moduleOrBuilder: TestAppModule,
  options: HttpServerOptions = {},
): Promise<TestApp> {
  const logs = new LogCapture();
  const { adapter, logger } = createKitAdapter({
    logLevel: 'info',
    logDestination: logs,
    ...options,
  });
  let app: NestFastifyApplication;
  if (isTestingModuleBuilder(moduleOrBuilder)) {
    const moduleRef = await moduleOrBuilder.compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { abortOnError: false });
  } else {
    app = await NestFactory.create<NestFastifyApplication>(moduleOrBuilder, adapter, {
      abortOnError: false,
      logger: new KitLogger(logger),
    });
  }
  try {
    await configureHttpApp(app, logger);
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed: Promise<void> | undefined;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    close: () => (closed ??= app.close()),
  };
}

/**
 * A `Test.createTestingModule()` builder, told by its shape: @nestjs/testing stays a type-only
 * import, so this lib loads where only the app's runtime packages are installed.
 */
function isTestingModuleBuilder(value: TestAppModule): value is TestingModuleBuilder {
  return typeof (value as Partial<TestingModuleBuilder>).overrideProvider === 'function';
}
