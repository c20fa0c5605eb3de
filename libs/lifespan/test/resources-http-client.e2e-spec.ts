import { HttpClients } from '@kit/lifespan';
import { Closer, createTestApp, type TestApp, expectProblem, Upstream } from '@kit/testing';
import { shutdownFixtureModule, ShutdownFixtureState } from './fixtures/shutdown-fixture.module';

// The outbound HTTP client resource in an app, against a real upstream on 127.0.0.1:0: request
// ids carried from the incoming request, the base path, readiness from the health path, close.

const up = { status: 'up', required: true, durationMs: expect.any(Number) };

describe('HTTP client resource', () => {
  let upstream: Upstream;
  let healthStatus: number;
  let t: TestApp;
  const closer = new Closer();

  beforeEach(async () => {
    healthStatus = 200;
    upstream = await closer.adopt(
      Upstream.start((req, res) => {
        const status = req.url === '/api/v1/health' ? healthStatus : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, requestId: req.headers['x-request-id'] ?? null }));
      }),
    );
    t = await closer.adopt(
      createTestApp(
        shutdownFixtureModule({
          state: new ShutdownFixtureState(),
          lifespan: {
            httpClients: {
              upstream: { baseUrl: `${upstream.origin}/api/v1/`, healthPath: '/health' },
            },
          },
        }),
      ),
    );
  });

  afterEach(() => closer.closeAll());

  const outbound = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${t.url}/fixture/outbound?path=${encodeURIComponent(path)}`, { headers });

  it('calls the upstream under its base path with the incoming request id', async () => {
    const res = await outbound('/orders/7?expand=items', { 'x-request-id': 'incoming-id-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('incoming-id-1');
    expect(await res.json()).toEqual({
      status: 200,
      body: { path: '/api/v1/orders/7?expand=items', requestId: 'incoming-id-1' },
      requestId: 'incoming-id-1',
    });
    expect(upstream.requests.filter((r) => r.url !== '/api/v1/health')).toEqual([
      expect.objectContaining({ method: 'GET', url: '/api/v1/orders/7?expand=items' }),
    ]);
  });

  it('carries the id the service generated when the client sent none, a different one per request', async () => {
    const first = await outbound('/a');
    const second = await outbound('/b');
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(((await first.json()) as { body: unknown }).body).toEqual({
      path: '/api/v1/a',
      requestId: ids[0],
    });
    expect(((await second.json()) as { body: unknown }).body).toEqual({
      path: '/api/v1/b',
      requestId: ids[1],
    });
  });

  it('is opened at boot under its name and target, and is up in readiness', async () => {
    expect(t.logs.lines.map((l) => l.msg)).toContain(
      `opened http:upstream (${upstream.origin}/api/v1)`,
    );
    const res = await fetch(`${t.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      shuttingDown: false,
      resources: { 'http:upstream': up },
    });
    expect(upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v1/health']);
  });

  it('makes readiness 503 while the health path answers 500, and 200 again once it recovers', async () => {
    healthStatus = 500;
    const res = await fetch(`${t.url}/health/ready`);
    await expectProblem(res, 503, 'NOT_READY', {
      title: 'Service Unavailable',
      detail: 'A resource the service needs is not answering.',
      extensions: {
        resources: {
          'http:upstream': {
            status: 'down',
            required: true,
            durationMs: expect.any(Number),
            error: 'CHECK_FAILED',
          },
        },
        shuttingDown: false,
      },
    });
    healthStatus = 200;
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
  });

  it('makes readiness 503 when the upstream is gone', async () => {
    await upstream.close();
    const res = await fetch(`${t.url}/health/ready`);
    const body = await expectProblem(res, 503, 'NOT_READY', {
      title: 'Service Unavailable',
      detail: 'A resource the service needs is not answering.',
      extensions: {
        resources: {
          'http:upstream': {
            status: 'down',
            required: true,
            durationMs: expect.any(Number),
            error: 'CHECK_FAILED',
          },
        },
        shuttingDown: false,
      },
    });
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
  });

  it('closes idempotently: closing it early leaves app.close() clean and logs one close', async () => {
    const client = t.app.get(HttpClients).get('upstream');
    await Promise.all([client.close(), client.close()]);
    await client.close();
    await expect(client.check()).rejects.toThrow(
      'HTTP client "upstream" is closed: the service is shutting down',
    );
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(503);
    await ready.text();

    await t.close();
    const messages = t.logs.lines.map((l) => String(l.msg));
    expect(messages.filter((m) => m === 'closed http:upstream')).toEqual(['closed http:upstream']);
    expect(messages.filter((m) => m.startsWith('closing '))).toEqual([]);
  });
});
