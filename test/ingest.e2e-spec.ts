import { KYSELY } from '@kit/lifespan';
import { createApiKey, Closer, databaseVariants, expectProblem } from '@kit/testing';
import type { Kysely } from 'kysely';
import type { Schema } from '../src/database/schema';
import { rawHttp, rawRequest } from './support/auth-raw-http';
import {
  adminToken,
  bootService,
  call,
  registerAndLogin,
  type Service,
  UUID,
} from './support/auth-service';

// POST /ingest/events with X-API-Key: 202 with a key, 401 without, 403 with anything that is
// not exactly a live key — never a 5xx.

const EVENTS = {
  events: [
    { type: 'page_view', payload: { path: '/', n: 1 } },
    { type: 'signup.completed', payload: { plan: 'pro', tags: ['a', 'b'] } },
  ],
};

const MISSING_KEY = {
  type: 'urn:problem:auth-api-key-missing',
  title: 'Unauthorized',
  status: 401,
  detail: 'This route needs an API key in the X-API-Key header.',
  error: 'AUTH_API_KEY_MISSING',
};
const INVALID_KEY = {
  type: 'urn:problem:auth-api-key-invalid',
  title: 'Forbidden',
  status: 403,
  detail: 'The API key is invalid, revoked or lacks the scope this route needs.',
  error: 'AUTH_API_KEY_INVALID',
};

/** Flips one character of the key's secret part (never the prefix). */
function oneOff(key: string, at: number): string {
  const i = key.length - 1 - at;
  const c = key[i];
  return key.slice(0, i) + (c === 'A' ? 'B' : 'A') + key.slice(i + 1);
}

async function expectInvalidKey(res: Response): Promise<void> {
  const body = await expectProblem(res, 403, 'AUTH_API_KEY_INVALID');
  expect(body).toEqual({ ...INVALID_KEY, request_id: res.headers.get('x-request-id') });
}

describe.each(databaseVariants())('ingest on $name', (variant) => {
  let s: Service;
  let key: string;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'ingest'));
    const created = await createApiKey(s.t.app, 'ingest e2e');
    key = created.key;
  });
  afterAll(() => closer.closeAll());

  function rawIngest(apiKeyLines: (string | Buffer)[]): Buffer {
    const body = JSON.stringify(EVENTS);
    return rawRequest(
      [
        'POST /ingest/events HTTP/1.1',
        `Host: 127.0.0.1:${s.t.port}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        ...apiKeyLines,
      ],
      body,
    );
  }

  const db = (): Kysely<Schema> => s.t.app.get<Kysely<Schema>>(KYSELY);

  describe('with a live key', () => {
    it('accepts the batch: 202 {accepted, job_id} and stores every event with its key', async () => {
      const fresh = await createApiKey(s.t.app, 'store check');
      const res = await call(s, '/ingest/events', { apiKey: fresh.key, json: EVENTS });
      expect(res.status).toBe(202);
      expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
      const body = (await res.json()) as { accepted: number; job_id: string };
      expect(body).toEqual({ accepted: 2, job_id: expect.any(String) });
      expect(body.job_id.length).toBeGreaterThan(0);
      const rows = await db()
        .selectFrom('events')
        .select(['batch_id', 'seq', 'type', 'payload', 'api_key_id', 'status'])
        .where('api_key_id', '=', fresh.id)
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }))).toEqual([
        {
          batch_id: expect.stringMatching(UUID),
          seq: 0,
          type: 'page_view',
          payload: { path: '/', n: 1 },
          api_key_id: fresh.id,
          status: expect.stringMatching(/^(pending|processed)$/),
        },
        {
          batch_id: rows[0]?.batch_id,
          seq: 1,
          type: 'signup.completed',
          payload: { plan: 'pro', tags: ['a', 'b'] },
          api_key_id: fresh.id,
          status: expect.stringMatching(/^(pending|processed)$/),
        },
      ]);
    });

    it('gives every batch its own job id', async () => {
      const a = (await (await call(s, '/ingest/events', { apiKey: key, json: EVENTS })).json()) as {
        job_id: string;
      };
      const b = (await (await call(s, '/ingest/events', { apiKey: key, json: EVENTS })).json()) as {
        job_id: string;
      };
      expect(a.job_id).not.toBe(b.job_id);
    });

    it.each([
      ['no events', { events: [] }, 'events'],
      ['events that is not an array', { events: {} }, 'events'],
      ['an event without type', { events: [{ payload: {} }] }, 'events.0.type'],
      ['an event type with a space', { events: [{ type: 'a b', payload: {} }] }, 'events.0.type'],
      [
        'a payload that is not an object',
        { events: [{ type: 'a', payload: 'x' }] },
        'events.0.payload',
      ],
      [
        '1001 events',
        { events: Array.from({ length: 1001 }, () => ({ type: 'a', payload: {} })) },
        'events',
      ],
    ])('with %s → 400 VALIDATION_FAILED, nothing stored', async (_n, json, field) => {
      const before = await db()
        .selectFrom('events')
        .select(db().fn.countAll().as('n'))
        .executeTakeFirst();
      const res = await call(s, '/ingest/events', { apiKey: key, json });
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        extensions: { errors: expect.any(Array) },
      });
      expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      const after = await db()
        .selectFrom('events')
        .select(db().fn.countAll().as('n'))
        .executeTakeFirst();
      expect(Number(after?.n)).toBe(Number(before?.n));
    });
  });

  describe('without a key', () => {
    it('is 401 AUTH_API_KEY_MISSING', async () => {
      const res = await call(s, '/ingest/events', { json: EVENTS });
      const body = await expectProblem(res, 401, 'AUTH_API_KEY_MISSING');
      expect(body).toEqual({ ...MISSING_KEY, request_id: res.headers.get('x-request-id') });
    });

    it('a bearer token (even an admin one) is no API key: 401', async () => {
      const { tokens } = await registerAndLogin(s);
      for (const token of [tokens.access_token, await adminToken(s)]) {
        const res = await call(s, '/ingest/events', { token, json: EVENTS });
        await expectProblem(res, 401, 'AUTH_API_KEY_MISSING');
      }
    });
  });

  describe('near misses are 403, never 5xx', () => {
    const cases: [string, () => string][] = [
      ['the last character changed', () => oneOff(key, 0)],
      ['a middle character of the secret changed', () => oneOff(key, 20)],
      ['the prefix only', () => key.slice(0, 'kit_'.length + 8)],
      ['the prefix and its separator', () => key.slice(0, 'kit_'.length + 9)],
      ['an extra character', () => `${key}A`],
      ['one character missing', () => key.slice(0, -1)],
      ['upper-cased', () => key.toUpperCase()],
      ['lower-cased', () => key.toLowerCase()],
      ['the right prefix with another secret', () => `${key.slice(0, 13)}${'A'.repeat(43)}`],
      ['the right secret with another prefix', () => `kit_AAAAAAAA${key.slice(12)}`],
      ['10 KB', () => 'k'.repeat(10_240)],
      ['10 KB starting with the key', () => key + 'k'.repeat(10_240)],
      ['an empty value', () => ''],
      ['the key twice, comma-joined', () => `${key}, ${key}`],
      ['the key as a bearer value', () => `Bearer ${key}`],
    ];

    it.each(cases)('%s', async (_n, make) => {
      await expectInvalidKey(await call(s, '/ingest/events', { apiKey: make(), json: EVENTS }));
    });

    it('the raw request helper does send a working key (self-check)', async () => {
      const res = await rawHttp(s.t.port, rawIngest([`X-API-Key: ${key}`]));
      expect(res.status).toBe(202);
    });

    it.each([
      [
        'UTF-8 "é" in place of a character',
        () => Buffer.from(`X-API-Key: ${key.slice(0, -1)}é`, 'utf8'),
      ],
      [
        'a raw 0xFF byte appended',
        () => Buffer.concat([Buffer.from(`X-API-Key: ${key}`), Buffer.from([0xff])]),
      ],
      [
        'only non-ASCII bytes',
        () =>
          Buffer.concat([
            Buffer.from('X-API-Key: '),
            Buffer.from([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0x80]),
          ]),
      ],
    ])('non-ASCII bytes sent raw: %s', async (_n, line) => {
      const res = await rawHttp(s.t.port, rawIngest([line()]));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({
        ...INVALID_KEY,
        request_id: res.headers['x-request-id'],
      });
    });

    it('a duplicate X-API-Key header sent raw (the valid key twice)', async () => {
      const res = await rawHttp(s.t.port, rawIngest([`X-API-Key: ${key}`, `X-API-Key: ${key}`]));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({
        ...INVALID_KEY,
        request_id: res.headers['x-request-id'],
      });
    });

    it('a duplicate X-API-Key header sent raw (a bad value, then the valid key)', async () => {
      const res = await rawHttp(s.t.port, rawIngest(['X-API-Key: nope', `X-API-Key: ${key}`]));
      expect(res.status).toBe(403);
    });

    it('the key still works after all the near misses', async () => {
      expect((await call(s, '/ingest/events', { apiKey: key, json: EVENTS })).status).toBe(202);
    });
  });

  describe('a revoked key', () => {
    it('fails on the very next request', async () => {
      const created = await createApiKey(s.t.app, 'short-lived');
      expect((await call(s, '/ingest/events', { apiKey: created.key, json: EVENTS })).status).toBe(
        202,
      );
      const admin = await adminToken(s);
      const del = await call(s, `/admin/api-keys/${created.id}`, {
        method: 'DELETE',
        token: admin,
      });
      expect(del.status).toBe(204);
      await expectInvalidKey(
        await call(s, '/ingest/events', { apiKey: created.key, json: EVENTS }),
      );
      // Other keys are unaffected.
      expect((await call(s, '/ingest/events', { apiKey: key, json: EVENTS })).status).toBe(202);
    });
  });
});
