import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { classifyPostgresError, STATEMENT_TIMEOUT_SQLSTATE } from './database.errors';

/**
 * The pg pool as Kysely drives it, with driver failures turned into the kit's 503 errors:
 * connecting or waiting for a connection past its deadline, a query past `query_timeout` or
 * `statement_timeout` (`DatabaseTimeoutError`), a refused or lost connection
 * (`DatabaseUnavailableError`). A client that failed that way is destroyed on release instead of
 * going back to the pool: after a client-side timeout its query may still be running.
 */
export class GuardedPostgresPool implements PostgresPool {
  constructor(private readonly pool: Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    try {
      return new GuardedPostgresClient(await this.pool.connect());
    } catch (err) {
      throw classifyPostgresError(err) ?? err;
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class GuardedPostgresClient implements PostgresPoolClient {
  private broken = false;
  /**
   * pg emits 'error' on a client whose socket ends, and the pool listens only while the client
   * is idle: a checked-out client losing its server between queries would crash the process.
   * The failure reaches the next query anyway ("not queryable" → DATABASE_UNAVAILABLE).
   */
  private readonly onError = (): void => {
    this.broken = true;
  };

  constructor(private readonly client: PoolClient) {
    client.on('error', this.onError);
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') {
      return this.client.query(sqlOrCursor as never) as unknown as PostgresCursor<R>;
    }
    return this.run<R>(sqlOrCursor, parameters ?? []);
  }

  release(destroy?: boolean): void {
    this.client.off('error', this.onError);
    this.client.release(destroy === true || this.broken);
  }

  private async run<R>(
    sql: string,
    parameters: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> {
    try {
      return (await this.client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
    } catch (err) {
      const classified = classifyPostgresError(err);
      if (!classified) throw err;
      // A server-side statement timeout leaves the session usable; anything else may not.
      if ((err as { code?: unknown }).code !== STATEMENT_TIMEOUT_SQLSTATE) this.broken = true;
      throw classified;
    }
  }
}
