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
  /** A Redis connection resource (`@InjectRedis()`); omitted = none. @default undefined */
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
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly sqliteBusyTimeoutMs: number;
  readonly required: boolean;
}

export interface ResolvedRedisOptions {
  readonly url: string;
  readonly target: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
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
