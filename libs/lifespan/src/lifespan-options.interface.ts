import type { Migration } from 'kysely';

export interface DatabaseOptions {
  /**
   * `postgres://user:pass@host:5432/db` (or `postgresql://`) for PostgreSQL; `sqlite:<path>`,
   * a file path or `:memory:` for SQLite through Node's built-in `node:sqlite`.
   */
  url: string;
  /** Migrations run at boot, in name order, before the service accepts requests. @default {} */
  migrations?: Readonly<Record<string, Migration>>;
  /** Most PostgreSQL connections in the pool. @default 10 */
  poolSize?: number;
  /** Milliseconds to wait for a PostgreSQL connection. @default 5_000 */
  connectTimeoutMs?: number;
  /** Milliseconds SQLite waits on a locked database before failing. @default 5_000 */
  sqliteBusyTimeoutMs?: number;
}

export interface HealthOptions {
  /** Milliseconds each readiness check may take before it counts as down. @default 2_000 */
  checkTimeoutMs?: number;
}

/** Options of `LifespanModule.forRoot()` / `forRootAsync()`. */
export interface LifespanModuleOptions {
  /** The database resource; omitted = no database. @default undefined */
  database?: DatabaseOptions;
  /** Readiness settings. @default { checkTimeoutMs: 2000 } */
  health?: HealthOptions;
}

export type DatabaseDialect = 'postgres' | 'sqlite';

export interface ResolvedDatabaseOptions {
  readonly dialect: DatabaseDialect;
  readonly url: string;
  /** For SQLite: the file path (or `:memory:`). */
  readonly sqlitePath: string;
  readonly target: string;
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly sqliteBusyTimeoutMs: number;
}

export interface ResolvedLifespanOptions {
  readonly database: ResolvedDatabaseOptions | undefined;
  readonly health: Readonly<Required<HealthOptions>>;
}
