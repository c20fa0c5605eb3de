import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type { Schema } from '../database/schema';
import type { EventDto } from './ingest.dto';

@Injectable()
export class EventsRepository {
  constructor(@InjectKysely() private readonly db: Kysely<Schema>) {}

  /** Stores a batch in one transaction: all events or none. */
  async insertBatch(batchId: string, apiKeyId: string, events: readonly EventDto[]): Promise<void> {
    const receivedAt = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('events')
        .values(
          events.map((e, i) => ({
            batch_id: batchId,
            seq: i,
            type: e.type,
            payload: JSON.stringify(e.payload),
            api_key_id: apiKeyId,
            status: 'pending',
            received_at: receivedAt,
          })),
        )
        .execute();
    });
  }
}
