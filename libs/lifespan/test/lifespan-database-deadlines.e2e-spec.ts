import { sql } from 'kysely';
import { DatabaseResource, type DatabaseOptions, ResourceRegistry } from '@kit/lifespan';
import { resolveLifespanOptions } from '@kit/lifespan/internal';
import {
  TcpProxy,
  timed,
  type TestDatabase,
  describeWithServices,
  postgresVariantAt,
  waitFor,
} from '@kit/testing';

// @kit/lifespan's PostgreSQL pool on the shared server (its own schema): a query past
// queryTimeoutMs and a wait for a pooled connection past acquireTimeoutMs both fail with the
// 503 DATABASE_TIMEOUT error, each within its deadline, and the pool keeps serving afterwards.

const SLACK_MS = 1_500;

describeWithServices('PostgreSQL deadlines of the database resource', ['postgres'], (urls) => {
  const pg = postgresVariantAt(urls.postgres);
  let db: TestDatabase | undefined;
  let database: DatabaseResource | undefined;

  async function open(options: Omit<DatabaseOptions, 'url'>): Promise<DatabaseResource> {
    db = await pg!.create('db_deadlines');
    const resolved = resolveLifespanOptions({ database: { url: db.url, ...options } });
    database = new DatabaseResource(resolved.database!, new ResourceRegistry(resolved));
    await database.open();
    return database;
  }

  afterEach(async () => {
    await database?.close();
    await db?.drop();
    database = db = undefined;
  }, 15_000);

  it('fails a query past queryTimeoutMs with DATABASE_TIMEOUT, and the pool still serves', async () => {
    const kysely = (await open({ queryTimeoutMs: 300 })).kysely();
    const { ms, error } = await timed(sql`select pg_sleep(5)`.execute(kysely));
    expect(error).toMatchObject({
      code: 'DATABASE_TIMEOUT',
      status: 503,
      detail: 'The database did not answer in time (statement timeout); try again shortly.',
      headers: { 'retry-after': '5' },
    });
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(300 + SLACK_MS);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(kysely);
    expect(rows).toEqual([{ one: 1 }]);
  }, 15_000);

  it('fails the wait for a pooled connection past acquireTimeoutMs with DATABASE_TIMEOUT', async () => {
    const kysely = (await open({ poolSize: 1, acquireTimeoutMs: 300 })).kysely();
    // The pool's one connection is opened first, outside the measurement: on a busy machine the
    // connect itself can pass 300 ms, which is the deadline under test, not a setup failure.
    await waitFor(
      async () => (await sql<{ one: number }>`select 1 as one`.execute(kysely)).rows.length === 1,
      { timeoutMs: 10_000, description: 'a first pooled connection' },
    );
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding: (() => void) | undefined;
    const started = new Promise<void>((resolve) => (holding = resolve));
    // The pool's only connection, held by a transaction until the test releases it.
    const transaction = kysely.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      holding!();
      await held;
    });
    // A transaction that fails before it holds the connection fails the test instead of hanging it.
    await Promise.race([started, transaction]);
    try {
      const { ms, error } = await timed(sql`select 1`.execute(kysely));
      expect(error).toMatchObject({
        code: 'DATABASE_TIMEOUT',
        detail:
          'The database did not answer in time (waiting for a connection); try again shortly.',
      });
      expect(ms).toBeGreaterThanOrEqual(280);
      expect(ms).toBeLessThan(300 + SLACK_MS);
    } finally {
      release!();
      await transaction;
    }
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(kysely);
    expect(rows).toEqual([{ one: 1 }]);
  }, 25_000);

  it('leaves other database errors as they are', async () => {
    const kysely = (await open({})).kysely();
    const { error } = await timed(sql`select * from no_such_table`.execute(kysely));
    expect(error).toMatchObject({ code: '42P01' });
  }, 15_000);

  it('survives a held connection whose server goes away between queries: 503, no crash', async () => {
    db = await pg!.create('db_deadlines');
    const proxy = await TcpProxy.forUrl(db.url, 5432);
    try {
      const resolved = resolveLifespanOptions({ database: { url: proxy.url(db.url) } });
      database = new DatabaseResource(resolved.database!, new ResourceRegistry(resolved));
      await database.open();
      const kysely = database.kysely();
      await kysely.connection().execute(async (conn) => {
        await sql`select 1`.execute(conn);
        // The connection is held and idle when its socket ends. pg then emits 'error' on the
        // client, which no listener took while the client was checked out: a process crash.
        await proxy.stop();
        const { error } = await timed(sql`select 1`.execute(conn));
        expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
      });
      await proxy.restart();
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(kysely);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await proxy.stop();
    }
  }, 15_000);
});
