import type { Logger } from '@nestjs/common';
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, type Kysely, sql } from 'kysely';
import { errorMessage, LifespanError } from '../lifespan.errors';
import type { DatabaseDialect, ResolvedMigrationSet } from '../options/lifespan-options.interface';

/** A row of a Kysely migration table. */
interface MigrationRow {
  name: string;
  timestamp: string;
}

type MigrationTables = Record<string, MigrationRow>;

/** Where the sets live: the database, its dialect and (PostgreSQL) the schema of the tables. */
export interface MigrationTarget {
  readonly db: Kysely<unknown>;
  readonly dialect: DatabaseDialect;
  readonly schema: string | undefined;
}

/**
 * Adopts a database migrated before migration sets existed: Kysely's one flat
 * `kysely_migration` table then held every owner's rows. Each row moves, with its timestamp,
 * into the table of the set that declares its name, and the flat table and its lock table are
 * dropped, all in one transaction: a failure leaves the database as it was. Only the first boot
 * of the new version finds the flat table; later boots pay one existence query. One way only:
 * a kit version from before sets would find no `kysely_migration` and migrate again.
 */
export async function adoptLegacyMigrations(
  target: MigrationTarget,
  sets: readonly ResolvedMigrationSet[],
  logger: Logger,
): Promise<void> {
  if (!(await tableExists(target, target.db, DEFAULT_MIGRATION_TABLE))) return;
  let moved: Map<ResolvedMigrationSet, MigrationRow[]>;
  try {
    moved = await target.db.transaction().execute((trx) => adoptIn(target, trx, sets));
  } catch (err) {
    if (err instanceof LifespanError) throw err;
    throw new LifespanError(
      'DATABASE_MIGRATION_ADOPTION_FAILED',
      `moving the rows of ${DEFAULT_MIGRATION_TABLE} into the migration sets' tables failed: ` +
        errorMessage(err),
      { cause: err },
    );
  }
  for (const [set, rows] of moved) {
    logger.log(`adopted ${rows.length} migration(s) of ${set.namespace} into ${set.table}`);
  }
}

async function adoptIn(
  target: MigrationTarget,
  trx: Kysely<unknown>,
  sets: readonly ResolvedMigrationSet[],
): Promise<Map<ResolvedMigrationSet, MigrationRow[]>> {
  // Instances booting together on PostgreSQL: the first adopts, the others then find no table.
  if (target.dialect === 'postgres') {
    const key = `${target.schema ?? ''}.${DEFAULT_MIGRATION_TABLE}`;
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    if (!(await tableExists(target, trx, DEFAULT_MIGRATION_TABLE))) return new Map();
  }
  const db = inSchema(target, trx);
  const rows = await db
    .selectFrom(DEFAULT_MIGRATION_TABLE)
    .select(['name', 'timestamp'])
    .orderBy('name')
    .execute();
  const bySet = assignRows(rows, sets);
  for (const [set, setRows] of bySet) {
    await db.schema
      .createTable(set.table)
      .ifNotExists()
      // The columns Kysely's Migrator creates, so it takes this table for its own.
      .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
      .execute();
    await db.insertInto(set.table).values(setRows).execute();
  }
  await db.schema.dropTable(DEFAULT_MIGRATION_TABLE).execute();
  await db.schema.dropTable(DEFAULT_MIGRATION_LOCK_TABLE).ifExists().execute();
  return bySet;
}

/** The rows of each set that has some, in set order; a row no set declares stops the adoption. */
function assignRows(
  rows: readonly MigrationRow[],
  sets: readonly ResolvedMigrationSet[],
): Map<ResolvedMigrationSet, MigrationRow[]> {
  const bySet = new Map<ResolvedMigrationSet, MigrationRow[]>(sets.map((s) => [s, []]));
  const unknown: string[] = [];
  for (const row of rows) {
    const set = sets.find((s) => Object.hasOwn(s.migrations, row.name));
    if (set) bySet.get(set)?.push(row);
    else unknown.push(row.name);
  }
  if (unknown.length > 0) {
    throw new LifespanError(
      'DATABASE_LEGACY_MIGRATIONS_UNKNOWN',
      `${DEFAULT_MIGRATION_TABLE} records migrations no migration set declares ` +
        `(${unknown.join(', ')}); add the set that owns them to lifespan.database.migrations`,
    );
  }
  for (const [set, setRows] of bySet) if (setRows.length === 0) bySet.delete(set);
  return bySet;
}

/** Whether `table` exists in the target's schema (PostgreSQL) or database (SQLite). */
async function tableExists(
  target: MigrationTarget,
  db: Kysely<unknown>,
  table: string,
): Promise<boolean> {
  const { rows } =
    target.dialect === 'postgres'
      ? await sql`select 1 from information_schema.tables
          where table_schema = ${target.schema ?? null} and table_name = ${table}`.execute(db)
      : await sql`select 1 from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  return rows.length > 0;
}

function inSchema(target: MigrationTarget, db: Kysely<unknown>): Kysely<MigrationTables> {
  const typed = db as unknown as Kysely<MigrationTables>;
  return target.schema ? typed.withSchema(target.schema) : typed;
}
