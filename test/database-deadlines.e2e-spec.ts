import { expectProblem, printSkipNotice, sqliteVariant, waitFor } from '@kit/testing';
import { bootService, call, registerAndLogin, type Service } from './support/auth-service';
import { OwnPostgres, ownPostgresUnavailable } from './support/own-postgres';

// The reference service on a PostgreSQL cluster this suite creates and owns: frozen with SIGSTOP
// a query answers 503 DATABASE_TIMEOUT within DATABASE_QUERY_TIMEOUT_MS instead of holding the
// request for the whole freeze; shut down, 503 DATABASE_UNAVAILABLE instead of a 500; back, 200.

const QUERY_TIMEOUT_MS = 1_000;
const ACQUIRE_TIMEOUT_MS = 1_000;
/** Room above the deadline for a busy machine; the freeze itself lasts until the test thaws. */
const SLACK_MS = 3_000;

const unavailable = ownPostgresUnavailable();
if (unavailable && process.env.REQUIRE_SERVICES !== '1')
  printSkipNotice(`database deadline tests not run: ${unavailable}`);
const describeOwnPostgres =
  unavailable && process.env.REQUIRE_SERVICES !== '1' ? describe.skip : describe;

describeOwnPostgres('database deadlines (reference service, own PostgreSQL)', () => {
  let pg: OwnPostgres | undefined;
  let s: Service | undefined;
  let token = '';

  beforeAll(async () => {
    if (unavailable) throw new Error(`an own PostgreSQL is required but ${unavailable}`);
    pg = await OwnPostgres.create();
    const url = pg.url;
    s = await bootService(
      sqliteVariant,
      'db-deadlines',
      {
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      },
      {},
      { db: { url, drop: () => Promise.resolve() } },
    );
    token = (await registerAndLogin(s)).tokens.access_token;
  }, 90_000);

  afterAll(async () => {
    pg?.thaw();
    await s?.close();
    await pg?.destroy();
  }, 30_000);

  const listOrders = (): Promise<Response> => call(s!, '/orders', { token });

  /** GET /orders until it answers 200 (bounded). */
  const answersAgain = (withinMs: number): Promise<Response> =>
    waitFor(
      async () => {
        const res = await listOrders();
        if (res.status === 200) return res;
        await res.arrayBuffer();
        return undefined;
      },
      { timeoutMs: withinMs, intervalMs: 50, description: 'GET /orders to answer 200' },
    );

  it('answers 503 DATABASE_TIMEOUT within the query deadline while the database is frozen', async () => {
    expect((await listOrders()).status).toBe(200);

    pg!.freeze();
    try {
      const started = performance.now();
      const res = await fetch(`${s!.url}/orders`, {
        headers: { authorization: `Bearer ${token}` },
        // Without a deadline the request would wait for the thaw; fail the test instead.
        signal: AbortSignal.timeout(QUERY_TIMEOUT_MS + ACQUIRE_TIMEOUT_MS + SLACK_MS),
      });
      const elapsed = performance.now() - started;
      expect(res.headers.get('retry-after')).toBe('5');
      const body = await expectProblem(res, 503, 'DATABASE_TIMEOUT');
      expect(body.detail).toMatch(
        /^The database did not answer in time \(.+\); try again shortly\.$/,
      );
      expect(elapsed).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(QUERY_TIMEOUT_MS + ACQUIRE_TIMEOUT_MS + SLACK_MS);

      // Logged once at warn with its code and cause, without a stack.
      const line = s!.t.logs.lines.find(
        (l) => l.msg === 'request failed' && l.reqId === body.request_id,
      );
      expect(line).toMatchObject({ level: 40, error: 'DATABASE_TIMEOUT', route: '/orders' });
      expect(line).not.toHaveProperty('err');
      expect(JSON.stringify(line)).not.toMatch(/\n\s+at /);
    } finally {
      pg!.thaw();
    }

    expect((await answersAgain(10_000)).status).toBe(200);
  }, 30_000);

  it('answers 503 DATABASE_UNAVAILABLE while the database is down, and 200 once it is back', async () => {
    expect((await listOrders()).status).toBe(200);

    await pg!.kill();
    const res = await fetch(`${s!.url}/orders`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(QUERY_TIMEOUT_MS + ACQUIRE_TIMEOUT_MS + SLACK_MS),
    });
    await expectProblem(res, 503, 'DATABASE_UNAVAILABLE', {
      detail: 'The database is not reachable; try again shortly.',
      headers: { 'retry-after': '5' },
    });

    await pg!.start();
    expect((await answersAgain(10_000)).status).toBe(200);
  }, 60_000);
});
