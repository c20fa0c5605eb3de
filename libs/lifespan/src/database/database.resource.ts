import { Injectable, Logger } from '@nestjs/common';
import { Kysely, PostgresDialect, sql, SqliteDialect, type Dialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import { GuardedPostgresPool } from './guarded-postgres.pool';
import { LifespanError } from '../lifespan.errors';
import type {
  DatabaseDialect,
  ResolvedDatabaseOptions,
} from '../options/lifespan-options.interface';
import { runMigrationSets } from './migration-sets.runner';
import { NodeSqliteDatabase } from './node-sqlite.adapter';
import { ProvidedResource } from '../resources/provided.resource';
import type { ResourceRegistry } from '../resources/resource.registry';

/**
 * How much later than the server's `statement_timeout` the client gives up on a query itself
 * (`query_timeout`): the server normally cancels first, and its session stays usable; the
 * client deadline is for a server that stopped answering (its connection is then dropped).
 */
const CLIENT_DEADLINE_MARGIN_MS = 250;

/**
 * The database: SQLite through `node:sqlite` or PostgreSQL through `pg`, behind one Kysely
 * query builder. Opened (connectivity check, then the migration sets) in `onModuleInit`.
 */
@Injectable()
export class DatabaseResource extends ProvidedResource {
  override readonly name = 'database';
  readonly dialect: DatabaseDialect;
  private readonly logger = new Logger('Database');
  private readonly instance: Kysely<unknown>;
  private closed = false;

  constructor(
    private readonly options: ResolvedDatabaseOptions,
    registry: ResourceRegistry,
  ) {
    super(options, registry);
    this.dialect = options.dialect;
    this.instance = new Kysely<unknown>({ dialect: this.createDialect() });
  }

  /** The query builder, typed with the service's schema: `database.kysely<Schema>()`. */
  kysely<DB>(): Kysely<DB> {
    return this.instance as unknown as Kysely<DB>;
  }

  /**
   * Checks connectivity and runs the migrations. On PostgreSQL both go through a connection of
   * their own, bound by `connectTimeoutMs` only: a migration may take longer than the
   * per-request `queryTimeoutMs` of the serving pool.
   */
  async open(): Promise<void> {
    if (this.dialect !== 'postgres') return this.openOn(this.instance);
    const boot = new Kysely<unknown>({ dialect: this.postgresDialect('boot') });
    try {
      await this.openOn(boot);
    } finally {
      await boot.destroy();
    }
  }

  private async openOn(db: Kysely<unknown>): Promise<void> {
    await sql`select 1`.execute(db);
    await this.migrate(db);
  }

  async check(): Promise<void> {
    await sql`select 1`.execute(this.instance);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.instance.destroy();
  }

  private async migrate(db: Kysely<unknown>): Promise<void> {
    const sets = this.options.migrations;
    if (sets.length === 0) return;
    const target = { db, dialect: this.dialect, schema: await this.currentSchema(db) };
    await runMigrationSets(target, sets, this.logger);
  }

  /**
   * On PostgreSQL, the schema unqualified names resolve to. Kysely's migrator otherwise looks for
   * its tables in every schema of the database and takes another schema's for its own.
   */
  private async currentSchema(db: Kysely<unknown>): Promise<string | undefined> {
    if (this.dialect !== 'postgres') return undefined;
    const { rows } = await sql<{
      schema: string | null;
    }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (schema) return schema;
    throw new LifespanError(
      'DATABASE_NO_SCHEMA',
      'no schema of the search_path exists; create it, or fix the search_path the URL or role sets',
    );
  }

  private createDialect(): Dialect {
    const o = this.options;
    if (o.dialect === 'postgres') return this.postgresDialect('serving');
    return new SqliteDialect({
      database: async () => {
        if (o.sqlitePath !== ':memory:') mkdirSync(dirname(o.sqlitePath), { recursive: true });
        return new NodeSqliteDatabase(o.sqlitePath, o.sqliteBusyTimeoutMs);
      },
    });
  }

  /**
   * The serving pool: waiting for a connection bounded by `acquireTimeoutMs`, each query by
   * `queryTimeoutMs` on both ends. The boot pool: one connection, bounded by `connectTimeoutMs`.
   */
  private postgresDialect(use: 'serving' | 'boot'): Dialect {
    const o = this.options;
    const limits =
      use === 'serving'
        ? {
            max: o.poolSize,
            connectionTimeoutMillis: o.acquireTimeoutMs,
            statement_timeout: o.queryTimeoutMs,
            query_timeout: o.queryTimeoutMs + CLIENT_DEADLINE_MARGIN_MS,
          }
        : { max: 1, connectionTimeoutMillis: o.connectTimeoutMs };
    const pool = new Pool({ connectionString: o.url, ...limits });
    // An idle client losing its server emits here; unhandled it would crash the process.
    pool.on('error', (err) => this.logger.warn(`idle database connection failed: ${err.message}`));
    // Boot failures keep the driver's own error: it names the cause (ECONNREFUSED, auth) for
    // the boot log, where a 503 for clients would say nothing.
    return new PostgresDialect({ pool: use === 'serving' ? new GuardedPostgresPool(pool) : pool });
  }
}
