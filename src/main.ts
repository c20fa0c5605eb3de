import './node-version.guard'; // oxlint-disable-line import/no-unassigned-import -- Node < 24.9 exits with the fix
import { createHttpApp, flushLogsSync } from '@kit/http';
import { enableGracefulShutdown } from '@kit/lifespan';
import { AppModule } from './app.module';
import { loadConfig } from './config/app.config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(AppModule.forRoot(config), { logLevel: config.logLevel });
  enableGracefulShutdown(app, {
    graceMs: config.shutdownGraceMs,
    flush: () => flushLogsSync(app.getHttpAdapter().getInstance().log),
  });
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`boot failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
