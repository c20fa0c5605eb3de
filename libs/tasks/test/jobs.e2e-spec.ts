import { randomUUID } from 'node:crypto';
import { type JobInfo, type JobOptions, JobQueue } from '@kit/tasks';
import { createTestApp, type TestApp, waitFor } from '@kit/testing';
import { JobsFixtureModule, JobsFixtureState } from './fixtures/tasks-jobs.module';
import { obliterateQueue, jobQueueKinds, uniqueQueueName } from './fixtures/job-queues';

// Durable jobs, the same API in process and on BullMQ (real Redis): retries with exponential
// backoff, failed jobs kept after the last attempt, idempotency keys, the enqueuer's request id,
// graceful close; on BullMQ, survival across a restart.

const BACKOFF_MS = 40;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const KINDS = jobQueueKinds();

const queue = (t: TestApp): JobQueue => t.app.get(JobQueue);

async function settled(t: TestApp, id: string): Promise<JobInfo> {
  return waitFor(
    async () => {
      const job = await queue(t).get(id);
      return job && (job.state === 'completed' || job.state === 'failed') ? job : undefined;
    },
    { timeoutMs: 10_000, description: `job ${id} to complete or fail` },
  );
}

describe.each(KINDS)('jobs ($name)', (kind) => {
  let queueName: string;
  const apps: { t: TestApp; state: JobsFixtureState }[] = [];

  async function boot(jobs: JobOptions = {}): Promise<{ t: TestApp; state: JobsFixtureState }> {
    const state = new JobsFixtureState();
    const t = await createTestApp(
      JobsFixtureModule.forRoot(
        state,
        { attempts: 3, backoffMs: BACKOFF_MS, ...(kind.url && { queueName }), ...jobs },
        kind.url,
      ),
    );
    const booted = { t, state };
    apps.push(booted);
    return booted;
  }

  beforeEach(() => {
    queueName = uniqueQueueName('jobs');
  });
  afterEach(async () => {
    for (const { t, state } of apps.splice(0)) {
      state.openAll();
      await t.close();
    }
    if (kind.url) await obliterateQueue(kind.url, queueName);
  });

  it('retries a failing job with exponential backoff, then it succeeds', async () => {
    const { t, state } = await boot();
    const { id, duplicate } = await queue(t).enqueue('flaky', { key: 'f', failTimes: 2 });
    expect(duplicate).toBe(false);
    const job = await settled(t, id);
    expect(job).toMatchObject({ id, name: 'flaky', data: { key: 'f', failTimes: 2 } });
    expect(job.state).toBe('completed');
    const attempts = state.of('f');
    expect(attempts.map((a) => [a.id, a.attempt])).toEqual([
      [id, 1],
      [id, 2],
      [id, 3],
    ]);
    // base, then 2 × base (timers never fire early; allow 2 ms of clock rounding).
    const [a1, a2, a3] = attempts.map((a) => a.at) as [number, number, number];
    expect(a2 - a1).toBeGreaterThanOrEqual(BACKOFF_MS - 2);
    expect(a3 - a2).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 2);
    // Each attempt is its own unit of work: the failed ones rolled back, the last committed.
    expect(state.resource).toEqual(['rollback f#1', 'rollback f#2', 'commit f#3']);
    const warnings = t.logs.lines.filter((l) => l.context === 'Jobs' && l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        `job flaky ${id} attempt 1/3 failed: flaky f attempt 1`,
        `job flaky ${id} attempt 2/3 failed: flaky f attempt 2`,
      ]),
    );
    expect(await queue(t).failed()).toEqual([]);
  });

  it('keeps a job that failed its last attempt, for inspection', async () => {
    const { t, state } = await boot();
    const { id } = await queue(t).enqueue('always-fails', { key: 'dead' });
    const job = await settled(t, id);
    expect(job).toEqual({
      id,
      name: 'always-fails',
      data: { key: 'dead' },
      state: 'failed',
      attemptsMade: 3,
      failedReason: 'always-fails dead attempt 3',
    });
    expect(state.of('dead').map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(await queue(t).failed()).toEqual([job]);
    // Nothing retries it after the last attempt.
    const other = await queue(t).enqueue('record', { key: 'later' });
    await settled(t, other.id);
    expect(state.of('dead')).toHaveLength(3);
  });

  it('honours per-job attempts', async () => {
    const { t, state } = await boot();
    const { id } = await queue(t).enqueue('always-fails', { key: 'once' }, { attempts: 1 });
    expect(await settled(t, id)).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(state.of('once').map((a) => a.attempt)).toEqual([1]);
  });

  it('an idempotency key yields one job, however often it is enqueued', async () => {
    const { t, state } = await boot();
    const key = `idem-${randomUUID()}`;
    const first = await queue(t).enqueue('record', { key }, { idempotencyKey: key });
    const second = await queue(t).enqueue('record', { key }, { idempotencyKey: key });
    expect(first).toEqual({ id: expect.stringMatching(UUID), duplicate: false });
    expect(second).toEqual({ id: first.id, duplicate: true });
    expect((await settled(t, first.id)).state).toBe('completed');
    // Still known after completion (while kept): no second run.
    const third = await queue(t).enqueue('record', { key }, { idempotencyKey: key });
    expect(third).toEqual({ id: first.id, duplicate: true });
    const otherKey = await queue(t).enqueue('record', { key }, { idempotencyKey: `${key}-2` });
    expect(otherKey.duplicate).toBe(false);
    expect(otherKey.id).not.toBe(first.id);
    await settled(t, otherKey.id);
    expect(state.of(key).map((a) => a.id)).toEqual([first.id, otherKey.id]);
  });

  it("a job runs in the enqueuing request's context: its request id, on its log lines", async () => {
    const { t, state } = await boot();
    const requestId = `enqueue-${randomUUID()}`;
    const res = await fetch(`${t.url}/jobs/record/ctx`, {
      method: 'POST',
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; duplicate: boolean };
    expect(body).toEqual({ id: expect.any(String), duplicate: false });
    expect((await settled(t, body.id)).state).toBe('completed');
    expect(state.of('ctx')).toEqual([
      expect.objectContaining({ requestId, contextRequestId: requestId, attempt: 1 }),
    ]);
    const line = t.logs.lines.find((l) => l.context === 'FixtureJob' && l.msg === 'recorded ctx');
    expect(line?.reqId).toBe(requestId);
  });

  it('a job without a handler fails at once, without retries', async () => {
    const { t } = await boot();
    const { id } = await queue(t).enqueue('nobody-handles-this', { x: 1 });
    expect(await settled(t, id)).toEqual({
      id,
      name: 'nobody-handles-this',
      data: { x: 1 },
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'no handler registered for job "nobody-handles-this"',
    });
  });

  it('close() lets the active job finish, then refuses new jobs', async () => {
    const { t, state } = await boot();
    const jobs = queue(t);
    const { id } = await jobs.enqueue('gated', { key: 'active' });
    await waitFor(() => state.of('active').length === 1, {
      timeoutMs: 5_000,
      description: 'the job to start',
    });
    let closed = false;
    const closing = jobs.close().then(() => (closed = true));
    await expect(jobs.enqueue('record', { key: 'too-late' })).rejects.toMatchObject({
      code: 'SHUTTING_DOWN',
      status: 503,
    });
    expect(closed).toBe(false);
    state.gate('active').open();
    await closing;
    const line = t.logs.lines.find((l) => l.msg === 'gated active finished');
    expect(line).toBeDefined();
    expect(state.of('active').map((a) => a.id)).toEqual([id]);
    expect(state.of('too-late')).toEqual([]);
  });

  if (kind.name === 'in-process') {
    it('says at boot that it is not durable', async () => {
      const { t } = await boot();
      expect(queue(t).durable).toBe(false);
      expect(t.logs.lines.filter((l) => l.context === 'Jobs').map((l) => [l.level, l.msg])).toEqual(
        [
          [
            40,
            'jobs run in process and are NOT durable: queued jobs are lost on exit; set REDIS_URL to use BullMQ',
          ],
        ],
      );
    });

    it('logs the jobs it drops at close (not durable)', async () => {
      const { t } = await boot({ backoffMs: 60_000 });
      const { id } = await queue(t).enqueue('always-fails', { key: 'dropped' });
      await waitFor(async () => (await queue(t).get(id))?.state === 'delayed', {
        timeoutMs: 5_000,
        description: 'the retry wait',
      });
      await t.close();
      expect(t.logs.lines.map((l) => l.msg)).toContain(
        '1 queued in-process job(s) were not run (not durable)',
      );
    });
  }

  if (kind.name === 'bullmq') {
    it('is durable: no in-process warning', async () => {
      const { t } = await boot();
      expect(queue(t).durable).toBe(true);
      expect(t.logs.text()).not.toContain('NOT durable');
    });

    it('a job enqueued by an instance without a worker survives its restart and runs exactly once', async () => {
      const a = await boot({ worker: false });
      const key = `restart-${randomUUID()}`;
      const enqueued = await queue(a.t).enqueue('record', { key }, { idempotencyKey: key });
      expect(enqueued.duplicate).toBe(false);
      expect(await queue(a.t).get(enqueued.id)).toMatchObject({ state: 'waiting' });
      await a.t.close();
      expect(a.state.attempts).toEqual([]);

      const b = await boot();
      const job = await settled(b.t, enqueued.id);
      expect(job).toMatchObject({ id: enqueued.id, name: 'record', state: 'completed' });
      expect(b.state.of(key).map((x) => [x.id, x.attempt])).toEqual([[enqueued.id, 1]]);
      // A second instance on the same queue does not run it again.
      const c = await boot();
      const marker = await queue(c.t).enqueue('record', { key: `${key}-marker` });
      await settled(c.t, marker.id);
      expect([...b.state.of(key), ...c.state.of(key)]).toHaveLength(1);
      // And enqueuing it again is recognised as a duplicate.
      expect(await queue(c.t).enqueue('record', { key }, { idempotencyKey: key })).toEqual({
        id: enqueued.id,
        duplicate: true,
      });
    });

    it('a job enqueued while no worker runs waits; retries resume on the next instance', async () => {
      const a = await boot({ worker: false });
      const { id } = await queue(a.t).enqueue('flaky', { key: 'resume', failTimes: 1 });
      await a.t.close();
      const b = await boot();
      expect((await settled(b.t, id)).state).toBe('completed');
      expect(b.state.of('resume').map((x) => x.attempt)).toEqual([1, 2]);
    });
  }
});
