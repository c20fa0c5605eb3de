import { randomUUID } from 'node:crypto';
import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import { HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import {
  BullmqJobQueue,
  type JobContext,
  type JobOptions,
  JobQueue,
  OnJob,
  TasksModule,
} from '@kit/tasks';
import { resolveTasksOptions } from '@kit/tasks/internal';
import { createTestApp, type TestApp, waitFor } from '@kit/testing';
import {
  jobQueueKinds,
  type JobQueueKind,
  obliterateQueue,
  redisResourceFor,
  uniqueQueueName,
} from './fixtures/job-queues';

// `@OnJob()` on an ordinary provider (with an injected dependency) handles its jobs on both queue
// kinds: called with the provider as `this`, its payload and attempt; a job enqueued before the
// app booted (BullMQ) runs too, on the decorated handler.

type Kind = JobQueueKind;
const KINDS = jobQueueKinds();

interface Run {
  readonly note: string;
  readonly attempt: number;
  readonly id: string;
}

const LEDGER = Symbol('jobs-decorator.ledger');

/** The handler's injected dependency: where it writes what it ran. */
class Ledger {
  readonly runs: Run[] = [];
}

@Injectable()
class NoteTaker {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  /** Fails its first attempt when asked to, so the retry's attempt number shows. */
  @OnJob('note.take')
  take(data: { note: string; failFirst: boolean }, job: JobContext): void {
    this.ledger.runs.push({ note: data.note, attempt: job.attempt, id: job.id });
    if (data.failFirst && job.attempt === 1) throw new Error(`first attempt of ${data.note}`);
  }
}

@Module({})
class DecoratorFixtureModule {
  static forRoot(ledger: Ledger, jobs: JobOptions, redisUrl?: string): DynamicModule {
    return {
      module: DecoratorFixtureModule,
      imports: [
        HttpKitModule.forRoot({ isGlobal: true, openapi: { enabled: false } }),
        ...(redisUrl ? [LifespanModule.forRoot({ isGlobal: true, redis: { url: redisUrl } })] : []),
        TasksModule.forRoot({ isGlobal: true, jobs }),
      ],
      providers: [{ provide: LEDGER, useValue: ledger }, NoteTaker],
    };
  }
}

/** Boots fixture apps on one queue kind, with a fresh queue name per test; closes them after. */
function fixtureApps(kind: Kind): { boot(ledger: Ledger): Promise<TestApp>; queueName(): string } {
  let queueName: string;
  const apps: TestApp[] = [];

  async function boot(ledger: Ledger): Promise<TestApp> {
    const jobs: JobOptions = { attempts: 3, backoffMs: 20, ...(kind.url && { queueName }) };
    const t = await createTestApp(DecoratorFixtureModule.forRoot(ledger, jobs, kind.url));
    apps.push(t);
    return t;
  }

  beforeEach(() => {
    queueName = uniqueQueueName('decorator');
  });
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
    if (kind.url) await obliterateQueue(kind.url, queueName);
  }, 15_000);
  return { boot, queueName: () => queueName };
}

describe.each(KINDS)('@OnJob handlers ($name)', (kind) => {
  const { boot } = fixtureApps(kind);

  it('runs the decorated method with its payload and attempt, on its provider', async () => {
    const ledger = new Ledger();
    const t = await boot(ledger);
    const note = `note-${randomUUID()}`;
    const { id } = await t.app.get(JobQueue).enqueue('note.take', { note, failFirst: true });
    await waitFor(async () => (await t.app.get(JobQueue).get(id))?.state === 'completed', {
      timeoutMs: 10_000,
      description: 'the decorated job to complete',
    });
    expect(ledger.runs).toEqual([
      { note, attempt: 1, id },
      { note, attempt: 2, id },
    ]);
  }, 20_000);
});

// BullMQ only: in process, nothing outlives the app that enqueued it.
describe.each(KINDS.filter((k) => k.name === 'bullmq'))(
  '@OnJob handlers ($name), across boots',
  (kind) => {
    const { boot, queueName } = fixtureApps(kind);

    it('a job enqueued before the app booted runs on the decorated handler', async () => {
      if (!kind.url) throw new Error('the BullMQ kind has no Redis URL');
      const { jobs } = resolveTasksOptions({
        jobs: { queueName: queueName(), worker: false },
      });
      const producer = new BullmqJobQueue(jobs, redisResourceFor(kind.url));
      const note = `early-${randomUUID()}`;
      const { id } = await producer
        .enqueue('note.take', { note, failFirst: false })
        .finally(() => producer.close());
      const ledger = new Ledger();
      const t = await boot(ledger);
      await waitFor(async () => (await t.app.get(JobQueue).get(id))?.state === 'completed', {
        timeoutMs: 10_000,
        description: 'the job enqueued before boot to complete',
      });
      expect(ledger.runs).toEqual([{ note, attempt: 1, id }]);
    }, 20_000);
  },
);
