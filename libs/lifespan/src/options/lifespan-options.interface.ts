import type { Migration } from 'kysely';

/**
 * The migrations of one owner (a lib such as `auth`, or the service itself), kept in their own
 * Kysely tables `kit_migrations_<namespace>` and `kit_migrations_<namespace>_lock`. Each set is
 * ordered on its own, so a service's new migration never has to sort after a lib's, nor a lib's
 * new one after the service's.
 *
 * Inside a set Kysely's strict order stays on (`allowUnorderedMigrations: false`): a migration
 * that sorts before one already applied fails the boot, naming both, instead of running against
 * a schema its author never saw. Name migrations so that new ones sort last: the kit's resource
 * schematic writes a UTC timestamp prefix (`20261204T101500_invoices`).
 */
export interface MigrationSet {
  /**
   * Owner of the set, in the migration table names: 1 to 32 lowercase letters, digits or `_`,
   * starting with a letter; unique among the sets.
   */
  readonly namespace: string;
  /**
   * Migrations by name, applied in name order. A name is 1 to 200 letters, digits, `_`, `-` or
   * `.`, and unique across all sets (a database from before migration sets is adopted by name).
   */
  readonly migrations: Readonly<Record<string, Migration>>;
}

export interface DatabaseOptions {
  /**
   * `postgres://user:pass@host:5432/db` (or `postgresql://`) for PostgreSQL; `sqlite:<path>`,
   * a file path or `:memory:` for SQLite through Node's built-in `node:sqlite`.
   */
  url: string;
  /**
   * Migration sets run at boot, one after the other in this order (libs first, then the
   * service's), each in name order, before the service accepts requests. @default []
   */
  migrations?: readonly MigrationSet[];
  /** Most PostgreSQL connections in the pool. @default 10 */
  poolSize?: number;
  /** Milliseconds to wait for a PostgreSQL connection at boot (check and migrations). @default 5_000 */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a query waits for a pooled PostgreSQL connection, connecting a new one
   * included; past it the request fails with 503 `DATABASE_TIMEOUT`. @default 3_000
   */
  acquireTimeoutMs?: number;
  /**
   * Milliseconds one PostgreSQL query may take, enforced by the server (`statement_timeout`)
   * and, 250 ms later, by the client (`query_timeout`, for a server that stopped answering);
   * past it the request fails with 503 `DATABASE_TIMEOUT`. Migrations at boot are not bound by
   * it. @default 10_000
   */
  queryTimeoutMs?: number;
  /** Milliseconds SQLite waits on a locked database before failing. @default 5_000 */
  sqliteBusyTimeoutMs?: number;
  /**
   * Whether readiness fails (503) while it is down; `false` reports it down but keeps readiness
   * at 200 (`status: "degraded"`). @default true
   */
  required?: boolean;
}

export interface HealthOptions {
  /** Milliseconds each readiness check may take before it counts as down. @default 2_000 */
  checkTimeoutMs?: number;
}

export interface RedisOptions {
  /** `redis://[:password@]host:6379[/db]` or `rediss://`. */
  url: string;
  /** Milliseconds to wait for the first connection at boot. @default 5_000 */
  connectTimeoutMs?: number;
  /**
   * Milliseconds the readiness `PING` and the `QUIT` at shutdown may take; past it the check
   * counts as failed and the connection is dropped. @default 2_000
   */
  commandTimeoutMs?: number;
  /**
   * Longest pause between reconnection attempts after Redis went away (the pause doubles from
   * 50 ms up to this), for this connection and every one derived from it. @default 2_000
   */
  reconnectMaxDelayMs?: number;
  /**
   * Whether readiness fails (503) while it is down; `false` reports it down but keeps readiness
   * at 200 (`status: "degraded"`). @default true
   */
  required?: boolean;
}

export interface HttpClientOptions {
  /** Origin (and optional base path) every request of this client goes to. */
  baseUrl: string;
  /** Path answered by the upstream when healthy; checked by readiness. @default undefined (not checked) */
  healthPath?: string;
  /** Most sockets to the upstream. @default 10 */
  connections?: number;
  /** Milliseconds for the response head and, separately, the body. @default 10_000 */
  timeoutMs?: number;
  /**
   * Whether readiness fails (503) while it is down; `false` reports it down but keeps readiness
   * at 200 (`status: "degraded"`). @default true
   */
  required?: boolean;
}

/** Options of `LifespanModule.forRoot()` / `forRootAsync()`. */
export interface LifespanModuleOptions {
  /**
   * The service's one Redis (`@InjectRedis()`): `@kit/realtime`, `@kit/tasks` and
   * `RedisLoginThrottle` use it and the connections derived from it. Omitted = none. @default undefined
   */
  redis?: RedisOptions;
  /** Named outbound HTTP clients (`HttpClients.get(name)`), each a resource. @default {} */
  httpClients?: Readonly<Record<string, HttpClientOptions>>;
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
  readonly migrations: readonly ResolvedMigrationSet[];
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly sqliteBusyTimeoutMs: number;
  readonly required: boolean;
}

export interface ResolvedMigrationSet extends MigrationSet {
  /** `kit_migrations_<namespace>`: the names of the applied migrations and when. */
  readonly table: string;
  /** `kit_migrations_<namespace>_lock`: the row Kysely locks while migrating. */
  readonly lockTable: string;
}

export interface ResolvedRedisOptions {
  readonly url: string;
  readonly target: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly required: boolean;
}

export interface ResolvedHttpClientOptions {
  readonly name: string;
  readonly origin: string;
  readonly basePath: string;
  readonly healthPath: string | undefined;
  readonly connections: number;
  readonly timeoutMs: number;
  readonly required: boolean;
}

export interface ResolvedLifespanOptions {
  readonly redis: ResolvedRedisOptions | undefined;
  readonly httpClients: readonly ResolvedHttpClientOptions[];
  readonly database: ResolvedDatabaseOptions | undefined;
  readonly health: Readonly<Required<HealthOptions>>;
}
