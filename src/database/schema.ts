import type { ColumnType, Generated } from 'kysely';

/** Timestamps are `timestamptz` on PostgreSQL (read as Date) and ISO-8601 text on SQLite. */
export type Timestamp = ColumnType<Date | string, Date | string, Date | string>;
/** Booleans are `boolean` on PostgreSQL and 0/1 on SQLite. */
export type Bool = ColumnType<boolean | number, boolean, boolean>;

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  role: Generated<string>;
  is_active: Generated<Bool>;
  created_at: Timestamp;
}

/** The reference service's schema, as Kysely sees it. */
export interface Schema {
  users: UsersTable;
}

/** A timestamp column as ISO-8601 text, whichever database it came from. */
export function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
