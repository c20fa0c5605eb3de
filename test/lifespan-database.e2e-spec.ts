import { existsSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { DatabaseResource, KYSELY, maskUrl, ResourceOpenError } from '@kit/lifespan';
import {
  createTestApp,
  type TestApp,
  databaseVariants,
  type TestDatabase,
  describeWithServices,
  postgresVariantAt,
} from '@kit/testing';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import { migrationSets } from '../src/database/migrations';
import type { Schema } from '../src/database/schema';

/** `<namespace>/<name>` of every migration, in the order they run: set by set, by name. */
const MIGRATIONS = migrationSets.flatMap((set) =>
  Object.keys(set.migrations)
    .sort()
    .map((name) => `${set.namespace}/${name}`),
);

async function boot(url: string, apps: TestApp[]): Promise<TestApp> {
  const t = await createTestApp(AppModule.forRoot(loadConfig({ DATABASE_URL: url })));
  apps.push(t);
  return t;
}

const kysely = (t: TestApp): Kysely<Schema> => t.app.get<Kysely<Schema>>(KYSELY);

/** Names of the migrations the boot logged as applied. */
const appliedAtBoot = (t: TestApp): string[] =>
  t.logs.lines.flatMap((l) => {
    const match = /^migration (\S+) applied$/.exec(String(l.msg));
    return match?.[1] ? [match[1]] : [];
  });

/** The migrations the sets' tables record, as `<namespace>/<name>`. */
async function recordedMigrations(t: TestApp): Promise<string[]> {
  const recorded: string[] = [];
  for (const { namespace } of migrationSets) {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(
      `kit_migrations_${namespace}`,
    )} order by name`.execute(kysely(t));
    recorded.push(...rows.map((r) => `${namespace}/${r.name}`));
  }
  return recorded;
}

describe.each(databaseVariants())('database resource on $name', (variant) => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    db = await variant.create('lifespan_db');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await db?.drop();
  });

  it('applies the migrations at boot: the users table exists', async () => {
    const t = await boot(db.url, apps);
    const database = t.app.get(DatabaseResource);
    expect(database.dialect).toBe(variant.name);
    expect(MIGRATIONS).toContain('service/0001_users');
    expect(appliedAtBoot(t)).toEqual(MIGRATIONS);
    expect(await recordedMigrations(t)).toEqual(MIGRATIONS);
    expect(t.logs.lines.map((l) => l.msg)).toContain(`opened database (${database.target})`);
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from users`.execute(
      kysely(t),
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.n)).toBe(0);
    if (variant.name === 'sqlite') {
      expect(database.target).toBe(db.url);
      expect(existsSync(db.url.slice('sqlite:'.length))).toBe(true);
    } else {
      expect(database.target).toBe(db.url);
    }
  });

  it('boots a second time on the same database without migrating again', async () => {
    const first = await boot(db.url, apps);
    await kysely(first)
      .insertInto('users')
      .values({
        id: 'u-1',
        email: 'a@example.com',
        name: 'A',
        password_hash: 'h',
        is_active: true,
        created_at: new Date(),
      })
      .execute();
    await first.close();

    const second = await boot(db.url, apps);
    expect(appliedAtBoot(second)).toEqual([]);
    expect(await recordedMigrations(second)).toEqual(MIGRATIONS);
    const users = await kysely(second).selectFrom('users').select(['id', 'email']).execute();
    expect(users).toEqual([{ id: 'u-1', email: 'a@example.com' }]);
    const res = await fetch(`${second.url}/health/ready`);
    expect(res.status).toBe(200);
  });

  it('round-trips a typed row with a boolean and a timestamp through Kysely', async () => {
    const q = kysely(await boot(db.url, apps));
    const createdAt = new Date('2026-03-04T05:06:07.089Z');
    const row = { password_hash: 'h', created_at: createdAt };
    await q
      .insertInto('users')
      .values({ ...row, id: 'u-off', email: 'off@example.com', name: null, is_active: false })
      .execute();
    // is_active omitted: the column default (true) applies.
    await q
      .insertInto('users')
      .values({ ...row, id: 'u-on', email: 'on@example.com', name: 'On' })
      .execute();

    // PostgreSQL reads boolean and Date; SQLite stores 0/1 and ISO-8601 text.
    const stored = (b: boolean): boolean | number => (variant.name === 'postgres' ? b : Number(b));
    const storedAt = variant.name === 'postgres' ? createdAt : createdAt.toISOString();
    const inactive = await q
      .selectFrom('users')
      .selectAll()
      .where('is_active', '=', false)
      .execute();
    expect(inactive).toEqual([
      {
        id: 'u-off',
        email: 'off@example.com',
        name: null,
        password_hash: 'h',
        role: 'user',
        is_active: stored(false),
        created_at: storedAt,
      },
    ]);

    const active = await q
      .selectFrom('users')
      .select(['id', 'is_active', 'created_at'])
      .where('is_active', '=', true)
      .where('created_at', '=', createdAt)
      .execute();
    expect(active).toEqual([{ id: 'u-on', is_active: stored(true), created_at: storedAt }]);

    await q.updateTable('users').set({ is_active: true }).where('id', '=', 'u-off').execute();
    const flipped = await q
      .selectFrom('users')
      .select('is_active')
      .where('id', '=', 'u-off')
      .executeTakeFirstOrThrow();
    expect(flipped.is_active).toBe(stored(true));
  });

  it('answers GET /health/ready 200 with the database up', async () => {
    const t = await boot(db.url, apps);
    const res = await fetch(`${t.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      status: 'ok',
      shuttingDown: false,
      resources: { database: { status: 'up', required: true, durationMs: expect.any(Number) } },
    });
  });
});

describeWithServices(
  'database resource on postgres, next to another schema',
  ['postgres'],
  (urls) => {
    const pg = postgresVariantAt(urls.postgres);
    const dbs: TestDatabase[] = [];
    const apps: TestApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await Promise.all(dbs.splice(0).map((d) => d.drop()));
    });

    it('fails the boot, naming the problem, when the search_path schema does not exist', async () => {
      const gone = await pg.create('lifespan_gone');
      await gone.drop();
      const url = gone.url;
      const error = await createTestApp(AppModule.forRoot(loadConfig({ DATABASE_URL: url }))).then(
        async (booted) => {
          await booted.close();
          return new Error('the boot was expected to fail but succeeded');
        },
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ResourceOpenError);
      expect((error as Error).message).toBe(
        `resource "database" could not open ${maskUrl(url)}: no schema of the search_path exists; create it, or fix the search_path the URL or role sets`,
      );
    });

    it("migrates its own schema when another schema holds Kysely's migration tables", async () => {
      const other = await pg.create('lifespan_other');
      dbs.push(other);
      const ours = await pg.create('lifespan_ours');
      dbs.push(ours);
      await (await boot(other.url, apps)).close();

      const t = await boot(ours.url, apps);
      expect(appliedAtBoot(t)).toEqual(MIGRATIONS);
      const { rows } = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema()`.execute(kysely(t));
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'kit_migrations_auth',
          'kit_migrations_auth_lock',
          'kit_migrations_service',
          'kit_migrations_service_lock',
          'users',
        ]),
      );
    });
  },
);
