import {
  createApiKey,
  createTestApp,
  LogCapture,
  type TestApp,
  waitFor,
  waitForLog,
  sqliteVariant,
  expectProblem,
} from '@kit/testing';
import { HttpKitModule } from '@kit/http';
import { configureHttpApp, createKitAdapter, KitLogger } from '@kit/http/internal';
import { Controller, Get, Logger, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type Socket } from 'node:net';
import { HttpFixtureRootModule } from '../libs/http/test/fixtures/http-fixture.module';
import {
  adminToken,
  bootService,
  call,
  register,
  registerAndLogin,
  type Service,
} from './support/auth-service';

// The reference service's HTTP limits on a bad day: bodies nested too deep for the JSON parser
// and class-transformer.

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** The body of the issue: 1,500 nested arrays in 3 KB overflowed class-transformer's stack. */
const DEEP = `{"data":${nested(1_500)}}`;
/** 50,000 levels in 100 KB: ~0.2 s of parsing and recursion before the limit existed. */
const VERY_DEEP = `{"data":${nested(50_000)}}`;
const TOO_DEEP_DETAIL = 'The JSON body is nested deeper than 64 levels.';

describe('HTTP limits of the reference service', () => {
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

  describe('JSON bodies nested past the depth limit', () => {
    it.each([
      ['1,500', DEEP],
      ['50,000', VERY_DEEP],
    ])(
      'answers %s levels with 400 JSON_TOO_DEEP on every JSON route, logged below error level',
      async (_depth, body) => {
        const ids: string[] = [];
        for (const [method, path, headers] of routes()) {
          const res = await send(method, path, headers, body);
          const problem = await expectProblem(res, 400, 'JSON_TOO_DEEP', {
            detail: TOO_DEEP_DETAIL,
          });
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

  describe('a keep-alive connection at maxRequestsPerSocket (1,000)', () => {
    it('is closed by the server after the 1,000th response, which says Connection: close', async () => {
      const conn = await RawConnection.open(s.t.port);
      try {
        const heads: string[] = [];
        for (let i = 0; i < 1_000; i++) heads.push(await conn.get('/health/live'));
        expect(heads.filter((h) => !h.startsWith('HTTP/1.1 200 '))).toEqual([]);
        expect(heads.filter((h) => !/\r\nx-request-id: /i.test(h))).toEqual([]);
        expect(heads.filter((h) => /\r\nconnection: close/i.test(h)).length).toBe(1);
        expect(heads[999]).toMatch(/\r\nconnection: close/i);
        // A client that sends once more anyway gets no bare 503: the socket is gone.
        conn.send('/health/live');
        await waitFor(() => conn.closed, { timeoutMs: 5_000, description: 'the server to close' });
        expect(conn.unread()).toBe('');
      } finally {
        conn.destroy();
      }
    }, 60_000);
  });

  describe('secrets in the logs, by name and by value', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const lookalikeKey = `kit_AbCd1234_${'s'.repeat(43)}`;

    it.each([
      [`jwt=${jwt}`, 'jwt=[REDACTED]'],
      ['authorization=Bearer%20abc', 'authorization=[REDACTED]'],
      [`x-api-key=${lookalikeKey}`, 'x-api-key=[REDACTED]'],
      ['client_secret=s3cr3t', 'client_secret=[REDACTED]'],
      ['pwd=hunter2', 'pwd=[REDACTED]'],
      [`ref=${jwt}&page=2`, 'ref=[REDACTED]&page=2'],
      ['h=Bearer+abc&sort=name', 'h=[REDACTED]&sort=name'],
      [`k=${lookalikeKey}&q=kitten`, 'k=[REDACTED]&q=kitten'],
    ])(
      'logs ?%s as ?%s in the request line',
      async (query, logged) => {
        const requestId = `redact-${Math.random().toString(36).slice(2)}`;
        const res = await call(s, `/health/live?${query}`, {
          headers: { 'x-request-id': requestId },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        const line = await waitForLog(
          s.t.logs,
          (l) => l.reqId === requestId && l.msg === 'request completed',
          { timeoutMs: 5_000 },
        );
        expect(line.url).toBe(`/health/live?${logged}`);
      },
      10_000,
    );

    it('redacts a logged field holding a JWT, a bearer credential or a kit key under an innocent name', async () => {
      new Logger('RedactionProbe').log({
        ref: jwt,
        upstream: 'Bearer x',
        note: lookalikeKey,
        page: 2,
      });
      const line = await waitForLog(s.t.logs, (l) => l.context === 'RedactionProbe', {
        timeoutMs: 5_000,
      });
      expect(line).toMatchObject({
        ref: '[REDACTED]',
        upstream: '[REDACTED]',
        note: '[REDACTED]',
        page: 2,
      });
      expect(s.t.logs.text()).not.toContain(jwt);
      expect(s.t.logs.text()).not.toContain(lookalikeKey);
    }, 10_000);
  });

  describe('a path parameter longer than maxParamLength (100)', () => {
    it('is a 414 problem with a request id, timing headers and a log line, not echoing the path', async () => {
      const long = 'x'.repeat(101);
      const res = await call(s, `/users/${long}?token=abc`, {
        token: user,
        headers: { 'x-request-id': 'long-param-1' },
      });
      const body = await expectProblem(res, 414, 'URI_TOO_LONG', {
        detail: 'A path segment of the URL is longer than the server accepts.',
        requestId: 'long-param-1',
      });
      expect(body.request_id).toBe('long-param-1');
      expect(JSON.stringify(body)).not.toContain(long);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('server-timing')).toMatch(/^app;dur=/);
      const line = await waitForLog(s.t.logs, (l) => l.reqId === 'long-param-1', {
        timeoutMs: 5_000,
      });
      expect(line).toMatchObject({
        level: 30,
        msg: 'request completed',
        method: 'GET',
        url: `/users/${long}?token=[REDACTED]`,
        statusCode: 414,
      });
    }, 10_000);

    it('is a 400 problem for a URL that cannot be decoded', async () => {
      const res = await call(s, '/users/%E0%A4%A', { token: user });
      await expectProblem(res, 400, 'BAD_REQUEST', {
        detail: 'The URL could not be decoded (malformed percent-encoding).',
      });
    }, 10_000);

    it('still routes a parameter of exactly 100 characters', async () => {
      const res = await call(s, `/users/${'x'.repeat(100)}`, { token: user });
      expect(res.status).not.toBe(414);
      await res.arrayBuffer();
    }, 10_000);
  });
});

/** One keep-alive connection spoken raw: a request, then its whole response, in turn. */
class RawConnection {
  closed = false;
  private buffer = '';
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: kit\r\n\r\n`);
  }

  /** Sends a GET and resolves with the head of its response (the body is read and dropped). */
  async get(path: string): Promise<string> {
    this.send(path);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      const length =
        end < 0 ? undefined : /\r\ncontent-length: (\d+)/i.exec(this.buffer.slice(0, end));
      if (end >= 0 && length && this.buffer.length >= end + 4 + Number(length[1])) {
        const head = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 4 + Number(length[1]));
        return head;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${this.buffer}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  unread(): string {
    return this.buffer;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('router refusals count towards maxRequestsPerSocket (3)', () => {
  let s: Service;
  beforeAll(async () => {
    s = await bootService(sqliteVariant, 'limits-socket', {}, { maxRequestsPerSocket: 3 });
  }, 30_000);
  afterAll(() => s.close(), 15_000);

  it('closes the connection when the last allowed request is a 414', async () => {
    const conn = await RawConnection.open(s.t.port);
    try {
      const heads = [
        await conn.get(`/users/${'x'.repeat(101)}`),
        await conn.get('/health/live'),
        await conn.get(`/users/${'x'.repeat(101)}`),
      ];
      expect(heads.map((h) => h.slice(0, 12))).toEqual([
        'HTTP/1.1 414',
        'HTTP/1.1 200',
        'HTTP/1.1 414',
      ]);
      expect(heads.map((h) => /\r\nconnection: close/i.test(h))).toEqual([false, false, true]);
      conn.send('/health/live');
      await waitFor(() => conn.closed, { timeoutMs: 5_000, description: 'the server to close' });
      expect(conn.unread()).toBe('');
    } finally {
      conn.destroy();
    }
  }, 15_000);
});

@Controller('items')
class ItemsController {
  @Get(':id')
  get(@Param('id') id: string): { id: string } {
    return { id };
  }
}

@Module({ imports: [HttpKitModule.forRoot({})], controllers: [ItemsController] })
class ItemsModule {}

describe("router refusals with Nest's app.useSecurityHeaders()", () => {
  let app: NestFastifyApplication | undefined;
  afterAll(() => app?.close(), 10_000);

  it('carry the security headers like every other response', async () => {
    const { adapter, logger } = createKitAdapter({ logDestination: new LogCapture() });
    app = await NestFactory.create<NestFastifyApplication>(ItemsModule, adapter, {
      abortOnError: false,
      logger: new KitLogger(logger),
    });
    app.useSecurityHeaders();
    await configureHttpApp(app, logger);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = await app.getUrl();
    const ok = await fetch(`${base}/items/1`);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const refused = await fetch(`${base}/items/${'x'.repeat(101)}`);
    await expectProblem(refused, 414, 'URI_TOO_LONG');
    for (const name of ['content-security-policy', 'cross-origin-opener-policy']) {
      expect({ name, value: refused.headers.get(name) }).toEqual({
        name,
        value: ok.headers.get(name),
      });
      expect(ok.headers.get(name)).toEqual(expect.any(String));
    }
  }, 15_000);
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
    await expectProblem(ok, 400, 'VALIDATION_FAILED', {
      extensions: { errors: [{ field: 'extra', message: expect.any(String) }] },
    });
    const res = await post('{"note":"x","extra":[[[1]]]}');
    await expectProblem(res, 400, 'JSON_TOO_DEEP', {
      detail: 'The JSON body is nested deeper than 3 levels.',
    });
  }, 10_000);
});
