import { Closer, databaseVariants, expectProblem, waitFor } from '@kit/testing';
import { randomUUID } from 'node:crypto';
import {
  adminToken,
  bootService,
  call,
  registerAndLogin,
  type Service,
} from './support/auth-service';

// GET /metrics on the reference service: not public (API key with the `metrics` scope),
// Prometheus text with the HTTP histogram by route template, task and job metrics.

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const sqlite = databaseVariants().find((v) => v.name === 'sqlite')!;

/** The value of one sample line `name{labels} value`, labels given in their exposition order. */
function sample(body: string, name: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  let s: Service;
  let metricsKey: string;
  let otherKey: string;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(sqlite, 'metrics'));
    const admin = await adminToken(s);
    const createKey = async (name: string, scopes: string[]): Promise<string> => {
      const res = await call(s, '/admin/api-keys', { token: admin, json: { name, scopes } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { key: string }).key;
    };
    metricsKey = await createKey('prometheus', ['metrics']);
    otherKey = await createKey('pipeline', ['ingest']);
  }, 30_000);
  afterAll(() => closer.closeAll());

  const scrape = (apiKey?: string): Promise<Response> =>
    call(s, '/metrics', apiKey === undefined ? {} : { apiKey });

  it('answers 401 without an API key', async () => {
    await expectProblem(await scrape(), 401, 'AUTH_API_KEY_MISSING', {
      detail: 'This route needs an API key in the X-API-Key header.',
    });
  });

  it('answers 403 to a valid key without the metrics scope, and to an unknown key', async () => {
    const detail = 'The API key is invalid, revoked or lacks the scope this route needs.';
    await expectProblem(await scrape(otherKey), 403, 'AUTH_API_KEY_INVALID', { detail: detail });
    await expectProblem(
      await scrape(`${metricsKey.slice(0, -4)}AAAA`),
      403,
      'AUTH_API_KEY_INVALID',
      { detail: detail },
    );
  });

  it('answers Prometheus text, labelling requests by route template, never by raw id', async () => {
    const { user, tokens } = await registerAndLogin(s);
    const missingId = randomUUID();
    expect((await call(s, `/users/${user.id}`, { token: tokens.access_token })).status).toBe(200);
    expect((await call(s, `/users/${missingId}`, { token: tokens.access_token })).status).toBe(404);
    expect((await call(s, `/no/such/route/${missingId}`)).status).toBe(404);

    const res = await scrape(metricsKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();

    expect(body).toContain(
      '# HELP http_request_duration_seconds HTTP request duration by route template and status\n' +
        '# TYPE http_request_duration_seconds histogram\n',
    );
    expect(sample(body, series('/users/:id', 200))).toBe(1);
    expect(sample(body, series('/users/:id', 404))).toBe(1);
    expect(sample(body, series('unmatched', 404))).toBe(1);
    expect(sample(body, series('/users', 201, 'POST'))).toBeGreaterThanOrEqual(1);
    expect(sample(body, series('/metrics', 401))).toBeGreaterThanOrEqual(1);
    expect(sample(body, series('/metrics', 403))).toBeGreaterThanOrEqual(2);
    expect(body).toContain(
      `http_request_duration_seconds_bucket{le="0.001",method="GET",route="/users/:id",status_code="200"}`,
    );
    expect(body).not.toContain(user.id);
    expect(body).not.toContain(missingId);
    expect(body).not.toContain('/no/such');

    // The process metrics are there too.
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expectValidExposition(body);
  });

  it('counts background tasks and job attempts once an order and an ingest batch ran', async () => {
    const { tokens } = await registerAndLogin(s);
    const before = await (await scrape(metricsKey)).text();
    const completedBefore = sample(before, 'background_tasks{state="completed_total"}') ?? 0;

    const order = await call(s, '/orders', {
      token: tokens.access_token,
      json: { item: 'metrics-widget', quantity: 2 },
    });
    expect(order.status).toBe(201);
    const ingest = await call(s, '/ingest/events', {
      apiKey: otherKey,
      json: { events: [{ type: 'page_view', payload: { path: '/' } }] },
    });
    expect(ingest.status).toBe(202);

    const body = await waitFor(
      async () => {
        const text = await (await scrape(metricsKey)).text();
        const tasksDone =
          sample(text, 'background_tasks{state="completed_total"}') === completedBefore + 1;
        const jobDone =
          sample(
            text,
            'job_attempt_duration_seconds_count{name="ingest.process",outcome="completed"}',
          ) === 1;
        return tasksDone && jobDone ? text : undefined;
      },
      { timeoutMs: 5_000, description: 'the order task and the ingest job to be counted' },
    );

    expect(body).toContain('# TYPE background_tasks gauge\n');
    expect(sample(body, 'background_tasks{state="failed_total"}')).toBe(0);
    expect(sample(body, 'background_tasks{state="refused_total"}')).toBe(0);
    expect(sample(body, 'background_tasks{state="running"}')).toBe(0);
    expect(sample(body, 'background_tasks{state="outstanding"}')).toBe(0);
    expect(sample(body, 'background_task_duration_seconds_count{outcome="completed"}')).toBe(
      completedBefore + 1,
    );
    expect(body).toContain('# TYPE job_attempt_duration_seconds histogram\n');
    expect(sample(body, series('/orders', 201, 'POST'))).toBeGreaterThanOrEqual(1);
    expectValidExposition(body);
  });
});

/** The count series of the HTTP histogram for one route template, status and method. */
function series(route: string, status: number, method = 'GET'): string {
  return `http_request_duration_seconds_count{method="${method}",route="${route}",status_code="${status}"}`;
}

/**
 * Every sample belongs to a family with HELP and TYPE, and every line parses. (prom-client
 * writes NaN as `Nan`, which Prometheus parses case-insensitively.)
 */
function expectValidExposition(body: string): void {
  const families = new Set<string>();
  const bad: string[] = [];
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') families.add(meta[2]!);
      continue;
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)$/.exec(
        line,
      );
    const family = m?.[1]?.replace(/_(bucket|sum|count)$/, '');
    if (!m || !(families.has(m[1]!) || (family && families.has(family)))) bad.push(line);
  }
  expect(bad).toEqual([]);
}
