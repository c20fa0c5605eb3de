import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { RequestContext } from '@kit/http';
import { createContextStore } from '@kit/http/internal';
import { HttpClient, HttpClients } from './http-client.resource';
import { resolveLifespanOptions } from '../options/lifespan-options.factory';
import type { HttpClientOptions } from '../options/lifespan-options.interface';
import { ResourceRegistry } from '../resources/resource.registry';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('HttpClient', () => {
  let server: Server;
  let origin: string;
  let seen: Seen[];
  let healthStatus: number;
  const clients: HttpClient[] = [];

  beforeEach(async () => {
    seen = [];
    healthStatus = 200;
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.once('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const status = req.url?.endsWith('/health') ? healthStatus : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function makeClient(options: Partial<HttpClientOptions> = {}): HttpClient {
    const [resolved] = resolveLifespanOptions({
      httpClients: { upstream: { baseUrl: `${origin}/api/v2/`, ...options } },
    }).httpClients;
    const created = new HttpClient(resolved!);
    clients.push(created);
    return created;
  }

  it('is named after its configuration and targets origin and base path', () => {
    const c = makeClient();
    expect(c.name).toBe('http:upstream');
    expect(c.target).toBe(`${origin}/api/v2`);
  });

  it('sends requests under the base path and returns status, headers and body', async () => {
    const res = await makeClient().request({
      method: 'POST',
      path: '/items?limit=2',
      body: 'hello',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await res.json()).toEqual({ url: '/api/v2/items?limit=2' });
    expect(seen).toEqual([
      expect.objectContaining({ method: 'POST', url: '/api/v2/items?limit=2', body: 'hello' }),
    ]);
  });

  describe('inside a request context', () => {
    it('carries the current request id as X-Request-ID', async () => {
      const c = makeClient();
      const res = await RequestContext.run(createContextStore('req-42'), () =>
        c.request({ path: '/a' }),
      );
      await res.text();
      expect(seen[0]!.headers['x-request-id']).toBe('req-42');
    });

    it('keeps an X-Request-ID the caller set, in any case, and sends one only', async () => {
      const c = makeClient();
      const res = await RequestContext.run(createContextStore('req-42'), () =>
        c.request({ path: '/a', headers: { 'X-Request-Id': 'chosen-by-caller' } }),
      );
      await res.text();
      expect(seen[0]!.headers['x-request-id']).toBe('chosen-by-caller');
    });
  });

  describe('outside any request context', () => {
    it('sends no X-Request-ID', async () => {
      await (await makeClient().request({ path: '/a' })).text();
      expect(seen[0]!.headers).not.toHaveProperty('x-request-id');
    });
  });

  describe('check()', () => {
    it('without a healthPath resolves without calling the upstream', async () => {
      await expect(makeClient().check()).resolves.toBeUndefined();
      expect(seen).toEqual([]);
    });

    it('with a healthPath asks it under the base path and accepts any status below 500', async () => {
      const c = makeClient({ healthPath: '/health' });
      await expect(c.check()).resolves.toBeUndefined();
      healthStatus = 404;
      await expect(c.check()).resolves.toBeUndefined();
      expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        'GET /api/v2/health',
        'GET /api/v2/health',
      ]);
    });

    it('fails when the health path answers 500 or more', async () => {
      healthStatus = 503;
      const check = makeClient({ healthPath: '/health' }).check();
      await expect(check).rejects.toThrow('upstream answered 503');
      await expect(check).rejects.toMatchObject({ code: 'HTTP_CLIENT_UNHEALTHY' });
    });
  });

  describe('close()', () => {
    it('is idempotent, concurrently and again, and the client is unusable after it', async () => {
      const c = makeClient({ healthPath: '/health' });
      await c.open();
      await expect(Promise.all([c.close(), c.close()])).resolves.toEqual([undefined, undefined]);
      await expect(c.close()).resolves.toBeUndefined();
      const closed = {
        code: 'HTTP_CLIENT_CLOSED',
        message: 'HTTP client "upstream" is closed: the service is shutting down',
      };
      await expect(c.check()).rejects.toMatchObject(closed);
      await expect(c.request({ path: '/a' })).rejects.toMatchObject(closed);
      expect(seen).toEqual([]);
    });
  });
});

describe('HttpClients', () => {
  const registry = new ResourceRegistry(resolveLifespanOptions({}));

  it('gives each configured client by name and names the option for an unknown one', async () => {
    const options = resolveLifespanOptions({
      httpClients: {
        billing: { baseUrl: 'http://127.0.0.1:9/billing' },
        search: { baseUrl: 'http://127.0.0.1:9' },
      },
    }).httpClients;
    const clients = new HttpClients(options, registry);
    try {
      expect(clients.all().map((c) => c.name)).toEqual(['http:billing', 'http:search']);
      expect(clients.get('search').target).toBe('http://127.0.0.1:9');
      expect(() => clients.get('payments')).toThrow(
        'no HTTP client named "payments"; add it to lifespan.httpClients',
      );
      expect(() => clients.get('payments')).toThrow(
        expect.objectContaining({ code: 'HTTP_CLIENT_UNKNOWN' }),
      );
    } finally {
      for (const c of clients.all()) await c.close();
    }
  });
});
