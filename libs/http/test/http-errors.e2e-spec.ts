import {
  createTestApp,
  type TestApp,
  Closer,
  expectProblem,
  UUID_V4,
  waitForLog,
} from '@kit/testing';
import { request as httpRequest } from 'node:http';
import {
  CRASH_MESSAGE,
  CRASH_PATH,
  CRASH_SECRET,
  CRASH_SQL,
  HttpFixtureRootModule,
  problemBody,
  rawGet,
  rawRequest,
  waitForCompletion,
} from './fixtures/http-fixture.module';

// Every error class of @kit/http rendered as RFC 9457 problem+json, with no internals.

type Headers = Record<string, string>;
const json = { 'content-type': 'application/json' };

/** Sends a body with chunked transfer encoding (no Content-Length), in 64 KiB writes. */
function postChunked(
  url: string,
  size: number,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: json }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    // The server may answer and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    const chunk = 'a'.repeat(65_536);
    req.write('"');
    for (let sent = 0; sent < size; sent += chunk.length) req.write(chunk);
    req.end('"');
  });
}

const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);

const bodyOf = (size: number) => JSON.stringify({ note: 'x'.repeat(size - '{"note":""}'.length) });

describe('problem+json errors (default limits)', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(createTestApp(HttpFixtureRootModule.forRoot()));
  });
  afterAll(() => closer.closeAll());

  const get = (path: string, headers: Headers = {}) => fetch(`${t.url}${path}`, { headers });
  const post = (path: string, body: string, headers: Headers = json) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers, body });

  describe('DomainError', () => {
    it('renders its own code, status, title, detail, extension members and headers', async () => {
      const res = await get('/fixture/domain-error');
      await expectProblem(res, 429, 'QUOTA_EXCEEDED', {
        title: 'Quota exceeded',
        detail: 'You used 100 of 100 requests this hour.',
        extensions: { limit: 100, used: 100 },
      });
      expect(res.headers.get('retry-after')).toBe('30');
    });

    it('never lets extension members overwrite the standard ones', async () => {
      const res = await get('/fixture/domain-error-forged', { 'x-request-id': 'forge-1' });
      await expectProblem(res, 423, 'ORDER_LOCKED', {
        title: 'Order locked',
        detail: 'Order 9 is being edited by someone else.',
        extensions: { order_id: 9 },
        requestId: 'forge-1',
      });
    });

    it('drops a header value with CR/LF and still sends the problem', async () => {
      const res = await get('/fixture/domain-error-bad-header');
      await expectProblem(res, 429, 'RATE_LIMITED', {
        title: 'Too many requests',
        detail: 'Too many requests',
      });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('x-note')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('HttpException', () => {
    it('renders status, standard title, message as detail and a status code', async () => {
      await expectProblem(await get('/fixture/http-exception'), 409, 'CONFLICT', {
        title: 'Conflict',
        detail: 'Widget 7 already exists',
      });
    });

    it('renders a guard that throws UnauthorizedException', async () => {
      await expectProblem(await get('/fixture/guarded'), 401, 'UNAUTHORIZED', {
        title: 'Unauthorized',
        detail: 'Sign in first',
      });
    });

    it('renders a guard that returns false as 403', async () => {
      await expectProblem(await get('/fixture/forbidden'), 403, 'FORBIDDEN', {
        title: 'Forbidden',
        detail: 'Forbidden resource',
      });
    });
  });

  describe('validation', () => {
    const valid = { name: 'bolt', quantity: 2, owner: { email: 'a@example.com' } };

    it('passes a valid body through', async () => {
      const body = { ...valid, tags: ['m4'], parts: [{ count: 1 }] };
      const res = await post('/fixture/widgets', JSON.stringify(body));
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual(body);
    });

    it('answers 400 with every field error, nested and in arrays, and unknown keys', async () => {
      const res = await post(
        '/fixture/widgets',
        JSON.stringify({
          name: '',
          quantity: 0,
          owner: { email: 'not-an-email' },
          tags: ['ok', 7],
          parts: [{ count: 1 }, { count: 0 }],
          extra: true,
        }),
      );
      const errors = [
        { field: 'extra', message: 'property extra should not exist' },
        { field: 'name', message: 'name must be longer than or equal to 1 characters' },
        { field: 'quantity', message: 'quantity must not be less than 1' },
        { field: 'owner.email', message: 'email must be an email' },
        { field: 'tags', message: 'each value in tags must be a string' },
        { field: 'parts.1.count', message: 'count must not be less than 1' },
      ];
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        title: 'Request validation failed',
        detail: expect.any(String) as unknown as string,
        extensions: { errors: expect.any(Array) },
      });
      expect([...(body.errors as { field: string }[])].sort(byField)).toEqual(
        [...errors].sort(byField),
      );
      for (const e of errors) expect(body.detail).toContain(`${e.field}: ${e.message}`);
      // Validation never echoes the rejected values.
      expect(JSON.stringify(body)).not.toContain('not-an-email');
    });

    it('answers a non-object nested value with a field error', async () => {
      const res = await post('/fixture/widgets', JSON.stringify({ ...valid, owner: 'me' }));
      await expectProblem(res, 400, 'VALIDATION_FAILED', {
        title: 'Request validation failed',
        detail: 'owner: nested property owner must be either object or array',
        extensions: {
          errors: [
            { field: 'owner', message: 'nested property owner must be either object or array' },
          ],
        },
      });
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"bolt"'],
      ['a number', '42'],
      ['null', 'null'],
    ])('answers a JSON body that is %s with 400 VALIDATION_FAILED', async (_what, raw) => {
      const res = await post('/fixture/widgets', raw);
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        title: 'Request validation failed',
        detail: expect.any(String) as unknown as string,
        extensions: { errors: expect.any(Array) },
      });
      expect((body.errors as unknown[]).length).toBeGreaterThan(0);
    });
  });

  describe("Fastify's own errors", () => {
    it('renders bad JSON as 400 MALFORMED_JSON without parser text', async () => {
      const res = await post('/fixture/widgets', '{"name": "bolt",');
      const body = await expectProblem(res, 400, 'MALFORMED_JSON', {
        title: 'Bad Request',
        detail: 'The request body is not valid JSON.',
      });
      expect(JSON.stringify(body)).not.toMatch(/position|Unexpected|SyntaxError/i);
    });

    it('renders an empty JSON body as 400 MALFORMED_JSON', async () => {
      await expectProblem(await post('/fixture/widgets', ''), 400, 'MALFORMED_JSON', {
        title: 'Bad Request',
        detail: 'The body is empty but the content type says JSON.',
      });
    });

    it.each([
      ['__proto__', '{"name":"bolt","__proto__":{"polluted":1}}'],
      ['nested __proto__', '{"owner":{"__proto__":{"polluted":1}}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}'],
    ])('rejects a %s key with 400 FORBIDDEN_JSON_PROPERTY', async (_what, raw) => {
      await expectProblem(await post('/fixture/widgets', raw), 400, 'FORBIDDEN_JSON_PROPERTY', {
        title: 'Bad Request',
        detail: 'The JSON body contains a forbidden "__proto__" or "constructor.prototype" key.',
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('accepts a constructor key that is not constructor.prototype', async () => {
      const res = await post('/fixture/context', '{"note":"constructor"}');
      expect(res.status).toBe(201);
    });

    it.each([
      ['application/xml', '<widget/>'],
      ['application/x-custom', 'x'],
      ['image/png', 'png'],
    ])('renders %s as 415', async (type, raw) => {
      await expectProblem(
        await post('/fixture/widgets', raw, { 'content-type': type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        {
          title: 'Unsupported Media Type',
          detail: 'The request body has a content type this route does not accept.',
        },
      );
    });

    it('renders a body over the 1 MiB default as 413', async () => {
      const res = await post('/fixture/widgets', JSON.stringify({ name: 'x'.repeat(1_048_576) }));
      await expectProblem(res, 413, 'PAYLOAD_TOO_LARGE', {
        title: 'Payload Too Large',
        detail: 'The request body is larger than the server accepts.',
      });
    });

    it('accepts a body of exactly 1 MiB', async () => {
      const note = 'x'.repeat(1_048_576 - '{"note":""}'.length);
      const res = await post('/fixture/context', JSON.stringify({ note }));
      expect(res.status).toBe(201);
      expect(((await res.json()) as { note: string }).note).toHaveLength(note.length);
    });

    it('renders a chunked body (no Content-Length) over 1 MiB as 413', async () => {
      const res = await postChunked(`${t.url}/fixture/widgets`, 1_200_000);
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      const id = res.headers['x-request-id'] as string;
      expect(id).toMatch(UUID_V4);
      expect(JSON.parse(res.body)).toEqual(
        problemBody(
          {
            status: 413,
            error: 'PAYLOAD_TOO_LARGE',
            title: 'Payload Too Large',
            detail: 'The request body is larger than the server accepts.',
          },
          id,
        ),
      );
    });
  });

  describe('router 404', () => {
    it('renders an unknown path without echoing its query', async () => {
      const res = await get('/no/such/route?token=SECRET-404-QUERY&x=<b>');
      const body = await expectProblem(res, 404, 'NOT_FOUND', {
        title: 'Not Found',
        detail: 'Cannot GET /no/such/route',
      });
      expect(JSON.stringify(body)).not.toContain('SECRET-404-QUERY');
    });

    it('renders a known path with an unrouted method', async () => {
      await expectProblem(
        await fetch(`${t.url}/fixture/ok`, { method: 'DELETE' }),
        404,
        'NOT_FOUND',
        { title: 'Not Found', detail: 'Cannot DELETE /fixture/ok' },
      );
    });
  });

  describe('unknown errors', () => {
    const generic = {
      title: 'Internal Server Error',
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
    };

    it.each([
      ['a thrown Error', '/fixture/crash', 'Error'],
      ['a TypeError after an await', '/fixture/crash-async', 'TypeError'],
    ])(
      'answers %s with a generic 500 and logs the real error with the request id',
      async (_what, path, type) => {
        const res = await get(path);
        const body = await expectProblem(res, 500, 'INTERNAL_ERROR', generic);
        const text = JSON.stringify(body);
        for (const internal of [
          CRASH_SECRET,
          CRASH_SQL,
          CRASH_PATH,
          '10.0.0.5',
          'pg:',
          'stack',
          '.ts:',
          ' at ',
        ])
          expect(text).not.toContain(internal);

        const id = body.request_id as string;
        const line = await waitForLog(t.logs, (l) => l.msg === 'request failed' && l.reqId === id, {
          timeoutMs: 2_000,
        });
        expect(line).toMatchObject({
          level: 50,
          reqId: id,
          error: 'INTERNAL_ERROR',
          method: 'GET',
          route: path,
          err: { type, message: CRASH_MESSAGE },
        });
        expect((line.err as { stack: string }).stack).toContain('http-fixture.module.ts');
        await waitForCompletion(t.logs, [id], 5_000);
      },
    );

    it('answers a thrown non-Error value with a generic 500 and logs it', async () => {
      const res = await get('/fixture/crash-non-error');
      const body = await expectProblem(res, 500, 'INTERNAL_ERROR', generic);
      expect(JSON.stringify(body)).not.toContain(CRASH_SECRET);
      const id = body.request_id as string;
      const line = await waitForLog(t.logs, (l) => l.msg === 'request failed' && l.reqId === id, {
        timeoutMs: 2_000,
      });
      expect(line.level).toBe(50);
    });

    it('logs nothing at error level for client errors', async () => {
      const ids: string[] = [];
      for (const res of [
        await get('/fixture/http-exception'),
        await get('/nope'),
        await post('/fixture/widgets', '{'),
      ]) {
        await res.arrayBuffer();
        ids.push(res.headers.get('x-request-id') as string);
      }
      await waitForCompletion(t.logs, ids, 5_000);
      const errors = t.logs.lines.filter(
        (l) => ids.includes(l.reqId as string) && Number(l.level) >= 50,
      );
      expect(errors).toEqual([]);
    });
  });

  describe('431 header block too large (answered before Fastify, on the raw socket)', () => {
    it.each([
      ['one huge header', `X-Big: ${'b'.repeat(20_000)}\r\n`],
      [
        'many headers',
        Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'h'.repeat(50)}\r\n`).join(''),
      ],
    ])('renders %s as problem+json with an X-Request-ID', async (_what, lines) => {
      const res = await rawRequest(
        t.port,
        rawGet('/fixture/ok', `X-Request-ID: keep-me\r\n${lines}`),
      );
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toEqual(['application/problem+json']);
      expect(res.headers['x-request-id']).toHaveLength(1);
      const id = res.headers['x-request-id']?.[0] as string;
      // The head was never parsed, so the incoming id cannot be trusted or echoed.
      expect(id).toMatch(UUID_V4);
      expect(JSON.parse(res.body)).toEqual(
        problemBody(
          {
            status: 431,
            error: 'HEADERS_TOO_LARGE',
            title: 'Request Header Fields Too Large',
            detail: 'The request headers are larger than the server accepts.',
          },
          id,
        ),
      );
    });

    it('still serves a request just under the limit', async () => {
      const res = await rawRequest(
        t.port,
        rawGet('/fixture/ok', `X-Big: ${'b'.repeat(12_000)}\r\n`),
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true });
    });
  });
});

describe('problem+json errors (bodyLimit 1024)', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(createTestApp(HttpFixtureRootModule.forRoot(), { bodyLimit: 1024 }));
  });
  afterAll(() => closer.closeAll());

  const post = (body: string) =>
    fetch(`${t.url}/fixture/context`, { method: 'POST', headers: json, body });

  it('accepts a body of exactly the limit', async () => {
    const body = bodyOf(1024);
    expect(Buffer.byteLength(body)).toBe(1024);
    const res = await post(body);
    expect(res.status).toBe(201);
  });

  it('answers one byte more with 413', async () => {
    const body = bodyOf(1025);
    expect(Buffer.byteLength(body)).toBe(1025);
    await expectProblem(await post(body), 413, 'PAYLOAD_TOO_LARGE', {
      title: 'Payload Too Large',
      detail: 'The request body is larger than the server accepts.',
    });
  });

  it('counts bytes, not characters', async () => {
    // 400 three-byte characters: 411 characters, 1211 bytes.
    const res = await post(JSON.stringify({ note: '\u20ac'.repeat(400) }));
    expect(res.status).toBe(413);
    await res.arrayBuffer();
  });

  it('answers a chunked body over the limit with 413', async () => {
    const res = await postChunked(`${t.url}/fixture/context`, 70_000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', status: 413 });
  });
});
