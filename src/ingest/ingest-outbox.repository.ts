import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type { IngestOutboxTable, Schema } from '../database/schema';

/** The outbox of ingested batches whose job is not enqueued yet. */
@Injectable()
export class IngestOutboxRepository {
  constructor(@InjectKysely() private readonly db: Kysely<Schema>) {}

  /** The oldest rows stored before `before` (ISO-8601), at most `limit`. */
  unsent(before: string, limit: number): Promise<IngestOutboxTable[]> {
    return this.db
      .selectFrom('ingest_outbox')
      .selectAll()
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** The job of the batch is enqueued: its row goes. */
  async remove(batchId: string): Promise<void> {
    await this.db.deleteFrom('ingest_outbox').where('batch_id', '=', batchId).execute();
  }

  /** Forgets idempotency keys first used before `before` (ISO-8601); returns how many. */
  async purgeIdempotencyKeys(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('ingest_idempotency')
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
