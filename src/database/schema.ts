import type { ColumnType, Generated } from 'kysely';

/** Timestamps are `timestamptz` on PostgreSQL (read as Date) and ISO-8601 text on SQLite. */
export type Timestamp = ColumnType<Date | string, Date | string, Date | string>;

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  role: Generated<string>;
  /** `boolean` on PostgreSQL, 0/1 on SQLite. */
  is_active: ColumnType<boolean | number, boolean | undefined, boolean>;
  created_at: Timestamp;
}

export interface EventsTable {
  batch_id: string;
  seq: number;
  type: string;
  payload: string;
  api_key_id: string;
  status: string;
  received_at: string;
  processed_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A batch whose job is not enqueued yet (the transactional outbox). */
export interface IngestOutboxTable {
  batch_id: string;
  request_id: string;
  created_at: string;
}

/** The first answer to an `Idempotency-Key` of an API key. */
export interface IngestIdempotencyTable {
  api_key_id: string;
  idempotency_key: string;
  request_hash: string;
  batch_id: string;
  accepted: number;
  created_at: string;
}

export interface OrdersTable {
  id: string;
  item: string;
  quantity: number;
  user_id: string;
  created_at: string;
}

export interface ActivitiesTable {
  id: string;
  type: string;
  order_id: string;
  user_id: string;
  request_id: string;
  created_at: string;
}

/** The reference service's schema, as Kysely sees it. */
export interface Schema {
  users: UsersTable;
  events: EventsTable;
  orders: OrdersTable;
  activities: ActivitiesTable;
  ingest_outbox: IngestOutboxTable;
  ingest_idempotency: IngestIdempotencyTable;
}

/** A timestamp column as ISO-8601 text, whichever database it came from. */
export function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
