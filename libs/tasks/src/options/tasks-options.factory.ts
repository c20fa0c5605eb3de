import { intOption, type OptionErrorFactory } from '@kit/http';
import { TasksConfigError } from '../tasks.errors';
import type { ResolvedTasksOptions, TasksModuleOptions } from './tasks-options.interface';

/** Resolves and validates `TasksModule` options once; nothing else reads the raw ones. */
export function resolveTasksOptions(raw: TasksModuleOptions = {}): ResolvedTasksOptions {
  const b = raw.background ?? {};
  const j = raw.jobs ?? {};
  if ('redisUrl' in j)
    throw new TasksConfigError(
      'tasks.jobs.redisUrl',
      'is no longer an option: configure Redis once, in LifespanModule.forRoot({ redis: { url } }), and jobs go to BullMQ on it',
    );
  const queueName = j.queueName ?? 'kit-jobs';
  if (typeof queueName !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(queueName))
    throw new TasksConfigError(
      'tasks.jobs.queueName',
      'must be 1 to 64 letters, digits, "_" or "-"',
    );
  return Object.freeze({
    background: Object.freeze({
      concurrency: int('tasks.background.concurrency', b.concurrency ?? 4, 1, 1_000),
      maxQueued: int('tasks.background.maxQueued', b.maxQueued ?? 1_000, 1, 1_000_000),
    }),
    jobs: Object.freeze({
      durable: j.durable === undefined ? undefined : bool('tasks.jobs.durable', j.durable),
      queueName,
      attempts: int('tasks.jobs.attempts', j.attempts ?? 3, 1, 100),
      backoffMs: int('tasks.jobs.backoffMs', j.backoffMs ?? 1_000, 0, 3_600_000),
      concurrency: int('tasks.jobs.concurrency', j.concurrency ?? 4, 1, 1_000),
      keepFailed: int('tasks.jobs.keepFailed', j.keepFailed ?? 1_000, 0, 1_000_000),
      keepCompleted: int('tasks.jobs.keepCompleted', j.keepCompleted ?? 1_000, 0, 1_000_000),
      worker: bool('tasks.jobs.worker', j.worker ?? true),
      enqueueTimeoutMs: int('tasks.jobs.enqueueTimeoutMs', j.enqueueTimeoutMs ?? 2_000, 1, 60_000),
      lockMs: int('tasks.jobs.lockMs', j.lockMs ?? 10_000, 1_000, 3_600_000),
      stalledCheckMs: int('tasks.jobs.stalledCheckMs', j.stalledCheckMs ?? 2_000, 100, 3_600_000),
    }),
  });
}

const configError: OptionErrorFactory = (option, problem) => new TasksConfigError(option, problem);

function int(option: string, value: number, min: number, max: number): number {
  return intOption(configError, option, value, min, max);
}

function bool(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new TasksConfigError(option, `must be true or false; got ${JSON.stringify(value)}`);
  return value;
}
