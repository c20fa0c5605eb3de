import { MetricsService } from '@kit/http';
import { createTestApp, type TestApp, waitFor, Closer, UUID_V4 } from '@kit/testing';
import { request as httpRequest } from 'node:http';
import {
  DURATION,
  HttpFixtureRootModule,
  rawGet,
  rawRequest,
  waitForCompletion,
} from './fixtures/http-fixture.module';

// Request ids, timing headers, security headers, the request context and request logging of
// @kit/http, on a real Fastify server.

const ALLOWED = 'https://app.example.com';
const GOOD_ID = 'client-id.1:2_3';

let t: TestApp;

const closer = new Closer();
beforeAll(async () => {
  t = await closer.adopt(
    createTestApp(
      HttpFixtureRootModule.forRoot({ cors: { origins: [ALLOWED], credentials: true } }),
    ),
  );
});
afterAll(() => closer.closeAll());

type Headers = Record<string, string>;
const get = (path: string, headers: Headers = {}) => fetch(`${t.url}${path}`, { headers });
const post = (path: string, body: string, headers: Headers = {}, type = 'application/json') =>
  fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body,
  });

/** One request per kind of response the kit must decorate, with its expected status. */
const RESPONSES: [string, number, (h?: Headers) => Promise<Response>][] = [
  ['200', 200, (h) => get('/fixture/ok', h)],
  ['HEAD 200', 200, (h) => fetch(`${t.url}/fixture/ok`, { method: 'HEAD', headers: h })],
  ['router 404', 404, (h) => get('/does-not-exist', h)],
  ['404 for a method with no route', 404, (h) => post('/fixture/ok', '{}', h)],
  [
    '413 body too large',
    413,
    (h) => post('/fixture/widgets', JSON.stringify({ name: 'x'.repeat(1_048_576) }), h),
  ],
  [
    '415 unsupported media type',
    415,
    (h) => post('/fixture/widgets', '<a/>', h, 'application/xml'),
  ],
  ['400 bad JSON', 400, (h) => post('/fixture/widgets', '{"name":', h)],
  ['400 validation', 400, (h) => post('/fixture/widgets', '{}', h)],
  ['401 guard rejection', 401, (h) => get('/fixture/guarded', h)],
  ['403 guard rejection', 403, (h) => get('/fixture/forbidden', h)],
  ['429 domain error', 429, (h) => get('/fixture/domain-error', h)],
  ['500 unknown error', 500, (h) => get('/fixture/crash', h)],
  [
    '204 CORS preflight',
    204,
    (h) =>
      fetch(`${t.url}/fixture/guarded`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST', ...h },
      }),
  ],
];

async function bodyRequestId(res: Response): Promise<string | undefined> {
  const text = await res.text();
  if (!res.headers.get('content-type')?.startsWith('application/problem+json')) return undefined;
  return (JSON.parse(text) as { request_id: string }).request_id;
}

async function rawId(headerLines: string | Buffer): Promise<string> {
  const head =
    typeof headerLines === 'string'
      ? rawGet('/fixture/request-id', headerLines)
      : Buffer.concat([
          Buffer.from('GET /fixture/request-id HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
          headerLines,
          Buffer.from('Connection: close\r\n\r\n'),
        ]);
  const res = await rawRequest(t.port, head);
  expect(res.status).toBe(200);
  expect(res.headers['x-request-id']).toHaveLength(1);
  const id = res.headers['x-request-id']?.[0] as string;
  expect(JSON.parse(res.body)).toEqual({ requestId: id, fromContext: id });
  return id;
}

describe('request id', () => {
  it.each(RESPONSES)(
    '%s carries a fresh UUID in the header, the body and the log',
    async (_n, status, send) => {
      const res = await send();
      expect(res.status).toBe(status);
      const id = res.headers.get('x-request-id') as string;
      expect(id).toMatch(UUID_V4);
      const inBody = await bodyRequestId(res);
      if (status >= 400) expect(inBody).toBe(id);
      const logged = await waitForCompletion(t.logs, [id], 5_000);
      expect(logged.get(id)).toMatchObject({ reqId: id, statusCode: status });
    },
  );

  it.each(RESPONSES)('%s echoes a well-formed incoming X-Request-ID', async (_n, status, send) => {
    const id = `${GOOD_ID}.${status}.${Math.random().toString(36).slice(2)}`;
    const res = await send({ 'x-request-id': id });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-request-id')).toBe(id);
    if (status >= 400) expect(await bodyRequestId(res)).toBe(id);
    else await res.arrayBuffer();
    expect((await waitForCompletion(t.logs, [id], 5_000)).get(id)).toMatchObject({
      statusCode: status,
    });
  });

  it.each([
    ['one character', 'a'],
    ['every allowed character class', 'AZaz09._:-'],
    ['a UUID', '4f1c2a9e-2b8d-4f0e-9d8a-0f7c1b2e3d4f'],
    ['exactly 128 characters', 'r'.repeat(128)],
  ])('keeps %s and hands it to @RequestId() and the context', async (_what, id) => {
    const res = await get('/fixture/request-id', { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);
    expect(await res.json()).toEqual({ requestId: id, fromContext: id });
  });

  it.each([
    ['129 characters', 'r'.repeat(129)],
    ['an 8 KB value', 'k'.repeat(8192)],
    ['a percent-encoded CRLF', 'abc%0D%0AX-Injected:%20yes'],
    ['a space', 'two words'],
    ['an empty value', ''],
    ['a path', '../../etc/passwd'],
    ['markup', '<script>alert(1)</script>'],
    ['a comma list', 'aaa,bbb'],
  ])('replaces %s with a new UUID everywhere', async (_what, sent) => {
    const res = await get('/fixture/request-id', { 'x-request-id': sent });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id') as string;
    expect(id).toMatch(UUID_V4);
    expect(id).not.toBe(sent);
    expect(res.headers.get('x-injected')).toBeNull();
    expect(await res.json()).toEqual({ requestId: id, fromContext: id });
    await waitForCompletion(t.logs, [id], 5_000);
    if (sent.length > 3) expect(t.logs.text()).not.toContain(sent);
  });

  describe('on raw requests fetch would not send', () => {
    it('echoes a well-formed id sent raw (control)', async () => {
      expect(await rawId(`X-Request-ID: ${GOOD_ID}\r\n`)).toBe(GOOD_ID);
    });

    it('replaces non-ASCII latin1 bytes', async () => {
      const id = await rawId(Buffer.from('X-Request-ID: caf\xe9-id\r\n', 'latin1'));
      expect(id).toMatch(UUID_V4);
    });

    it('replaces non-ASCII UTF-8 bytes', async () => {
      const id = await rawId(Buffer.from('X-Request-ID: r\u00e9q-\u2603-1\r\n', 'utf8'));
      expect(id).toMatch(UUID_V4);
    });

    it('replaces a duplicated header, even when both values are well formed', async () => {
      const id = await rawId(`X-Request-ID: ${GOOD_ID}\r\nX-Request-ID: other-id\r\n`);
      expect(id).toMatch(UUID_V4);
    });

    it('replaces a duplicated header repeating the same value', async () => {
      const id = await rawId(`X-Request-ID: ${GOOD_ID}\r\nx-request-id: ${GOOD_ID}\r\n`);
      expect(id).toMatch(UUID_V4);
    });

    it('answers a header with a bare CR (an injection attempt) 400, with a fresh id', async () => {
      const res = await rawRequest(
        t.port,
        rawGet('/fixture/request-id', 'X-Request-ID: abc\rX-Injected: yes\r\n'),
      );
      expect(res.status).toBe(400);
      const id = res.headers['x-request-id']?.[0] as string;
      expect(id).toMatch(UUID_V4);
      expect(res.headers['x-injected']).toBeUndefined();
      expect(res.headers['content-type']).toEqual(['application/problem+json']);
      expect(JSON.parse(res.body)).toEqual({
        type: 'urn:problem:bad-request',
        title: 'Bad Request',
        status: 400,
        detail: 'The request could not be parsed as HTTP.',
        error: 'BAD_REQUEST',
        request_id: id,
      });
    });
  });

  it('gives 1,000 requests 1,000 unique ids, each logged once', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const responses = await Promise.all(Array.from({ length: 50 }, () => get('/fixture/ok')));
      for (const res of responses) {
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        ids.push(res.headers.get('x-request-id') as string);
      }
    }
    expect(ids).toHaveLength(1000);
    expect(ids.every((id) => UUID_V4.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(1000);
    await waitForCompletion(t.logs, ids, 20_000);
    const idSet = new Set(ids);
    const completed = t.logs.lines.filter(
      (l) => l.msg === 'request completed' && idSet.has(l.reqId as string),
    );
    expect(completed).toHaveLength(1000);
  }, 30_000);
});

describe('request context', () => {
  it('survives body parsing and awaited work, for a body that arrives in many chunks', async () => {
    const note = 'n'.repeat(600_000);
    const res = await post('/fixture/context', JSON.stringify({ note }), {
      'x-request-id': 'ctx-after-body-1',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('ctx-after-body-1');
    expect(await res.json()).toEqual({
      decorator: 'ctx-after-body-1',
      context: 'ctx-after-body-1',
      note,
    });
  });

  it('survives a body sent in two writes with the generated id', async () => {
    const { status, headers, body } = await new Promise<{
      status: number;
      headers: Record<string, unknown>;
      body: string;
    }>((resolve, reject) => {
      const req = httpRequest(
        `${t.url}/fixture/context`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          );
        },
      );
      req.on('error', reject);
      // Chunked, the head first: the handler cannot run before the second write.
      req.flushHeaders();
      req.write('{"note":');
      setImmediate(() => req.end('"two-part"}'));
    });
    expect(status).toBe(201);
    const id = headers['x-request-id'] as string;
    expect(id).toMatch(UUID_V4);
    expect(JSON.parse(body)).toEqual({ decorator: id, context: id, note: 'two-part' });
  });

  it('keeps 100 concurrent requests apart', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const id = `concurrent-${i}`;
        const res = await post('/fixture/context', JSON.stringify({ note: String(i) }), {
          'x-request-id': id,
        });
        return { id, status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    for (const { id, status, body } of results) {
      expect(status).toBe(201);
      expect(body).toEqual({ decorator: id, context: id, note: id.slice('concurrent-'.length) });
    }
  });
});

describe('timing headers', () => {
  it.each(RESPONSES)(
    '%s has X-Process-Time-Ms and Server-Timing app;dur',
    async (_n, status, send) => {
      const res = await send();
      await res.arrayBuffer();
      expect(res.status).toBe(status);
      const ms = res.headers.get('x-process-time-ms') as string;
      expect(ms).toMatch(DURATION);
      expect(Number(ms)).toBeGreaterThanOrEqual(0);
      expect(Number(ms)).toBeLessThan(60_000);
      expect(res.headers.get('server-timing')).toBe(`app;dur=${ms}`);
    },
  );

  it('lists entries added through RequestContextService.addTiming before app', async () => {
    const res = await get('/fixture/timing');
    expect(res.status).toBe(200);
    const ms = res.headers.get('x-process-time-ms') as string;
    expect(ms).toMatch(DURATION);
    expect(res.headers.get('server-timing')).toBe(
      `db;dur=1.25;desc="primary", cache;dur=0.5, app;dur=${ms}`,
    );
  });

  it('a 431 answered before Fastify has X-Process-Time-Ms and Server-Timing too', async () => {
    const res = await rawRequest(t.port, rawGet('/fixture/ok', `X-Big: ${'b'.repeat(20_000)}\r\n`));
    expect(res.status).toBe(431);
    const ms = res.headers['x-process-time-ms']?.[0] as string;
    expect(ms).toMatch(DURATION);
    expect(res.headers['server-timing']).toEqual([`app;dur=${ms}`]);
  });

  it('sanitizes hostile timing names and descriptions instead of failing the response', async () => {
    const res = await get('/fixture/timing-hostile');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('x-injected')).toBeNull();
    const ms = res.headers.get('x-process-time-ms') as string;
    expect(res.headers.get('server-timing')).toBe(
      `db;dur=2;desc="abcX-Injected: yes", bad_name_dur_999__evil;dur=3, app;dur=${ms}`,
    );
    expect(res.headers.get('x-request-id')).toMatch(UUID_V4);
  });
});

describe('security headers', () => {
  it.each(RESPONSES)('%s has nosniff and no X-Powered-By', async (_n, status, send) => {
    const res = await send();
    await res.arrayBuffer();
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('server')).toBeNull();
  });

  it('a 431 answered before Fastify has nosniff too', async () => {
    const res = await rawRequest(t.port, rawGet('/fixture/ok', `X-Big: ${'b'.repeat(20_000)}\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers['x-content-type-options']).toEqual(['nosniff']);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('request logging', () => {
  const SECRETS = {
    bearer: 'eyJhbGciOi.SECRET-BEARER-7f3a',
    apiKey: 'SECRET-APIKEY-91c2',
    cookie: 'SECRET-COOKIE-4d1e',
    query1: 'SECRET-QUERY-aa01',
    query2: 'SECRET-QUERY-bb02',
    query3: 'SECRET-QUERY-cc03',
    query4: 'SECRET-QUERY-dd04',
    query5: 'SECRET-QUERY-ee05',
  };
  const credentials = {
    authorization: `Bearer ${SECRETS.bearer}`,
    'x-api-key': SECRETS.apiKey,
    cookie: `session=${SECRETS.cookie}; theme=dark`,
  };

  it('never writes credential headers or token query values, and every line has reqId', async () => {
    const mark = t.logs.lines.length;
    const responses = await Promise.all([
      get(`/fixture/ok?token=${SECRETS.query1}`, credentials),
      get(`/does-not-exist?page=1&token=${SECRETS.query2}`, credentials),
      get(`/fixture/crash?access_token=${SECRETS.query3}`, credentials),
      get(`/fixture/guarded?%74oken=${SECRETS.query4}`, credentials),
      post(`/fixture/widgets?TOKEN=${SECRETS.query5}`, '{"name":', credentials),
      get('/fixture/domain-error-bad-header', credentials),
      post('/fixture/widgets', JSON.stringify({ name: 'x'.repeat(1_048_576) }), credentials),
    ]);
    const ids: string[] = [];
    for (const res of responses) {
      const body = await res.text();
      for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
      ids.push(res.headers.get('x-request-id') as string);
    }
    expect(responses.map((r) => r.status)).toEqual([200, 404, 500, 401, 400, 429, 413]);
    const completed = await waitForCompletion(t.logs, ids, 5_000);

    const text = t.logs.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(completed.get(ids[0] as string)?.url).toBe('/fixture/ok?token=[REDACTED]');
    expect(completed.get(ids[1] as string)?.url).toBe('/does-not-exist?page=1&token=[REDACTED]');
    expect(completed.get(ids[3] as string)?.url).toBe('/fixture/guarded?%74oken=[REDACTED]');
    expect(completed.get(ids[4] as string)?.url).toBe('/fixture/widgets?TOKEN=[REDACTED]');

    const lines = t.logs.lines.slice(mark);
    // 7 completions, the 500's error line and the dropped-header warning.
    expect(lines.length).toBeGreaterThanOrEqual(9);
    for (const line of lines) expect(ids).toContain(line.reqId);
    expect(lines.find((l) => l.msg === 'request failed')?.reqId).toBe(ids[2]);
    expect(lines.find((l) => l.level === 40)?.reqId).toBe(ids[5]);
  });

  it('writes one JSON line per request with method, url, status and duration', async () => {
    const res = await get('/fixture/ok', { 'x-request-id': 'log-shape-1' });
    await res.arrayBuffer();
    const line = (await waitForCompletion(t.logs, ['log-shape-1'], 5_000)).get('log-shape-1');
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      reqId: 'log-shape-1',
      method: 'GET',
      url: '/fixture/ok',
      statusCode: 200,
      durationMs: expect.any(Number),
      msg: 'request completed',
    });
  });
});

describe('request logging above info (LOG_LEVEL=warn)', () => {
  let quiet: TestApp;
  const quietCloser = new Closer();
  beforeAll(async () => {
    quiet = await quietCloser.adopt(
      createTestApp(HttpFixtureRootModule.forRoot(), { logLevel: 'warn' }),
    );
  });
  afterAll(() => quietCloser.closeAll());

  it('writes no request line (the response hook ran: the request was counted)', async () => {
    const res = await fetch(`${quiet.url}/fixture/ok`);
    await res.arrayBuffer();
    const metrics = quiet.app.get(MetricsService);
    // The hook counts the request before deciding whether to log it.
    await waitFor(
      async () =>
        /http_request_duration_seconds_count\{[^}]*route="\/fixture\/ok"[^}]*\} 1\n/.test(
          (await metrics.render()).body,
        ),
      { timeoutMs: 2_000, description: 'GET /fixture/ok to be counted' },
    );
    expect(quiet.logs.lines.filter((l) => l.msg === 'request completed')).toEqual([]);
  });
});
