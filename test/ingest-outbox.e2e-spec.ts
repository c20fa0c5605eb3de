import { randomUUID } from 'node:crypto';
import { JobQueue } from '@kit/tasks';
import {
  createApiKey,
  waitFor,
  waitForLog,
  databaseVariants,
  type TestDatabase,
  expectProblem,
  serviceUrl,
  OwnRedisServer,
} from '@kit/testing';
import {
  bootTasksService,
  obliterateQueue,
  type TasksService,
  uniqueQueueName,
  UUID,
} from './fixtures/tasks-service';

// A stored batch always gets its job (the transactional outbox): after a crash between the
// commit and the enqueue, and while Redis is down; a retried request with its Idempotency-Key
// gets the first answer and stores nothing new.

const redisUrl = serviceUrl('redis');

/** The batch's events with their status. */
function statuses(s: TasksService, batchId: string): Promise<string[]> {
  return s.kysely
    .selectFrom('events')
    .select('status')
    .where('batch_id', '=', batchId)
    .orderBy('seq')
    .execute()
    .then((rows) => rows.map((r) => r.status));
}

async function countEvents(s: TasksService, type: string): Promise<number> {
  const row = await s.kysely
    .selectFrom('events')
    .select(s.kysely.fn.countAll().as('n'))
    .where('type', '=', type)
    .executeTakeFirst();
  return Number(row?.n);
}

async function ingest(
  s: TasksService,
  apiKey: string,
  events: unknown[],
  idempotencyKey?: string,
): Promise<Response> {
  return fetch(`${s.url}/ingest/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': apiKey,
      ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify({ events }),
    // The request must not wait for the job queue: well under its 30 s timeout.
    signal: AbortSignal.timeout(5_000),
  });
}

describe.each(databaseVariants())('ingest outbox on $name', (variant) => {
  describe('a crash after the commit, before the job was enqueued', () => {
    const queueName = uniqueQueueName('outbox');
    let first: TasksService | undefined;
    let second: TasksService | undefined;

    let db: TestDatabase | undefined;

    afterAll(async () => {
      await first?.close();
      await second?.close();
      await db?.drop();
      if (redisUrl) await obliterateQueue(redisUrl, queueName);
    }, 20_000);

    it('the next boot on the same database enqueues the job, which processes the batch', async () => {
      const url = redisUrl;
      // First boot: the relay and the sweeper are off, so the batch stays exactly as a crash
      // right after its commit leaves it: stored, job never enqueued.
      db = await variant.create('outbox');
      first = await bootTasksService(variant, 'outbox', {
        redisUrl: url,
        queueName,
        db,
        ingest: { relay: false, sweepIntervalMs: 0 },
      });
      const apiKey = (await createApiKey(first.t.app, 'outbox')).key;
      const type = `crash-${randomUUID()}`;
      const res = await ingest(first, apiKey, [{ type, payload: { n: 1 } }]);
      expect(res.status).toBe(202);
      const { job_id: batchId } = (await res.json()) as { job_id: string };
      expect(batchId).toMatch(UUID);
      expect(await statuses(first, batchId)).toEqual(['pending']);
      expect(await first.t.app.get(JobQueue).get(batchId)).toBeNull();
      await first.close(); // keeps the database it was given
      first = undefined;

      // Second boot on the same database: its sweeper finds the batch at boot.
      second = await bootTasksService(variant, 'outbox', {
        redisUrl: url,
        queueName,
        db,
        ingest: { sweepAfterMs: 0, sweepIntervalMs: 60_000 },
      });
      const done = await waitFor(
        async () => ((await statuses(second!, batchId))[0] === 'processed' ? true : undefined),
        { timeoutMs: 10_000, description: 'the swept batch to be processed' },
      );
      expect(done).toBe(true);
      // The batch commits inside the job, just before BullMQ records the job completed.
      const jobs = second.t.app.get(JobQueue);
      const job = await waitFor(
        async () => {
          const found = await jobs.get(batchId);
          return found?.state === 'completed' ? found : undefined;
        },
        { timeoutMs: 5_000, description: 'the job to be completed' },
      );
      expect(job).toMatchObject({ id: batchId, name: 'ingest.process', attemptsMade: 1 });
      const outbox = await second.kysely.selectFrom('ingest_outbox').selectAll().execute();
      expect(outbox).toEqual([]);
    }, 40_000);
  });

  describe('Idempotency-Key', () => {
    let s: TasksService;
    let apiKey: string;

    beforeAll(async () => {
      s = await bootTasksService(variant, 'idem');
      apiKey = (await createApiKey(s.t.app, 'idem')).key;
    }, 20_000);
    afterAll(() => s?.close(), 20_000);

    it('a retry with the same key and batch gets the first answer and stores nothing', async () => {
      const type = `idem-${randomUUID()}`;
      const key = `k-${randomUUID()}`;
      const events = [
        { type, payload: { n: 1 } },
        { type, payload: { n: 2 } },
      ];
      const a = await ingest(s, apiKey, events, key);
      expect(a.status).toBe(202);
      expect(a.headers.get('idempotent-replayed')).toBeNull();
      const first = (await a.json()) as { accepted: number; job_id: string };
      expect(first).toEqual({ accepted: 2, job_id: expect.stringMatching(UUID) });
      const b = await ingest(s, apiKey, events, key);
      expect(b.status).toBe(202);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(await b.json()).toEqual(first);
      expect(await countEvents(s, type)).toBe(2);
    }, 10_000);

    it('concurrent retries store one batch and all get its answer', async () => {
      const type = `race-${randomUUID()}`;
      const key = `race-${randomUUID()}`;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => ingest(s, apiKey, [{ type, payload: {} }], key)),
      );
      const bodies = await Promise.all(responses.map((r) => r.json() as Promise<unknown>));
      expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      expect(await countEvents(s, type)).toBe(1);
    }, 10_000);

    it('another batch under a used key is 422 IDEMPOTENCY_KEY_REUSED, nothing stored', async () => {
      const type = `reuse-${randomUUID()}`;
      const key = `reuse-${randomUUID()}`;
      expect((await ingest(s, apiKey, [{ type, payload: { n: 1 } }], key)).status).toBe(202);
      const res = await ingest(s, apiKey, [{ type, payload: { n: 2 } }], key);
      const body = await expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(body.detail).toBe(
        'This Idempotency-Key was already used with a different batch; use a new key for new events.',
      );
      expect(await countEvents(s, type)).toBe(1);
    }, 10_000);

    it('the same key under another API key is another batch', async () => {
      const other = (await createApiKey(s.t.app, 'idem other')).key;
      const type = `keys-${randomUUID()}`;
      const key = `shared-${randomUUID()}`;
      const a = (await (await ingest(s, apiKey, [{ type, payload: {} }], key)).json()) as {
        job_id: string;
      };
      const res = await ingest(s, other, [{ type, payload: {} }], key);
      expect(res.status).toBe(202);
      expect(((await res.json()) as { job_id: string }).job_id).not.toBe(a.job_id);
      expect(await countEvents(s, type)).toBe(2);
    }, 10_000);

    it('the OpenAPI document describes the header, the replay and the 422', async () => {
      const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
        paths: Record<string, { post: Record<string, unknown> }>;
      };
      const op = doc.paths['/ingest/events']!.post as {
        parameters: { name: string; in: string; required: boolean }[];
        responses: Record<string, { headers?: Record<string, unknown> }>;
      };
      expect(op.parameters).toContainEqual(
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
      );
      expect(op.responses['202']?.headers).toHaveProperty('Idempotent-Replayed');
      expect(op.responses['422']).toBeDefined();
    }, 10_000);

    it.each([
      ['with a space', 'a b'],
      ['of 129 characters', 'k'.repeat(129)],
      ['sent twice (comma-joined)', 'a, b'],
    ])(
      'a key %s is 400 IDEMPOTENCY_KEY_INVALID, nothing stored',
      async (_n, key) => {
        const type = `bad-${randomUUID()}`;
        const res = await ingest(s, apiKey, [{ type, payload: {} }], key);
        const body = await expectProblem(res, 400, 'IDEMPOTENCY_KEY_INVALID');
        expect(body.detail).toMatch(/^The Idempotency-Key header must be 1 to 128 letters/);
        expect(await countEvents(s, type)).toBe(0);
      },
      10_000,
    );
  });
});

describe('ingest while Redis is down (a redis-server of its own)', () => {
  let server: OwnRedisServer | undefined;
  let s: TasksService | undefined;

  afterAll(async () => {
    await server?.start(10_000).catch(() => undefined);
    await s?.close();
    await server?.stop();
  }, 30_000);

  it('answers 202 at once and the job runs once Redis is back', async () => {
    server = await OwnRedisServer.start(10_000);
    s = await bootTasksService(databaseVariants()[0]!, 'outage', {
      redisUrl: server.url,
      ingest: { sweepAfterMs: 0, sweepIntervalMs: 200 },
    });
    const apiKey = (await createApiKey(s.t.app, 'outage')).key;
    await server.stop();

    const type = `outage-${randomUUID()}`;
    const res = await ingest(s, apiKey, [{ type, payload: {} }]);
    expect(res.status).toBe(202);
    const { job_id: batchId } = (await res.json()) as { job_id: string };
    expect(await statuses(s, batchId)).toEqual(['pending']);
    // The relay gives up after the queue's deadline; from then on the sweeper has the batch.
    const service = s;
    await waitForLog(
      service.t.logs,
      (l) => l.context === 'IngestOutbox' && String(l.msg).startsWith(`batch ${batchId} stored`),
      { timeoutMs: 10_000 },
    );

    await server.start(10_000);
    await waitFor(
      async () => ((await statuses(service, batchId))[0] === 'processed' ? true : undefined),
      { timeoutMs: 20_000, description: 'the batch stored during the outage to be processed' },
    );
  }, 45_000);
});
