import type { Logger } from '@nestjs/common';
import { Migrator, type MigrationProvider } from 'kysely';
import { errorMessage, LifespanError } from '../lifespan.errors';
import type { ResolvedMigrationSet } from '../options/lifespan-options.interface';
import { adoptLegacyMigrations, type MigrationTarget } from './legacy-migrations.adopter';

/**
 * Brings the database to the latest migration of every set: first adopts a database from
 * before migration sets, then runs each set in the order given (libs first, then the service),
 * each with its own Kysely migration and lock tables, so one owner's new migration never has
 * to sort after another owner's applied ones.
 */
export async function runMigrationSets(
  target: MigrationTarget,
  sets: readonly ResolvedMigrationSet[],
  logger: Logger,
): Promise<void> {
  if (sets.length === 0) return;
  await adoptLegacyMigrations(target, sets, logger);
  for (const set of sets) await migrateSet(target, set, logger);
}

async function migrateSet(
  target: MigrationTarget,
  set: ResolvedMigrationSet,
  logger: Logger,
): Promise<void> {
  if (Object.keys(set.migrations).length === 0) return;
  const provider: MigrationProvider = {
    getMigrations: () => Promise.resolve({ ...set.migrations }),
  };
  const { error, results } = await new Migrator({
    db: target.db,
    provider,
    migrationTableSchema: target.schema,
    migrationTableName: set.table,
    migrationLockTableName: set.lockTable,
  }).migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') logger.log(`migration ${set.namespace}/${r.migrationName} applied`);
    if (r.status === 'Error') logger.error(`migration ${set.namespace}/${r.migrationName} failed`);
  }
  if (!error) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  throw new LifespanError(
    'DATABASE_MIGRATION_FAILED',
    `${failed ? `migration ${set.namespace}/${failed}` : `migrations of ${set.namespace}`} ` +
      `failed: ${errorMessage(error)}`,
    { cause: error },
  );
}
