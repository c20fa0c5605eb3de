import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, type HttpServerOptions } from '@kit/http';
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
 * Boots a module the way `main.ts` does, on 127.0.0.1 with an ephemeral port (`listen(0)`),
 * logs captured in memory.
 */
export async function createTestApp(
  module: unknown,
  options: HttpServerOptions = {},
): Promise<TestApp> {
  const logs = new LogCapture();
  const app = await createHttpApp(module, { logLevel: 'info', logDestination: logs, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
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
