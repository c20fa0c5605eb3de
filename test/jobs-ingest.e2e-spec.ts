import { randomUUID } from 'node:crypto';
import { JobQueue } from '@kit/tasks';
import { createApiKey, Closer, databaseVariants, waitFor, serviceUrl } from '@kit/testing';
import {
  bootTasksService,
  call,
  obliterateQueue,
  type TasksService,
  uniqueQueueName,
  UUID,
} from './fixtures/tasks-service';

// POST /ingest/events → 202 {accepted, job_id}; an `ingest.process` job per batch marks the
// batch's events processed, on SQLite and PostgreSQL, in process and on BullMQ.

const redisUrl = serviceUrl('redis');
const QUEUES: { queue: string; url?: string }[] = [
  { queue: 'in-process' },
  ...(redisUrl ? [{ queue: 'bullmq', url: redisUrl }] : []),
];
const CASES = databaseVariants().flatMap((variant) => QUEUES.map((q) => ({ ...q, variant })));

describe.each(CASES)('ingest on $variant.name with $queue jobs', ({ variant, url }) => {
  let s: TasksService;
  let apiKey: string;
  const queueName = uniqueQueueName('ingest');
  const closer = new Closer();

  beforeAll(async () => {
    s = await closer.adopt(bootTasksService(variant, 'ingest', { redisUrl: url, queueName }));
    apiKey = (await createApiKey(s.t.app, 'ingest test')).key;
  });
  afterAll(async () => {
    await closer.closeAll();
    if (url) await obliterateQueue(url, queueName);
  });

  const eventsOfType = (type: string) =>
    s.kysely
      .selectFrom('events')
      .select(['seq', 'status', 'processed_at', 'payload'])
      .where('type', '=', type)
      .orderBy('seq')
      .execute();

  it('a batch is accepted with 202 and its events end up processed by the job', async () => {
    const type = `t-${randomUUID()}`;
    const started = Date.now();
    const res = await call(s, '/ingest/events', {
      apiKey,
      json: {
        events: [
          { type, payload: { n: 1 } },
          { type, payload: { n: 2, nested: { ok: true } } },
          { type, payload: {} },
        ],
      },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; job_id: string };
    expect(body).toEqual({ accepted: 3, job_id: expect.stringMatching(UUID) });

    const rows = await waitFor(
      async () => {
        const found = await eventsOfType(type);
        return found.length === 3 && found.every((r) => r.status === 'processed')
          ? found
          : undefined;
      },
      { timeoutMs: 10_000, description: 'the batch to be processed' },
    );
    expect(rows.map((r) => [r.seq, r.status, JSON.parse(r.payload)])).toEqual([
      [0, 'processed', { n: 1 }],
      [1, 'processed', { n: 2, nested: { ok: true } }],
      [2, 'processed', {}],
    ]);
    for (const r of rows) {
      expect(r.processed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(String(r.processed_at))).toBeGreaterThanOrEqual(started - 1_000);
    }
    // BullMQ marks the job completed after the processor returned: a moment after the rows.
    const job = await waitFor(
      async () => {
        const found = await s.t.app.get(JobQueue).get(body.job_id);
        return found?.state !== 'active' && found;
      },
      { timeoutMs: 5_000, description: `job ${body.job_id} to leave the active state` },
    );
    expect(job).toMatchObject({ id: body.job_id, name: 'ingest.process', state: 'completed' });
    const log = s.t.logs.lines.find(
      (l) =>
        l.context === 'IngestProcessor' &&
        String(l.msg).endsWith(': 3 event(s) processed (attempt 1)'),
    );
    expect(log?.reqId).toBe(res.headers.get('x-request-id'));
  });

  it('two batches get two jobs; each processes only its own events', async () => {
    const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
    const ids: string[] = [];
    for (const type of [a, b]) {
      const res = await call(s, '/ingest/events', {
        apiKey,
        json: { events: [{ type, payload: { type } }] },
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    expect(new Set(ids).size).toBe(2);
    for (const type of [a, b]) {
      await waitFor(
        async () => {
          const rows = await eventsOfType(type);
          return rows.length === 1 && rows[0]?.status === 'processed' ? true : undefined;
        },
        { timeoutMs: 10_000, description: `batch ${type} to be processed` },
      );
    }
  });

  it('without an API key: 401, and nothing is stored', async () => {
    const type = `nokey-${randomUUID()}`;
    const res = await call(s, '/ingest/events', { json: { events: [{ type, payload: {} }] } });
    expect(res.status).toBe(401);
    expect(await eventsOfType(type)).toEqual([]);
  });
});
