/** True when a database error is a unique-constraint violation (PostgreSQL 23505, SQLite UNIQUE). */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message, errcode } = err as {
    code?: unknown;
    message?: unknown;
    errcode?: unknown;
  };
  if (code === '23505') return true;
  // node:sqlite: code ERR_SQLITE_ERROR, errcode 2067 (SQLITE_CONSTRAINT_UNIQUE) or 1555 (PRIMARYKEY).
  return (
    errcode === 2067 ||
    errcode === 1555 ||
    (typeof message === 'string' && message.includes('UNIQUE constraint failed'))
  );
}
