import { sql, type Kysely, type Migration } from 'kysely';
import { authMigrationSet } from '@kit/auth';
import type { MigrationSet } from '@kit/lifespan';

/**
 * The reference service's own migrations, run at boot in name order on SQLite and PostgreSQL,
 * after the libs' (each set has its own migration table). A new one must sort after the last:
 * name it `<UTC timestamp>_<what>`, e.g. `20261204T101500_invoices`.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(320)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(200)')
        .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('role', 'varchar(32)', (c) => c.notNull().defaultTo('user'))
        .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(sql`true`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('users').execute();
    },
  },
  '0002_events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('batch_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('type', 'varchar(100)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('api_key_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['batch_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('events').execute();
    },
  },
  '0003_events_processed': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('events').addColumn('processed_at', 'varchar(32)').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('events').dropColumn('processed_at').execute();
    },
  },
  '0004_orders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('orders')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('item', 'varchar(200)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('orders_user')
        .on('orders')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('activities')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('request_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('activities_created')
        .on('activities')
        .column('created_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('activities').execute();
      await db.schema.dropTable('orders').execute();
    },
  },
  '0005_ingest_outbox': {
    async up(db: Kysely<unknown>) {
      // A batch's job to enqueue, committed with the batch; removed once the job is enqueued.
      await db.schema
        .createTable('ingest_outbox')
        .addColumn('batch_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('request_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ingest_outbox_created')
        .on('ingest_outbox')
        .column('created_at')
        .execute();
      // The first answer to an Idempotency-Key, per API key.
      await db.schema
        .createTable('ingest_idempotency')
        .addColumn('api_key_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('idempotency_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('batch_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('accepted', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('ingest_idempotency_pk', ['api_key_id', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('ingest_idempotency_created')
        .on('ingest_idempotency')
        .column('created_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('ingest_idempotency').execute();
      await db.schema.dropTable('ingest_outbox').execute();
    },
  },
};

/** Every migration set of the service, libs first: `LifespanModule`'s `database.migrations`. */
export const migrationSets: readonly MigrationSet[] = [
  authMigrationSet,
  { namespace: 'service', migrations },
];
