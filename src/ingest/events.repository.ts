import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type { Schema } from '../database/schema';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventDto } from './ingest.dto';

@Injectable()
export class EventsRepository {
  constructor(
    @InjectKysely() private readonly db: Kysely<Schema>,
    private readonly uow: UnitOfWork,
  ) {}

  /** Stores a batch in one transaction: all events or none. */
  async insertBatch(batchId: string, apiKeyId: string, events: readonly EventDto[]): Promise<void> {
    const receivedAt = new Date().toISOString();
    const rows = events.map((e, i) => ({
      batch_id: batchId,
      seq: i,
      type: e.type,
      payload: JSON.stringify(e.payload),
      api_key_id: apiKeyId,
      status: 'pending',
      received_at: receivedAt,
    }));
    await this.db.transaction().execute((trx) => trx.insertInto('events').values(rows).execute());
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
}
