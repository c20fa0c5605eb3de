import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BullmqJobQueue, JobQueueUnavailableError } from '@kit/tasks';
import { resolveTasksOptions } from '@kit/tasks/internal';
import { waitFor, OwnRedisServer } from '@kit/testing';
import { redisResourceFor, uniqueQueueName } from './fixtures/job-queues';

// BullMQ on a redis-server of the suite's own: a job active on a worker that died resumes within
// seconds on a restarted worker and its attempt counts the lost one; enqueue() has a deadline.

function kitQueue(redisUrl: string, queueName: string, enqueueTimeoutMs?: number): BullmqJobQueue {
  const { jobs } = resolveTasksOptions({ jobs: { queueName, enqueueTimeoutMs } });
  return new BullmqJobQueue(jobs, redisResourceFor(redisUrl));
}

describe('BullMQ jobs on a redis-server of their own', () => {
  let server: OwnRedisServer;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await OwnRedisServer.start(10_000);
  }, 15_000);
  afterAll(async () => {
    await server.start(10_000).catch(() => undefined);
    for (const o of opened.splice(0).toReversed()) await o.close().catch(() => undefined);
    await server.stop();
  }, 30_000);

  it('a job active on a worker that died runs again soon after a worker starts, as attempt 2', async () => {
    const queueName = uniqueQueueName('stalled');
    const producer = new Redis(server.url, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection: producer });
    opened.push({ close: async () => (await queue.close(), producer.disconnect()) });
    await queue.add('work', { data: { n: 1 }, requestId: randomUUID() }, { jobId: 'job-1' });

    // The worker that dies: takes the job with the kit's lock duration, then its process is gone
    // (connection dropped, the lock is never renewed nor released).
    const { lockMs } = resolveTasksOptions({ jobs: {} }).jobs;
    const doomedConnection = new Redis(server.url, { maxRetriesPerRequest: null });
    const doomed = new Worker(queueName, null, {
      connection: doomedConnection,
      autorun: false,
      lockDuration: lockMs,
    });
    const taken = await doomed.getNextJob('dead-worker-token');
    expect(taken?.id).toBe('job-1');
    await doomed.close(true);
    doomedConnection.disconnect();
    const killedAt = Date.now();

    const jobs = kitQueue(server.url, queueName);
    opened.push(jobs);
    const attempts: number[] = [];
    jobs.register('work', (_data, job) => void attempts.push(job.attempt));
    jobs.start();
    await waitFor(() => attempts.length > 0, {
      timeoutMs: 25_000,
      description: 'the stalled job to run again',
    });
    const resumedAfterMs = Date.now() - killedAt;
    expect(attempts).toEqual([2]);
    // The lock expires after lockMs; one stalled check later it runs (BullMQ's defaults: ~60 s).
    expect(resumedAfterMs).toBeLessThan(lockMs + 10_000);
    await waitFor(async () => (await jobs.get('job-1'))?.state === 'completed', {
      timeoutMs: 5_000,
      description: 'the job to complete',
    });
    // Closed while Redis runs (the next test stops it).
    for (const o of opened.splice(0).toReversed()) await o.close();
  }, 40_000);

  it('enqueue() while Redis is down fails within its deadline with JOB_QUEUE_UNAVAILABLE', async () => {
    const jobs = kitQueue(server.url, uniqueQueueName('deadline'), 500);
    opened.push(jobs);
    jobs.register('work', () => undefined);
    // The first enqueue connects and loads BullMQ's scripts, which on a busy machine can pass the
    // 500 ms deadline under test: it is retried (bounded) before the outage, not measured.
    await waitFor(
      () =>
        jobs.enqueue('work', { n: 0 }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 10_000, description: 'a first enqueue on the fresh Redis' },
    );
    await server.stop();
    const started = Date.now();
    const err = await jobs.enqueue('work', { n: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobQueueUnavailableError);
    expect(err).toMatchObject({
      code: 'JOB_QUEUE_UNAVAILABLE',
      status: 503,
      detail: 'The job queue did not answer within 500 ms; retry shortly.',
      headers: { 'retry-after': '5' },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    await server.start(10_000);
    // Once Redis is back, enqueueing works again (and the queue is closed connected).
    await waitFor(
      () =>
        jobs.enqueue('work', { n: 2 }).then(
          (r) => r.duplicate === false,
          () => false,
        ),
      { timeoutMs: 10_000, description: 'enqueue to work again' },
    );
    for (const o of opened.splice(0).toReversed()) await o.close();
  }, 30_000);
});
