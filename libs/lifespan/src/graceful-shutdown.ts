import type { INestApplication, LoggerService } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { ResourceRegistry } from './resource.registry';

export interface GracefulShutdownOptions {
  /** The whole sequence must end within this many ms, else the process exits 1. */
  graceMs: number;
  /** Wait this long after readiness turns 503, for load balancers to notice. @default 0 */
  preStopDelayMs?: number;
  /** Signals that start the sequence. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Ends the process; tests replace it. @default process.exit */
  exit?: (code: number) => void;
  /** Flushes buffered log lines before exiting. @default no-op */
  flush?: () => void;
  logger?: LoggerService;
}

/**
 * The coordinated shutdown on SIGTERM/SIGINT: readiness 503 → optional delay → the listener
 * stops accepting and in-flight requests finish (WebSocket clients get 1001 just before) →
 * shutdown steps (background tasks drain, job workers close) → resources close in reverse
 * order. Each step is logged; past `graceMs` the process exits 1 naming what still ran.
 * Returns a function that starts the same sequence (for tests) and resolves to the exit code.
 */
export function enableGracefulShutdown(
  app: INestApplication,
  options: GracefulShutdownOptions,
): (signal: string) => Promise<number> {
  const logger = options.logger ?? new Logger('Shutdown');
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const flush = options.flush ?? (() => undefined);
  const registry = app.get(ResourceRegistry);
  let running: Promise<number> | undefined;

  const shutdown = (signal: string): Promise<number> => {
    running ??= run(signal);
    return running;
  };

  async function run(signal: string): Promise<number> {
    const started = Date.now();
    const timer = setTimeout(() => {
      logger.error(
        `shutdown: grace of ${options.graceMs} ms exceeded at ${registry.describeShutdown()}; exiting with 1`,
      );
      flush();
      exit(1);
    }, options.graceMs);
    timer.unref();
    logger.log(`shutdown: ${signal} received; readiness now answers 503`);
    registry.beginShutdown();
    if (options.preStopDelayMs) {
      logger.log(`shutdown: waiting ${options.preStopDelayMs} ms for load balancers`);
      await new Promise((resolve) => setTimeout(resolve, options.preStopDelayMs));
    }
    logger.log('shutdown: closing the listener; in-flight requests finish');
    let code = 0;
    try {
      await app.close();
    } catch (err) {
      code = 1;
      logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    clearTimeout(timer);
    logger.log(`shutdown: complete in ${Date.now() - started} ms; exiting with ${code}`);
    flush();
    exit(code);
    return code;
  }

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void shutdown(signal));
  }
  return shutdown;
}
