import { Logger } from '@nestjs/common';
import { InProcessJobQueue } from './in-process-job.queue';
import { resolveTasksOptions } from './tasks-options.factory';

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
});
