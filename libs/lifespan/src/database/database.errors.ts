import { DomainError } from '@kit/http';

/** Seconds a client is told to wait (`Retry-After`) after a database timeout or outage. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * 503 `DATABASE_TIMEOUT`: a query, or the wait for a pooled connection, ran past its deadline
 * (`queryTimeoutMs`, `acquireTimeoutMs`, SQLite's busy timeout). The database may be frozen,
 * overloaded or locked; the request did not complete, so retrying after `Retry-After` is safe
 * only if the operation is idempotent.
 */
export class DatabaseTimeoutError extends DomainError {
  constructor(what: string, cause?: unknown) {
    super('DATABASE_TIMEOUT', 503, 'Service Unavailable', {
      detail: `The database did not answer in time (${what}); try again shortly.`,
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      cause,
    });
  }
}

/** 503 `DATABASE_UNAVAILABLE`: the database refused or lost the connection. */
export class DatabaseUnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super('DATABASE_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: 'The database is not reachable; try again shortly.',
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
      cause,
    });
  }
}

export type DatabaseError = DatabaseTimeoutError | DatabaseUnavailableError;

/** pg's own messages for its client-side deadlines. */
const PG_TIMEOUTS: Readonly<Record<string, string>> = {
  'Query read timeout': 'query timeout',
  'timeout exceeded when trying to connect': 'waiting for a connection',
  'Connection terminated due to connection timeout': 'connecting',
};

/** pg's messages for a connection that is gone. */
const PG_LOST = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
]);

/** Socket errors that mean the server cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or cannot take the session: admin shutdown, crash
 * shutdown, cannot connect now, too many connections.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** `57014` query_canceled: what `statement_timeout` raises. */
export const STATEMENT_TIMEOUT_SQLSTATE = '57014';

/**
 * The 503 a PostgreSQL driver error stands for, or undefined when it is anything else (a
 * constraint violation, bad SQL): those stay as they are for the caller to handle.
 */
export function classifyPostgresError(err: unknown): DatabaseError | undefined {
  if (err instanceof DatabaseTimeoutError || err instanceof DatabaseUnavailableError) return err;
  const { message, code, errors } = (err ?? {}) as {
    message?: unknown;
    code?: unknown;
    errors?: unknown;
  };
  if (typeof message === 'string' && PG_TIMEOUTS[message])
    return new DatabaseTimeoutError(PG_TIMEOUTS[message], err);
  if (code === STATEMENT_TIMEOUT_SQLSTATE)
    return new DatabaseTimeoutError('statement timeout', err);
  if (typeof message === 'string' && PG_LOST.has(message)) return new DatabaseUnavailableError(err);
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code)))
    return new DatabaseUnavailableError(err);
  // A connection tried on several addresses fails with an AggregateError of socket errors.
  if (Array.isArray(errors) && errors.length > 0 && classifyPostgresError(errors[0]))
    return new DatabaseUnavailableError(err);
  return undefined;
}

function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code);
}

/** SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included (low byte). */
const SQLITE_BUSY_CODES = new Set([5, 6]);

/** The 503 a `node:sqlite` error stands for (busy past the busy timeout), or undefined. */
export function classifySqliteError(err: unknown): DatabaseTimeoutError | undefined {
  const { errcode } = (err ?? {}) as { errcode?: unknown };
  if (typeof errcode !== 'number' || !SQLITE_BUSY_CODES.has(errcode & 0xff)) return undefined;
  return new DatabaseTimeoutError('the database stayed locked past the busy timeout', err);
}
