import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Kysely, PostgresDialect, sql, SqliteDialect, type Dialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import { LifespanError } from './lifespan.errors';
import type { DatabaseDialect, ResolvedDatabaseOptions } from './lifespan-options.interface';
import { runMigrationSets } from './migration-sets.runner';
import { NodeSqliteDatabase } from './node-sqlite.adapter';
import type { Resource } from './resource.interface';
import type { ResourceRegistry } from './resource.registry';

/**
 * The database: SQLite through `node:sqlite` or PostgreSQL through `pg`, behind one Kysely
 * query builder. Opened (connectivity check, then the migration sets) in `onModuleInit`.
 */
@Injectable()
export class DatabaseResource implements Resource, OnModuleInit {
  readonly name = 'database';
  readonly target: string;
  readonly dialect: DatabaseDialect;
  private readonly logger = new Logger('Database');
  private readonly instance: Kysely<unknown>;
  private closed = false;

  constructor(
    private readonly options: ResolvedDatabaseOptions,
    private readonly registry: ResourceRegistry,
  ) {
    this.target = options.target;
    this.dialect = options.dialect;
    this.instance = new Kysely<unknown>({ dialect: this.createDialect() });
  }

  /** The query builder, typed with the service's schema: `database.kysely<Schema>()`. */
  kysely<DB>(): Kysely<DB> {
    return this.instance as unknown as Kysely<DB>;
  }

  onModuleInit(): Promise<void> {
    return this.registry.open(this);
  }

  async open(): Promise<void> {
    await sql`select 1`.execute(this.instance);
    await this.migrate();
  }

  async check(): Promise<void> {
    await sql`select 1`.execute(this.instance);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.instance.destroy();
  }

  private async migrate(): Promise<void> {
    const sets = this.options.migrations;
    if (sets.length === 0) return;
    const target = { db: this.instance, dialect: this.dialect, schema: await this.currentSchema() };
    await runMigrationSets(target, sets, this.logger);
  }

  /**
   * On PostgreSQL, the schema unqualified names resolve to. Kysely's migrator otherwise looks for
   * its tables in every schema of the database and takes another schema's for its own.
   */
  private async currentSchema(): Promise<string | undefined> {
    if (this.dialect !== 'postgres') return undefined;
    const { rows } = await sql<{
      schema: string | null;
    }>`select current_schema() as schema`.execute(this.instance);
    const schema = rows[0]?.schema;
    if (schema) return schema;
    throw new LifespanError(
      'DATABASE_NO_SCHEMA',
      'no schema of the search_path exists; create it, or fix the search_path the URL or role sets',
    );
  }

  private createDialect(): Dialect {
    const o = this.options;
    if (o.dialect === 'postgres') {
      const pool = new Pool({
        connectionString: o.url,
        max: o.poolSize,
        connectionTimeoutMillis: o.connectTimeoutMs,
      });
      // An idle client losing its server emits here; unhandled it would crash the process.
      pool.on('error', (err) =>
        this.logger.warn(`idle database connection failed: ${err.message}`),
      );
      return new PostgresDialect({ pool });
    }
    return new SqliteDialect({
      database: async () => {
        if (o.sqlitePath !== ':memory:') mkdirSync(dirname(o.sqlitePath), { recursive: true });
        return new NodeSqliteDatabase(o.sqlitePath, o.sqliteBusyTimeoutMs);
      },
    });
  }
}
