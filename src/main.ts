import './node-version.guard'; // oxlint-disable-line import/no-unassigned-import -- Node < 24.9 exits with the fix
import { Logger } from '@nestjs/common';
import {
  createHttpApp,
  exitOnUncaughtException,
  flushBufferedLogs,
  flushLogsSync,
} from '@kit/http';
import { enableGracefulShutdown } from '@kit/lifespan';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { loadConfig } from './config/app.config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(AppModule.forRoot(config), {
    logLevel: config.logLevel,
    logFlushIntervalMs: config.logFlushIntervalMs,
  });
  const log = app.getHttpAdapter().getInstance().log as PinoLogger;
  exitOnUncaughtException(log);
  enableGracefulShutdown(app, {
    graceMs: config.shutdownGraceMs,
    preStopDelayMs: config.shutdownDelayMs,
    flush: () => flushLogsSync(log),
  });
  await app.listen({ host: config.host, port: config.port });
  new Logger('Bootstrap').log(`API docs at ${await app.getUrl()}/docs`);
}

// The log is written out first, so the reason is the last thing a failed boot prints.
main().catch((err: unknown) => {
  flushBufferedLogs();
  process.stderr.write(`boot failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
