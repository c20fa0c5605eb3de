import { TasksConfigError } from '../tasks.errors';
import { resolveTasksOptions } from './tasks-options.factory';
import type { TasksModuleOptions } from './tasks-options.interface';

/** The TasksConfigError resolveTasksOptions throws for these options. */
function optionError(raw: unknown): TasksConfigError {
  let thrown: unknown;
  try {
    resolveTasksOptions(raw as TasksModuleOptions);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(TasksConfigError);
  return thrown as TasksConfigError;
}

describe('resolveTasksOptions', () => {
  describe('with no options', () => {
    it('has finite defaults and the in-process runner', () => {
      expect(resolveTasksOptions()).toEqual({
        background: { concurrency: 4, maxQueued: 1000 },
        jobs: {
          durable: undefined,
          queueName: 'kit-jobs',
          attempts: 3,
          backoffMs: 1000,
          concurrency: 4,
          keepFailed: 1000,
          keepCompleted: 1000,
          worker: true,
          enqueueTimeoutMs: 2000,
          lockMs: 10_000,
          stalledCheckMs: 2000,
        },
      });
    });

    it('freezes what it returns', () => {
      const resolved = resolveTasksOptions({});
      expect(Object.isFrozen(resolved)).toBe(true);
      expect(Object.isFrozen(resolved.background)).toBe(true);
      expect(Object.isFrozen(resolved.jobs)).toBe(true);
    });
  });

  describe('with the redisUrl of earlier versions', () => {
    it('fails naming the option and where Redis is configured now', () => {
      const raw = { jobs: { redisUrl: 'redis://127.0.0.1:6379' } } as TasksModuleOptions;
      expect(() => resolveTasksOptions(raw)).toThrow(
        expect.objectContaining({
          code: 'TASKS_INVALID_OPTION',
          message:
            'tasks.jobs.redisUrl is no longer an option: configure Redis once, in LifespanModule.forRoot({ redis: { url } }), and jobs go to BullMQ on it',
        }),
      );
    });
  });

  describe('with every option set', () => {
    it('keeps the given values', () => {
      expect(
        resolveTasksOptions({
          background: { concurrency: 1, maxQueued: 1 },
          jobs: {
            durable: true,
            queueName: 'orders_v2-A',
            attempts: 100,
            backoffMs: 0,
            concurrency: 1000,
            keepFailed: 0,
            keepCompleted: 1_000_000,
            worker: false,
            enqueueTimeoutMs: 60_000,
            lockMs: 1000,
            stalledCheckMs: 100,
          },
        }),
      ).toEqual({
        background: { concurrency: 1, maxQueued: 1 },
        jobs: {
          durable: true,
          queueName: 'orders_v2-A',
          attempts: 100,
          backoffMs: 0,
          concurrency: 1000,
          keepFailed: 0,
          keepCompleted: 1_000_000,
          worker: false,
          enqueueTimeoutMs: 60_000,
          lockMs: 1000,
          stalledCheckMs: 100,
        },
      });
    });
  });

  describe('with an invalid option', () => {
    it.each([
      [
        'background.concurrency 0',
        { background: { concurrency: 0 } },
        'tasks.background.concurrency must be a whole number from 1 to 1000; got 0',
      ],
      [
        'background.concurrency 1.5',
        { background: { concurrency: 1.5 } },
        'tasks.background.concurrency must be a whole number from 1 to 1000; got 1.5',
      ],
      [
        'background.maxQueued 0',
        { background: { maxQueued: 0 } },
        'tasks.background.maxQueued must be a whole number from 1 to 1000000; got 0',
      ],
      [
        'background.maxQueued Infinity (a limit must be finite)',
        { background: { maxQueued: Infinity } },
        'tasks.background.maxQueued must be a whole number from 1 to 1000000; got Infinity',
      ],
      [
        'jobs.durable not a boolean',
        { jobs: { durable: 'yes' } },
        'tasks.jobs.durable must be true or false; got "yes"',
      ],
      [
        'jobs.queueName with a colon (BullMQ key separator)',
        { jobs: { queueName: 'a:b' } },
        'tasks.jobs.queueName must be 1 to 64 letters, digits, "_" or "-"',
      ],
      [
        'jobs.queueName empty',
        { jobs: { queueName: '' } },
        'tasks.jobs.queueName must be 1 to 64 letters, digits, "_" or "-"',
      ],
      [
        'jobs.queueName of 65 characters',
        { jobs: { queueName: 'q'.repeat(65) } },
        'tasks.jobs.queueName must be 1 to 64 letters, digits, "_" or "-"',
      ],
      [
        'jobs.queueName not a string',
        { jobs: { queueName: 42 } },
        'tasks.jobs.queueName must be 1 to 64 letters, digits, "_" or "-"',
      ],
      [
        'jobs.attempts 0',
        { jobs: { attempts: 0 } },
        'tasks.jobs.attempts must be a whole number from 1 to 100; got 0',
      ],
      [
        'jobs.attempts 101',
        { jobs: { attempts: 101 } },
        'tasks.jobs.attempts must be a whole number from 1 to 100; got 101',
      ],
      [
        'jobs.backoffMs -1',
        { jobs: { backoffMs: -1 } },
        'tasks.jobs.backoffMs must be a whole number from 0 to 3600000; got -1',
      ],
      [
        'jobs.backoffMs NaN',
        { jobs: { backoffMs: Number.NaN } },
        'tasks.jobs.backoffMs must be a whole number from 0 to 3600000; got NaN',
      ],
      [
        'jobs.concurrency 0',
        { jobs: { concurrency: 0 } },
        'tasks.jobs.concurrency must be a whole number from 1 to 1000; got 0',
      ],
      [
        'jobs.keepFailed -1',
        { jobs: { keepFailed: -1 } },
        'tasks.jobs.keepFailed must be a whole number from 0 to 1000000; got -1',
      ],
      [
        'jobs.keepCompleted as a string',
        { jobs: { keepCompleted: '10' } },
        'tasks.jobs.keepCompleted must be a whole number from 0 to 1000000; got 10',
      ],
      [
        'jobs.worker as a string',
        { jobs: { worker: 'yes' } },
        'tasks.jobs.worker must be true or false; got "yes"',
      ],
      [
        'jobs.enqueueTimeoutMs 0 (enqueueing must have a deadline)',
        { jobs: { enqueueTimeoutMs: 0 } },
        'tasks.jobs.enqueueTimeoutMs must be a whole number from 1 to 60000; got 0',
      ],
      [
        'jobs.lockMs 999',
        { jobs: { lockMs: 999 } },
        'tasks.jobs.lockMs must be a whole number from 1000 to 3600000; got 999',
      ],
      [
        'jobs.stalledCheckMs Infinity',
        { jobs: { stalledCheckMs: Infinity } },
        'tasks.jobs.stalledCheckMs must be a whole number from 100 to 3600000; got Infinity',
      ],
    ])('%s: the error names the option', (_, raw, message) => {
      const err = optionError(raw);
      expect(err.message).toBe(message);
      expect(err.code).toBe('TASKS_INVALID_OPTION');
      expect(err.option).toBe(message.split(' ')[0]);
      expect(err.name).toBe('TasksConfigError');
    });
  });
});
