import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { type HttpServerOptions } from '@kit/http';
import { configureHttpApp, createKitAdapter, KitLogger } from '@kit/http/internal';
import { LogCapture } from './log-capture';

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
  moduleOrBuilder: unknown,
  options: HttpServerOptions = {},
): Promise<TestApp> {
  const logs = new LogCapture();
  const { adapter, logger } = createKitAdapter({
    logLevel: 'info',
    logDestination: logs,
    ...options,
  });
  let app: NestFastifyApplication;
  if (isBuilder(moduleOrBuilder)) {
    const moduleRef = await moduleOrBuilder.compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { abortOnError: false });
  } else {
    app = await NestFactory.create<NestFastifyApplication>(moduleOrBuilder as never, adapter, {
      abortOnError: false,
      logger: new KitLogger(logger),
    });
  }
  try {
    await configureHttpApp(app as INestApplication, logger);
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

function isBuilder(value: unknown): value is TestingModuleBuilder {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { compile?: unknown }).compile === 'function'
  );
}
