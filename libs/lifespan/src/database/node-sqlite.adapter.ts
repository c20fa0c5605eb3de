import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { classifySqliteError } from './database.errors';

const MAX_CACHED_STATEMENTS = 256;

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped database Kysely's
 * `SqliteDialect` drives: no native addon to rebuild for the pinned runtime.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  private readonly db: DatabaseSync;
  /** Prepared statements by SQL text, least recently used first: Kysely sends the same SQL again. */
  private readonly statements = new Map<string, NodeSqliteStatement>();

  constructor(path: string, busyTimeoutMs: number) {
    this.db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    this.db.exec('PRAGMA foreign_keys = ON');
    if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = new NodeSqliteStatement(guarded(() => this.db.prepare(sql)));
      if (this.statements.size >= MAX_CACHED_STATEMENTS) {
        const oldest = this.statements.keys().next();
        if (!oldest.done) this.statements.delete(oldest.value);
      }
    }
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;

  constructor(private readonly statement: StatementSync) {
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return guarded(() => this.statement.all(...bind(parameters)));
  }

  run(parameters: ReadonlyArray<unknown>): {
    changes: number | bigint;
    lastInsertRowid: number | bigint;
  } {
    return guarded(() => this.statement.run(...bind(parameters)));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.statement.iterate(...bind(parameters));
  }
}

/** Runs `fn`; a busy/locked database past the busy timeout becomes `DatabaseTimeoutError` (503). */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw classifySqliteError(err) ?? err;
  }
}

/** node:sqlite binds neither booleans nor dates: store them as 0/1 and ISO-8601 text. */
function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    if (p === undefined) return null;
    return p as SQLInputValue;
  });
}
