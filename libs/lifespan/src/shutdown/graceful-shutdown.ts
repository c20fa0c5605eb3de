import type { INestApplication, LoggerService } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { drainHttpConnections } from '@kit/http/internal';
import { ResourceRegistry } from '../resources/resource.registry';

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

/** How often idle keep-alive connections are closed while the listener drains. */
const IDLE_SWEEP_MS = 25;

interface SweepableServer {
  closeIdleConnections?: () => void;
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
  const sequence: ShutdownSequence = {
    app,
    options,
    logger: options.logger ?? new Logger('Shutdown'),
    exit: options.exit ?? ((code: number) => process.exit(code)),
    flush: options.flush ?? (() => undefined),
    registry: app.get(ResourceRegistry),
  };
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<number> | undefined;
  const releaseSignals = (): void => {
    for (const s of signals) process.off(s, onSignal);
  };

  const shutdown = (signal: string): Promise<number> => {
    running ??= runShutdown(sequence, signal, releaseSignals);
    return running;
  };

  // Every signal stays handled until the sequence ends: a repeated one (a terminal's Ctrl-C
  // and npm forwarding it, an impatient orchestrator) must not kill the drain half-way.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) sequence.logger.log(`shutdown: ${signal} received again; already shutting down`);
    void shutdown(signal);
  };

  for (const signal of signals) process.on(signal, onSignal);
  // Closed directly (app.close(), no signal): nothing is left listening. During the sequence the
  // listeners stay until it ends (releaseSignals, in runShutdown).
  sequence.registry.whenClosed(() => {
    if (!running) releaseSignals();
  });
  return shutdown;
}

/** What one shutdown sequence works with. */
interface ShutdownSequence {
  readonly app: INestApplication;
  readonly options: GracefulShutdownOptions;
  readonly logger: LoggerService;
  readonly exit: (code: number) => void;
  readonly flush: () => void;
  readonly registry: ResourceRegistry;
}

/** The sequence: grace timer, stop taking work, close the app, then exit with its outcome. */
async function runShutdown(
  sequence: ShutdownSequence,
  signal: string,
  releaseSignals: () => void,
): Promise<number> {
  const { app, logger } = sequence;
  const started = Date.now();
  const grace = startGraceTimer(sequence);
  await stopTakingWork(sequence, signal);
  const code = await closeApp(app, logger);
  grace.cancel();
  releaseSignals();
  if (grace.expired) return 1;
  logger.log(`shutdown: complete in ${Date.now() - started} ms; exiting with ${code}`);
  sequence.flush();
  sequence.exit(code);
  return code;
}

/** Past `graceMs`, logs what still runs and exits 1, whatever the sequence is waiting on. */
function startGraceTimer({ options, logger, registry, flush, exit }: ShutdownSequence): {
  readonly expired: boolean;
  cancel(): void;
} {
  let expired = false;
  // Not unref'd: a task hanging on a promise holds no handle, and the process would otherwise
  // exit 0 mid-drain once the listener is gone, silently dropping the work.
  const timer = setTimeout(() => {
    expired = true;
    logger.error(
      `shutdown: grace of ${options.graceMs} ms exceeded at ${registry.describeShutdown()}; exiting with 1`,
    );
    flush();
    exit(1);
  }, options.graceMs);
  return {
    get expired() {
      return expired;
    },
    cancel: () => clearTimeout(timer),
  };
}

/** Readiness 503, keep-alive connections told to close, then the optional pre-stop delay. */
async function stopTakingWork(
  { app, options, logger, registry }: ShutdownSequence,
  signal: string,
): Promise<void> {
  logger.log(`shutdown: ${signal} received; readiness now answers 503`);
  registry.beginShutdown();
  drainKeepAlive(app);
  if (options.preStopDelayMs) {
    registry.enterShutdownPhase('pre-stop delay');
    logger.log(`shutdown: waiting ${options.preStopDelayMs} ms for load balancers`);
    await new Promise((resolve) => setTimeout(resolve, options.preStopDelayMs));
  }
  registry.enterShutdownPhase('closing the listener (in-flight requests)');
  logger.log('shutdown: closing the listener; in-flight requests finish');
}

/**
 * From the signal on, keep-alive connections end cleanly: every response says
 * `Connection: close` (clients open a fresh connection for their next request, which the
 * listener still accepts during the pre-stop delay, and Node closes the old one after the
 * response), and the connections idle right now are closed. Idle ones are not swept again
 * during the delay: a connection just accepted is idle until its first request arrives.
 */
function drainKeepAlive(app: INestApplication): void {
  drainHttpConnections(app);
  httpServerOf(app)?.closeIdleConnections?.();
}

function httpServerOf(app: INestApplication): SweepableServer | undefined {
  return typeof app.getHttpServer === 'function'
    ? (app.getHttpServer() as SweepableServer | undefined)
    : undefined;
}

/**
 * `app.close()`, closing keep-alive connections as soon as they turn idle: the HTTP server
 * closes them only once, when its listener closes, so a connection whose in-flight response
 * ends later without `Connection: close` would hold the shutdown until the client or the
 * keep-alive timeout drops it.
 */
async function closeApp(app: INestApplication, logger: LoggerService): Promise<number> {
  const server = httpServerOf(app);
  const sweeper =
    typeof server?.closeIdleConnections === 'function'
      ? setInterval(() => server.closeIdleConnections?.(), IDLE_SWEEP_MS)
      : undefined;
  try {
    await app.close();
    return 0;
  } catch (err) {
    logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    clearInterval(sweeper);
  }
}
