import {
  type INestApplication,
  type INestApplicationContext,
  type LoggerService,
  Module,
  type OnModuleInit,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { waitFor } from '@kit/testing';
import { enableGracefulShutdown, type GracefulShutdownOptions } from './graceful-shutdown';
import { LifespanModule } from '../lifespan.module';
import { ResourceRegistry } from '../resources/resource.registry';

// The sequence on a real Nest application context (no HTTP listener: the e2e suites cover
// that): steps, exit codes, the grace, the pre-stop delay, signal listeners.

/** A promise the test resolves. */
class Gate {
  readonly promise: Promise<void>;
  open!: () => void;
  constructor() {
    this.promise = new Promise((resolve) => (this.open = resolve));
  }
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
}

describe('enableGracefulShutdown', () => {
  let app: INestApplicationContext;
  let journal: string[];
  let gates: Map<string, Gate>;
  let logger: CapturingLogger;
  let exits: number[];
  let running: Promise<number> | undefined;
  let fakeTimers: boolean;

  /** Fake timers, except those Nest and promises need to make progress. */
  const useFakeTimers = (): void => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    fakeTimers = true;
  };

  const gate = (name: string): Gate => {
    let g = gates.get(name);
    if (!g) gates.set(name, (g = new Gate()));
    return g;
  };

  beforeEach(async () => {
    journal = [];
    gates = new Map();
    logger = new CapturingLogger();
    exits = [];
    running = undefined;
    fakeTimers = false;

    @Module({})
    class StepsModule implements OnModuleInit {
      constructor(private readonly registry: ResourceRegistry) {}
      onModuleInit(): void {
        for (const [name, order] of [
          ['drain', 10],
          ['workers', 20],
        ] as const) {
          this.registry.addShutdownStep({
            name,
            order,
            run: async () => {
              journal.push(`${name} started`);
              await gate(name).promise;
              journal.push(`${name} done`);
            },
            pending: () =>
              journal.includes(`${name} started`) && !journal.includes(`${name} done`)
                ? `the ${name}`
                : undefined,
          });
        }
      }
    }
    app = await NestFactory.createApplicationContext(
      { module: StepsModule, imports: [LifespanModule.forRoot({})] },
      { logger: false },
    );
  });

  afterEach(async () => {
    for (const g of gates.values()) g.open();
    if (fakeTimers) await jest.runAllTimersAsync();
    jest.useRealTimers();
    if (running) await running;
    else await app.close();
  });

  function arm(
    options: Partial<GracefulShutdownOptions> = {},
  ): (signal: string) => Promise<number> {
    const shutdown = enableGracefulShutdown(app as INestApplication, {
      graceMs: 10_000,
      signals: [],
      exit: (code) => exits.push(code),
      logger,
      ...options,
    });
    return (signal) => (running = shutdown(signal));
  }

  describe('when every step finishes within the grace', () => {
    it('marks the service as shutting down, runs the steps in order, exits 0 once, and logs each phase', async () => {
      const registry = app.get(ResourceRegistry);
      gate('drain').open();
      gate('workers').open();
      const shutdown = arm();
      const done = shutdown('SIGTERM');
      expect(registry.isShuttingDown).toBe(true);
      expect(await done).toBe(0);
      expect(exits).toEqual([0]);
      expect(journal).toEqual(['drain started', 'drain done', 'workers started', 'workers done']);
      expect(logger.lines).toEqual([
        'log shutdown: SIGTERM received; readiness now answers 503',
        'log shutdown: closing the listener; in-flight requests finish',
        expect.stringMatching(/^log shutdown: complete in \d+ ms; exiting with 0$/),
      ]);
    });

    it('runs the sequence once when started twice', async () => {
      gate('drain').open();
      gate('workers').open();
      const shutdown = arm();
      const [a, b] = await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
      expect([a, b]).toEqual([0, 0]);
      expect(exits).toEqual([0]);
      expect(journal.filter((e) => e === 'drain started')).toHaveLength(1);
    });
  });

  describe('when a step outlives the grace', () => {
    it('exits 1 at the grace naming the step and what is pending, and does not exit again after', async () => {
      useFakeTimers();
      gate('drain').open();
      const done = arm({ graceMs: 1_000 })('SIGTERM');
      await jest.advanceTimersByTimeAsync(999);
      expect(exits).toEqual([]);
      expect(journal).toEqual(['drain started', 'drain done', 'workers started']);
      await jest.advanceTimersByTimeAsync(1);
      expect(exits).toEqual([1]);
      expect(logger.lines).toContain(
        'error shutdown: grace of 1000 ms exceeded at step "workers"; still running: the workers; exiting with 1',
      );

      gate('workers').open();
      expect(await done).toBe(1);
      expect(exits).toEqual([1]);
      expect(logger.lines.some((l) => l.includes('complete in'))).toBe(false);
    });
  });

  describe('with a pre-stop delay', () => {
    it('answers readiness as shutting down during the delay, and starts the steps only after it', async () => {
      useFakeTimers();
      gate('drain').open();
      gate('workers').open();
      const registry = app.get(ResourceRegistry);
      const done = arm({ preStopDelayMs: 5_000, graceMs: 8_000 })('SIGTERM');
      await jest.advanceTimersByTimeAsync(4_999);
      expect(registry.isShuttingDown).toBe(true);
      expect((await registry.health()).status).toBe('unavailable');
      expect(registry.describeShutdown()).toBe('step "pre-stop delay"');
      expect(journal).toEqual([]);
      expect(logger.lines).toEqual([
        'log shutdown: SIGTERM received; readiness now answers 503',
        'log shutdown: waiting 5000 ms for load balancers',
      ]);
      await jest.advanceTimersByTimeAsync(1);
      expect(await done).toBe(0);
      expect(exits).toEqual([0]);
      expect(journal).toEqual(['drain started', 'drain done', 'workers started', 'workers done']);
    });
  });

  describe('signals', () => {
    it('listens to SIGTERM and SIGINT by default, and stops listening once the sequence ended', async () => {
      const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
      gate('drain').open();
      gate('workers').open();
      const shutdown = arm({ signals: undefined });
      expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([
        before[0]! + 1,
        before[1]! + 1,
      ]);
      expect(await shutdown('test')).toBe(0);
      expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
    });

    it('stops listening when the app is closed directly, without a signal', async () => {
      const before = process.listenerCount('SIGUSR2');
      arm({ signals: ['SIGUSR2'] });
      expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
      gate('drain').open();
      gate('workers').open();
      await app.close();
      expect(process.listenerCount('SIGUSR2')).toBe(before);
      expect(exits).toEqual([]);
    });

    it('treats a repeated signal as the same shutdown, and logs it', async () => {
      arm({ signals: ['SIGUSR2'] });
      process.emit('SIGUSR2', 'SIGUSR2');
      process.emit('SIGUSR2', 'SIGUSR2');
      gate('drain').open();
      gate('workers').open();
      await waitFor(() => exits.length > 0, { timeoutMs: 2_000, description: 'the exit' });
      expect(exits).toEqual([0]);
      expect(logger.lines.filter((l) => l.startsWith('log shutdown: SIGUSR2'))).toEqual([
        'log shutdown: SIGUSR2 received; readiness now answers 503',
        'log shutdown: SIGUSR2 received again; already shutting down',
      ]);
      expect(process.listenerCount('SIGUSR2')).toBe(0);
      running = Promise.resolve(0);
    });
  });
});
