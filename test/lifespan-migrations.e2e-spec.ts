import { type DynamicModule, Module } from '@nestjs/common';
import { Kysely, type Migration, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { Pool } from 'pg';
import { authMigrations } from '@kit/auth';
import { HttpKitModule } from '@kit/http';
import {
  KYSELY,
  LifespanError,
  LifespanModule,
  type MigrationSet,
  ResourceOpenError,
} from '@kit/lifespan';
import { NodeSqliteDatabase } from '@kit/lifespan/internal';
import {
  createTestApp,
  type TestApp,
  databaseVariants,
  type DatabaseVariant,
  type TestDatabase,
  describeWithServices,
  postgresVariantAt,
} from '@kit/testing';
import { migrations, migrationSets } from '../src/database/migrations';

// Migration sets on a real SQLite file and a real PostgreSQL schema: each owner's migrations in
// its own Kysely tables, so a new table of the service and a new migration of a lib both apply
// on the next boot of an already migrated database, and a database migrated into Kysely's one
// flat table (before sets) is adopted.

/** Bound of every test and hook: a few boots on a busy machine. */
const TIMEOUT = 30_000;

interface MigrationRow {
  name: string;
  timestamp: string;
}

@Module({})
class MigrationsFixtureModule {
  static forRoot(url: string, sets: readonly MigrationSet[]): DynamicModule {
    return {
      module: MigrationsFixtureModule,
      imports: [
        HttpKitModule.forRoot({ isGlobal: true, openapi: { enabled: false } }),
        LifespanModule.forRoot({ isGlobal: true, database: { url, migrations: sets } }),
      ],
    };
  }
}

/** A migration creating `table` with one column, as the resource schematic's does. */
function createTableMigration(table: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable(table)
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(table).execute();
    },
  };
}

/** The reference service's sets with `extra` appended to the set `namespace`. */
function withMigration(
  sets: readonly MigrationSet[],
  namespace: string,
  extra: Record<string, Migration>,
): MigrationSet[] {
  return sets.map((s) =>
    s.namespace === namespace ? { ...s, migrations: { ...s.migrations, ...extra } } : s,
  );
}

/** `<namespace>/<name>` of the migrations a boot logged as applied, in order. */
const appliedAtBoot = (t: TestApp): string[] =>
  t.logs.lines.flatMap((l) => {
    const match = /^migration (\S+) applied$/.exec(String(l.msg));
    return match?.[1] ? [match[1]] : [];
  });

const kysely = (t: TestApp): Kysely<unknown> => t.app.get<Kysely<unknown>>(KYSELY);

/** The rows of a migration table, by name. */
async function rowsOf(db: Kysely<unknown>, table: string): Promise<MigrationRow[]> {
  const { rows } = await sql<MigrationRow>`select name, timestamp from ${sql.table(
    table,
  )} order by name`.execute(db);
  return rows;
}

/** Names of the tables of the current schema (PostgreSQL) or database (SQLite), sorted. */
async function tablesOf(db: Kysely<unknown>, variant: DatabaseVariant): Promise<string[]> {
  const { rows } =
    variant.name === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema()`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table'
          and name not like 'sqlite_%'`.execute(db);
  return rows.map((r) => r.name).toSorted();
}

/** A Kysely of its own on the test database, outside any app. */
function openKysely(db: TestDatabase): Kysely<unknown> {
  if (db.url.startsWith('sqlite:')) {
    const file = db.url.slice('sqlite:'.length);
    return new Kysely({
      dialect: new SqliteDialect({ database: new NodeSqliteDatabase(file, 5_000) }),
    });
  }
  return new Kysely({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: db.url, max: 1 }) }),
  });
}

/**
 * Migrates `db` as the kit did before migration sets: one Kysely Migrator over the auth and
 * service migrations merged into one record, recorded in Kysely's default `kysely_migration`.
 */
async function migrateAsBeforeSets(db: TestDatabase): Promise<MigrationRow[]> {
  const q = openKysely(db);
  try {
    const schema = db.url.startsWith('sqlite:')
      ? undefined
      : (await sql<{ s: string }>`select current_schema() as s`.execute(q)).rows[0]?.s;
    const flat = { ...authMigrations, ...migrations };
    const { error } = await new Migrator({
      db: q,
      provider: { getMigrations: () => Promise.resolve(flat) },
      migrationTableSchema: schema,
    }).migrateToLatest();
    if (error) throw error;
    await sql`insert into users (id, email, password_hash, role, is_active, created_at)
      values ('u-1', 'a@example.com', 'h', 'user', ${true}, ${new Date().toISOString()})`.execute(
      q,
    );
    return await rowsOf(q, 'kysely_migration');
  } finally {
    await q.destroy();
  }
}

/** The error a boot on `sets` fails with. */
async function bootError(url: string, sets: readonly MigrationSet[]): Promise<unknown> {
  return createTestApp(MigrationsFixtureModule.forRoot(url, sets)).then(
    async (booted) => {
      await booted.close();
      return new Error('the boot was expected to fail but succeeded');
    },
    (err: unknown) => err,
  );
}

describe.each(databaseVariants())('migration sets on $name', (variant) => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  async function boot(sets: readonly MigrationSet[]): Promise<TestApp> {
    const t = await createTestApp(MigrationsFixtureModule.forRoot(db.url, sets));
    apps.push(t);
    return t;
  }

  beforeEach(async () => {
    db = await variant.create('migration_sets');
  }, TIMEOUT);
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await db?.drop();
  }, TIMEOUT);

  it(
    "keeps each set's migrations in its own tables",
    async () => {
      const t = await boot(migrationSets);
      expect(await tablesOf(kysely(t), variant)).toEqual(
        expect.arrayContaining([
          'kit_migrations_auth',
          'kit_migrations_auth_lock',
          'kit_migrations_service',
          'kit_migrations_service_lock',
        ]),
      );
      expect(await tablesOf(kysely(t), variant)).not.toContain('kysely_migration');
      const names = async (table: string): Promise<string[]> =>
        (await rowsOf(kysely(t), table)).map((r) => r.name);
      expect(await names('kit_migrations_auth')).toEqual(Object.keys(authMigrations).toSorted());
      expect(await names('kit_migrations_service')).toEqual(Object.keys(migrations).toSorted());
    },
    TIMEOUT,
  );

  it(
    "applies a new service migration that sorts before the lib's applied ones",
    async () => {
      await (await boot(migrationSets)).close();
      // Named like the resource schematic's numbering used to: before auth's 0100_*.
      const next = withMigration(migrationSets, 'service', {
        '0005_invoices': createTableMigration('invoices'),
      });

      const t = await boot(next);
      expect(appliedAtBoot(t)).toEqual(['service/0005_invoices']);
      expect(await tablesOf(kysely(t), variant)).toContain('invoices');
      await t.close();
      expect(appliedAtBoot(await boot(next))).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "applies a lib's new migration that sorts before the service's applied ones",
    async () => {
      const service = withMigration(migrationSets, 'service', {
        '20261204T101500_invoices': createTableMigration('invoices'),
      });
      await (await boot(service)).close();
      // A later version of the lib appends its next migration.
      const upgraded = withMigration(service, 'auth', {
        '0102_auth_audit': createTableMigration('auth_audit'),
      });

      const t = await boot(upgraded);
      expect(appliedAtBoot(t)).toEqual(['auth/0102_auth_audit']);
      expect(await tablesOf(kysely(t), variant)).toContain('auth_audit');
    },
    TIMEOUT,
  );

  describe('on a database migrated before migration sets', () => {
    it(
      "moves each row into its set's table, keeps the data and runs only the new migration",
      async () => {
        const legacy = await migrateAsBeforeSets(db);
        const next = withMigration(migrationSets, 'service', {
          '0005_invoices': createTableMigration('invoices'),
        });

        const t = await boot(next);
        const q = kysely(t);
        expect(appliedAtBoot(t)).toEqual(['service/0005_invoices']);
        const messages = t.logs.lines.map((l) => l.msg);
        expect(messages).toContain('adopted 2 migration(s) of auth into kit_migrations_auth');
        expect(messages).toContain(
          `adopted ${Object.keys(migrations).length} migration(s) of service into kit_migrations_service`,
        );
        const ownedBy = (names: Record<string, Migration>): MigrationRow[] =>
          legacy.filter((r) => Object.hasOwn(names, r.name));
        expect(await rowsOf(q, 'kit_migrations_auth')).toEqual(ownedBy(authMigrations));
        const service = await rowsOf(q, 'kit_migrations_service');
        expect(service.slice(0, -1)).toEqual(ownedBy(migrations));
        expect(service.map((r) => r.name).at(-1)).toBe('0005_invoices');
        const tables = await tablesOf(q, variant);
        expect(tables).not.toContain('kysely_migration');
        expect(tables).not.toContain('kysely_migration_lock');
        const { rows } = await sql<{ email: string }>`select email from users`.execute(q);
        expect(rows).toEqual([{ email: 'a@example.com' }]);

        await t.close();
        const again = await boot(next);
        expect(appliedAtBoot(again)).toEqual([]);
        expect(again.logs.lines.map((l) => String(l.msg))).not.toContainEqual(
          expect.stringMatching(/^adopted /),
        );
      },
      TIMEOUT,
    );

    it(
      'refuses a row no set declares, naming it, and changes nothing',
      async () => {
        const legacy = await migrateAsBeforeSets(db);
        const withoutAuth = migrationSets.filter((s) => s.namespace !== 'auth');

        const error = await bootError(db.url, withoutAuth);
        expect(error).toBeInstanceOf(ResourceOpenError);
        const cause = (error as ResourceOpenError).cause;
        expect(cause).toBeInstanceOf(LifespanError);
        expect((cause as LifespanError).code).toBe('DATABASE_LEGACY_MIGRATIONS_UNKNOWN');
        expect((cause as LifespanError).message).toBe(
          'kysely_migration records migrations no migration set declares ' +
            '(0100_auth_api_keys, 0101_auth_refresh_tokens); add the set that owns them to ' +
            'lifespan.database.migrations',
        );
        const q = openKysely(db);
        try {
          expect(await rowsOf(q, 'kysely_migration')).toEqual(legacy);
          expect(await tablesOf(q, variant)).not.toContain('kit_migrations_service');
        } finally {
          await q.destroy();
        }
      },
      TIMEOUT,
    );
  });
});

describeWithServices(
  'migration sets on postgres, instances booting together',
  ['postgres'],
  (urls) => {
    const pg = postgresVariantAt(urls.postgres);
    let db: TestDatabase | undefined;
    const apps: TestApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await db?.drop();
    }, TIMEOUT);

    it(
      'adopts a database from before migration sets once',
      async () => {
        db = await pg.create('migration_sets_together');
        const legacy = await migrateAsBeforeSets(db);
        const url = db.url;
        const booted = await Promise.allSettled(
          [1, 2, 3].map(() => createTestApp(MigrationsFixtureModule.forRoot(url, migrationSets))),
        );
        for (const b of booted) if (b.status === 'fulfilled') apps.push(b.value);
        expect(booted.map((b) => b.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        const adoptions = apps.flatMap((a) =>
          a.logs.lines.filter((l) => String(l.msg).startsWith('adopted ')),
        );
        expect(adoptions).toHaveLength(2);
        const q = kysely(apps[0] as TestApp);
        const recorded = [
          ...(await rowsOf(q, 'kit_migrations_auth')),
          ...(await rowsOf(q, 'kit_migrations_service')),
        ];
        expect(recorded.toSorted((a, b) => a.name.localeCompare(b.name))).toEqual(legacy);
      },
      TIMEOUT,
    );
  },
);
