import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type { Schema } from '../database/schema';
import { isUniqueViolation } from '../database/unique-violation';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventDto } from './ingest.dto';

/** A batch to store: its events, and the client's idempotency key with the body's hash. */
export interface NewBatch {
  readonly batchId: string;
  readonly apiKeyId: string;
  readonly requestId: string;
  readonly events: readonly EventDto[];
  readonly idempotency?: { readonly key: string; readonly hash: string };
}

/** The first answer to an idempotency key. */
export interface StoredAnswer {
  readonly batchId: string;
  readonly accepted: number;
  readonly requestHash: string;
}

@Injectable()
export class EventsRepository {
  constructor(
    @InjectKysely() private readonly db: Kysely<Schema>,
    private readonly uow: UnitOfWork,
  ) {}

  /**
   * Stores a batch, its outbox row and its idempotency key in one transaction: all or none.
   * Returns the first answer instead when the key was already used (nothing is stored then).
   */
  async insertBatch(batch: NewBatch): Promise<StoredAnswer | undefined> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        if (batch.idempotency) {
          await trx
            .insertInto('ingest_idempotency')
            .values({
              api_key_id: batch.apiKeyId,
              idempotency_key: batch.idempotency.key,
              request_hash: batch.idempotency.hash,
              batch_id: batch.batchId,
              accepted: batch.events.length,
              created_at: now,
            })
            .execute();
        }
        await trx.insertInto('events').values(eventRows(batch, now)).execute();
        await trx
          .insertInto('ingest_outbox')
          .values({ batch_id: batch.batchId, request_id: batch.requestId, created_at: now })
          .execute();
      });
      return undefined;
    } catch (err) {
      if (!batch.idempotency || !isUniqueViolation(err)) throw err;
      const first = await this.answerOf(batch.apiKeyId, batch.idempotency.key);
      if (!first) throw err;
      return first;
    }
  }

  /** Marks a batch's pending events processed inside the job's unit of work; returns how many. */
  async markProcessed(batchId: string): Promise<number> {
    const trx = await this.uow.get();
    const result = await trx
      .updateTable('events')
      .set({ status: 'processed', processed_at: new Date().toISOString() })
      .where('batch_id', '=', batchId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  private async answerOf(apiKeyId: string, key: string): Promise<StoredAnswer | undefined> {
    const row = await this.db
      .selectFrom('ingest_idempotency')
      .select(['batch_id', 'accepted', 'request_hash'])
      .where('api_key_id', '=', apiKeyId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row
      ? { batchId: row.batch_id, accepted: Number(row.accepted), requestHash: row.request_hash }
      : undefined;
  }
}

function eventRows(batch: NewBatch, receivedAt: string) {
  return batch.events.map((e, i) => ({
    batch_id: batch.batchId,
    seq: i,
    type: e.type,
    payload: JSON.stringify(e.payload),
    api_key_id: batch.apiKeyId,
    status: 'pending',
    received_at: receivedAt,
  }));
}
