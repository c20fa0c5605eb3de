import { Test, type TestingModule } from '@nestjs/testing';
import { HttpKitModule } from '@kit/http';
import { InProcessJobQueue } from './jobs/in-process-job.queue';
import { JobQueue } from './jobs/job-queue';
import { TaskRunner } from './background/task-runner.service';
import { RESOLVED_TASKS_OPTIONS } from './tasks.internal-constants';
import type { ResolvedTasksOptions, TasksModuleOptions } from './options/tasks-options.interface';
import { TasksModule } from './tasks.module';

// TasksModule needs @kit/http (its metrics registry), as in any app.
const HTTP = HttpKitModule.forRoot({ isGlobal: true, openapi: { enabled: false } });

// No LifespanModule Redis here: a BullMQ queue would connect to Redis as soon as it is built.
const OPTIONS: TasksModuleOptions = {
  background: { concurrency: 2, maxQueued: 50 },
  jobs: { queueName: 'spec-queue', attempts: 5, backoffMs: 250, worker: false },
};

describe('TasksModule', () => {
  const modules: TestingModule[] = [];
  afterEach(async () => {
    await Promise.all(modules.splice(0).map((m) => m.close()));
  });

  async function compile(imported: ReturnType<typeof TasksModule.forRoot>) {
    const moduleRef = await Test.createTestingModule({ imports: [HTTP, imported] }).compile();
    modules.push(moduleRef);
    return moduleRef;
  }

  async function resolved(imported: ReturnType<typeof TasksModule.forRoot>) {
    return (await compile(imported)).get<ResolvedTasksOptions>(RESOLVED_TASKS_OPTIONS);
  }

  it('forRoot and forRootAsync resolve to the same options', async () => {
    const fromSync = await resolved(TasksModule.forRoot(OPTIONS));
    const fromAsync = await resolved(
      TasksModule.forRootAsync({ useFactory: () => Promise.resolve(OPTIONS) }),
    );
    expect(fromAsync).toEqual(fromSync);
    expect(fromSync).toEqual({
      background: { concurrency: 2, maxQueued: 50 },
      jobs: {
        durable: undefined,
        queueName: 'spec-queue',
        attempts: 5,
        backoffMs: 250,
        concurrency: 4,
        keepFailed: 1000,
        keepCompleted: 1000,
        worker: false,
        enqueueTimeoutMs: 2000,
        lockMs: 10_000,
        stalledCheckMs: 2000,
      },
    });
  });

  it('forRootAsync with useClass resolves the same options too', async () => {
    class OptionsFactory {
      create(): TasksModuleOptions {
        return OPTIONS;
      }
    }
    const fromSync = await resolved(TasksModule.forRoot(OPTIONS));
    expect(await resolved(TasksModule.forRootAsync({ useClass: OptionsFactory }))).toEqual(
      fromSync,
    );
  });

  it('is global unless isGlobal is false, and isGlobal stays out of the options', async () => {
    expect(TasksModule.forRoot(OPTIONS).global).toBe(true);
    const local = TasksModule.forRoot({ ...OPTIONS, isGlobal: false });
    expect(local.global).toBe(false);
    expect(await resolved(local)).toEqual(await resolved(TasksModule.forRoot(OPTIONS)));
  });

  it('without LifespanModule Redis, provides the in-process job queue and a task runner', async () => {
    const moduleRef = await compile(TasksModule.forRoot(OPTIONS));
    const jobs = moduleRef.get(JobQueue);
    expect(jobs).toBeInstanceOf(InProcessJobQueue);
    expect(jobs.durable).toBe(false);
    expect(moduleRef.get(TaskRunner).snapshot()).toEqual({
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      refused: 0,
    });
  });

  it('refuses durable jobs without LifespanModule Redis, naming the fix', async () => {
    const compiling = Test.createTestingModule({
      imports: [HTTP, TasksModule.forRoot({ jobs: { ...OPTIONS.jobs, durable: true } })],
    }).compile();
    await expect(compiling).rejects.toMatchObject({
      code: 'TASKS_INVALID_OPTION',
      option: 'tasks.jobs.durable',
      message:
        'tasks.jobs.durable needs a Redis: configure LifespanModule.forRoot({ redis: { url } }) (set REDIS_URL), or set durable: false for the in-process runner',
    });
  });

  it('rejects bad options at compile time, from forRootAsync too', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        HTTP,
        TasksModule.forRootAsync({ useFactory: () => ({ background: { maxQueued: 0 } }) }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(
      'tasks.background.maxQueued must be a whole number from 1 to 1000000; got 0',
    );
  });
});
