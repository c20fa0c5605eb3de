import { Logger } from '@nestjs/common';
import { InProcessJobQueue } from './in-process-job.queue';
import { resolveTasksOptions } from '../options/tasks-options.factory';

describe('InProcessJobQueue', () => {
  describe('without a worker in this process', () => {
    it('holds at most 10,000 pending jobs, then refuses with JOB_QUEUE_FULL', async () => {
      Logger.overrideLogger(false); // its boot warning (not durable) is not the point here
      const queue = new InProcessJobQueue(resolveTasksOptions({ jobs: { worker: false } }).jobs);
      try {
        for (let i = 0; i < 10_000; i++) await queue.enqueue('record', { i });
        await expect(queue.enqueue('record', { i: 10_000 })).rejects.toMatchObject({
          code: 'JOB_QUEUE_FULL',
        });
      } finally {
        await queue.close();
        Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
      }
    });
  });

  describe('with a job id', () => {
    let queue: InProcessJobQueue;
    beforeEach(() => {
      Logger.overrideLogger(false);
      queue = new InProcessJobQueue(resolveTasksOptions({ jobs: { worker: false } }).jobs);
    });
    afterEach(async () => {
      await queue.close();
      Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    });

    it('names the job; a second enqueue with the id is a no-op', async () => {
      await expect(queue.enqueue('record', { n: 1 }, { jobId: 'batch-1' })).resolves.toEqual({
        id: 'batch-1',
        duplicate: false,
      });
      await expect(queue.enqueue('record', { n: 2 }, { jobId: 'batch-1' })).resolves.toEqual({
        id: 'batch-1',
        duplicate: true,
      });
      expect(await queue.get('batch-1')).toMatchObject({ data: { n: 1 }, state: 'waiting' });
    });

    it.each([['a:b'], ['123'], [''], ['x'.repeat(129)]])(
      'refuses the id %j with JOB_INVALID',
      async (jobId) => {
        await expect(queue.enqueue('record', {}, { jobId })).rejects.toMatchObject({
          code: 'JOB_INVALID',
          message:
            'a job id must be 1 to 128 letters, digits, ".", "_" or "-", and not only digits',
        });
      },
    );
  });
});
