import { createApiKey, createTestApp, type TestApp, waitFor } from '@kit/testing';
import { HttpFixtureRootModule } from './fixtures/http-fixture.module';
import {
  adminToken,
  bootService,
  call,
  expectProblem,
  register,
  registerAndLogin,
  type Service,
} from './support/auth-service';
import { sqliteVariant } from './support/database-variants';

// The reference service's HTTP limits on a bad day: bodies nested too deep for the JSON parser
// and class-transformer.

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** The body of the issue: 1,500 nested arrays in 3 KB overflowed class-transformer's stack. */
const DEEP = `{"data":${nested(1_500)}}`;
/** 50,000 levels in 100 KB: ~0.2 s of parsing and recursion before the limit existed. */
const VERY_DEEP = `{"data":${nested(50_000)}}`;
const TOO_DEEP_DETAIL = 'The JSON body is nested deeper than 64 levels.';

describe('JSON bodies nested past the depth limit', () => {
  let s: Service;
  let admin: string;
  let user: string;
  let apiKey: string;
  let userId: string;

  beforeAll(async () => {
    s = await bootService(sqliteVariant, 'limits');
    admin = await adminToken(s);
    user = (await registerAndLogin(s)).tokens.access_token;
    apiKey = (await createApiKey(s.t.app, 'limits e2e')).key;
    userId = (await register(s)).id;
  }, 30_000);
  afterAll(() => s.close(), 15_000);

  const routes = (): [string, string, Record<string, string>][] => [
    ['POST', '/users', {}],
    ['POST', '/orders', { authorization: `Bearer ${user}` }],
    ['POST', '/admin/api-keys', { authorization: `Bearer ${admin}` }],
    ['POST', '/rooms/lobby/messages', { authorization: `Bearer ${admin}` }],
    ['PATCH', `/admin/users/${userId}`, { authorization: `Bearer ${admin}` }],
    ['POST', '/ingest/events', { 'x-api-key': apiKey }],
  ];

  const send = (method: string, path: string, headers: Record<string, string>, body: string) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it.each([
    ['1,500', DEEP],
    ['50,000', VERY_DEEP],
  ])(
    'answers %s levels with 400 JSON_TOO_DEEP on every JSON route, logged below error level',
    async (_depth, body) => {
      const ids: string[] = [];
      for (const [method, path, headers] of routes()) {
        const res = await send(method, path, headers, body);
        const problem = await expectProblem(res, 400, 'JSON_TOO_DEEP', TOO_DEEP_DETAIL);
        expect({ route: `${method} ${path}`, problem }).toEqual({
          route: `${method} ${path}`,
          problem: {
            type: 'urn:problem:json-too-deep',
            title: 'Bad Request',
            status: 400,
            detail: TOO_DEEP_DETAIL,
            error: 'JSON_TOO_DEEP',
            request_id: expect.any(String),
          },
        });
        ids.push(problem.request_id as string);
      }
      const done = await waitFor(
        () => {
          const lines = s.t.logs.lines.filter((l) => ids.includes(l.reqId as string));
          const completed = lines.filter((l) => l.msg === 'request completed');
          return completed.length === ids.length && lines;
        },
        { timeoutMs: 5_000, description: 'a request line for every deep body' },
      );
      expect(done.filter((l) => Number(l.level) >= 50)).toEqual([]);
    },
    30_000,
  );

  it('still accepts a body nested exactly to the limit (validated as usual)', async () => {
    const res = await send(
      'POST',
      '/rooms/lobby/messages',
      { authorization: `Bearer ${admin}` },
      `{"data":${nested(63)}}`,
    );
    expect(res.status).toBe(202);
    await res.arrayBuffer();
  }, 10_000);

  it('judges brackets inside strings as text, not nesting', async () => {
    const res = await call(s, '/rooms/lobby/messages', {
      token: admin,
      json: { data: '['.repeat(5_000) },
    });
    expect(res.status).toBe(202);
    await res.arrayBuffer();
  }, 10_000);
});

describe('JSON depth with http.server.maxJsonDepth = 3', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(HttpFixtureRootModule.forRoot(), { maxJsonDepth: 3 });
  }, 15_000);
  afterAll(() => t.close(), 10_000);

  const post = (body: string) =>
    fetch(`${t.url}/fixture/context`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('accepts three levels and refuses a fourth, naming the limit', async () => {
    // Three levels reach validation, which refuses the unknown key.
    const ok = await post('{"note":"x","extra":[[1]]}');
    await expectProblem(ok, 400, 'VALIDATION_FAILED');
    const res = await post('{"note":"x","extra":[[[1]]]}');
    await expectProblem(res, 400, 'JSON_TOO_DEEP', 'The JSON body is nested deeper than 3 levels.');
  }, 10_000);
});
