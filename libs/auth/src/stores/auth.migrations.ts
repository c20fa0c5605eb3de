import type { Kysely, Migration } from 'kysely';
import type { MigrationSet } from '@kit/lifespan';

/**
 * Tables of the shipped Kysely stores. Timestamps are ISO-8601 UTC text on both dialects, so
 * they compare correctly as strings. Give them to the database as `authMigrationSet`.
 */
export const authMigrations: Readonly<Record<string, Migration>> = {
  '0100_auth_api_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_api_keys')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('prefix', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('revoked_at', 'varchar(32)')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('auth_api_keys').execute();
    },
  },
  '0101_auth_refresh_tokens': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_refresh_tokens')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('family_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('used_at', 'varchar(32)')
        .addColumn('revoked_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('auth_refresh_tokens_family')
        .on('auth_refresh_tokens')
        .column('family_id')
        .execute();
      await db.schema
        .createIndex('auth_refresh_tokens_user')
        .on('auth_refresh_tokens')
        .column('user_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('auth_refresh_tokens').execute();
    },
  },
};

/**
 * The auth tables as their own migration set (Kysely tables `kit_migrations_auth*`), listed
 * before the service's: `migrations: [authMigrationSet, { namespace: 'service', migrations }]`.
 * Later versions append migrations here; they sort after this set's applied ones whatever the
 * service's own migrations are named.
 */
export const authMigrationSet: MigrationSet = Object.freeze({
  namespace: 'auth',
  migrations: authMigrations,
});
