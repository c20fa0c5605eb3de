import { WsTestClient, WsUpgradeRejected, expectedProblemType } from '@kit/testing';
import { rawRequest, upgradeHead } from './support/ws-raw';
import { bootRealtimeService, type RealtimeTestService, type TestUser } from './support/ws-service';

// The examples in /openapi.json are what the server answers: each problem response shows an
// example of its own status and code (not the schema's generic 404), and the documented bodies
// of the WebSocket upgrade, its plain GET and the API-key 401 equal real answers.

const PROBLEM = 'application/problem+json';

type Example = Record<string, unknown>;
interface Response {
  description: string;
  content?: Record<string, { example?: Example; examples?: Record<string, { value: Example }> }>;
}
interface Operation {
  tags?: string[];
  responses: Record<string, Response>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** The examples a problem response documents (one `example`, or the named `examples`). */
function problemExamples(response: Response | undefined): Example[] {
  const media = response?.content?.[PROBLEM];
  if (!media) return [];
  if (media.example) return [media.example];
  return Object.values(media.examples ?? {}).map((e) => e.value);
}

/** A body without its request id (unique per answer). */
function withoutRequestId(body: Example): Example {
  const { request_id: _ignored, ...rest } = body;
  return rest;
}

/** Asserts that the answer's body is one of the examples documented for its status. */
function expectDocumented(operation: Operation, status: number, body: Example): void {
  const examples = problemExamples(operation.responses[String(status)]).map(withoutRequestId);
  expect(examples).toContainEqual(withoutRequestId(body));
}

describe('OpenAPI: problem examples are what the server answers', () => {
  let s: RealtimeTestService;
  let doc: Document;
  let alice: TestUser;

  beforeAll(async () => {
    s = await bootRealtimeService({ label: 'openapi-examples' });
    alice = await s.user();
    const res = await fetch(`${s.url}/openapi.json`);
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    doc = (await res.json()) as Document;
  }, 30_000);
  afterAll(() => s?.close(), 15_000);

  const op = (path: string, method: string): Operation => {
    const operation = doc.paths[path]?.[method];
    if (!operation) throw new Error(`no ${method.toUpperCase()} ${path} in the document`);
    return operation;
  };

  it('every problem response has examples of its own status and code', () => {
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!response.content?.[PROBLEM]) continue;
          const examples = problemExamples(response);
          // Named so a failure says which response fell back to the schema's generic example.
          expect({ path, method, status, documented: examples.length > 0 }).toEqual({
            path,
            method,
            status,
            documented: true,
          });
          for (const example of examples) {
            const code = String(example.error);
            expect({ path, method, example }).toEqual({
              path,
              method,
              example: expect.objectContaining({
                status: Number(status),
                type: expectedProblemType(code),
                error: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/) as string,
              }) as Example,
            });
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('GET /ws/{room} documents each refusal under its own status', () => {
    const ws = op('/ws/{room}', 'get');
    const codes = (status: string): string[] =>
      problemExamples(ws.responses[status]).map((e) => String(e.error));
    expect(codes('400')).toEqual([
      'REALTIME_INVALID_ROOM',
      'REALTIME_BAD_HANDSHAKE',
      'REALTIME_BAD_HANDSHAKE',
    ]);
    expect(codes('401')).toEqual(['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID']);
    expect(codes('403')).toEqual(['REALTIME_ORIGIN_FORBIDDEN', 'REALTIME_ROOM_FORBIDDEN']);
    expect(codes('426')).toEqual(['REALTIME_UNSUPPORTED_VERSION']);
    expect(codes('503')).toEqual([
      'REALTIME_AT_CAPACITY',
      'REALTIME_TOO_MANY_ROOMS',
      'REALTIME_SHUTTING_DOWN',
      'REALTIME_HANDSHAKE_TIMEOUT',
    ]);
  });

  it('GET /ws/{room}: real refusals of the upgrade are the documented examples', async () => {
    const ws = op('/ws/{room}', 'get');
    const refusal = async (path: string, token?: string): Promise<WsUpgradeRejected> => {
      const outcome = await WsTestClient.connect(s.url, path, { token }).then(
        async (c) => {
          await c.close();
          return new Error('the upgrade was accepted');
        },
        (err: unknown) => err,
      );
      expect(outcome).toBeInstanceOf(WsUpgradeRejected);
      return outcome as WsUpgradeRejected;
    };
    for (const [path, token] of [
      ['/ws/lobby', undefined],
      ['/ws/lobby', 'not-a-jwt'],
      ['/ws/bad.room', alice.token],
      ['/ws/admin-only', alice.token],
    ] as const) {
      const r = await refusal(path, token);
      expectDocumented(ws, r.status, r.json());
    }
    const version = await rawRequest(s.t.port, upgradeHead('/ws/lobby', { version: '8' }));
    expect(version.status).toBe(426);
    expectDocumented(ws, 426, JSON.parse(version.body) as Example);
  }, 20_000);

  it('GET /ws/{room}: what a plain GET (Try it out) gets is documented', async () => {
    const res = await fetch(`${s.url}/ws/lobby`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expectDocumented(op('/ws/{room}', 'get'), 404, (await res.json()) as Example);
    expect(op('/ws/{room}', 'get').responses['404']?.description).toMatch(/plain GET/);
  }, 10_000);

  it('POST /ingest/events: the documented 401 and 403 are what the server answers', async () => {
    const ingest = op('/ingest/events', 'post');
    const url = `${s.url}/ingest/events`;
    const post = (headers: Record<string, string>): Promise<globalThis.Response> =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ events: [{ type: 't', payload: {} }] }),
      });
    const missing = await post({});
    expect(missing.status).toBe(401);
    expectDocumented(ingest, 401, (await missing.json()) as Example);
    const invalid = await post({ 'x-api-key': 'kit_nope_0000000000000000' });
    expect(invalid.status).toBe(403);
    expectDocumented(ingest, 403, (await invalid.json()) as Example);
  }, 10_000);

  it('admin routes: the documented 401 and 403 are what the server answers', async () => {
    const activity = op('/admin/activity', 'get');
    const bad = await fetch(`${s.url}/admin/activity`, {
      headers: { authorization: 'Bearer not-a-jwt' },
    });
    expect(bad.status).toBe(401);
    expectDocumented(activity, 401, (await bad.json()) as Example);
    const user = await fetch(`${s.url}/admin/activity`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(user.status).toBe(403);
    expectDocumented(activity, 403, (await user.json()) as Example);
  }, 10_000);

  it('GET /admin/activity appears under the admin tag only', () => {
    expect(op('/admin/activity', 'get').tags).toEqual(['admin']);
  });
});
