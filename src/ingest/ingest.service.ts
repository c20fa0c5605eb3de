import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { ApiKeyRecord } from '@kit/auth';
import { RequestContext } from '@kit/http';
import { EventsRepository } from './events.repository';
import type { EventDto, IngestAcceptedDto } from './ingest.dto';
import {
  IDEMPOTENCY_KEY_PATTERN,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
} from './ingest.errors';
import { IngestOutbox } from './ingest-outbox.service';

/** The answer to an ingest request; `replayed` when it is the first answer to its key. */
export interface IngestAnswer {
  readonly body: IngestAcceptedDto;
  readonly replayed: boolean;
}

/**
 * Accepts a batch: the events, the job to enqueue (an outbox row) and the idempotency key are
 * one commit, so a stored batch always gets its job and a retried request is answered as the
 * first was. The request never waits for the job queue.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly events: EventsRepository,
    private readonly outbox: IngestOutbox,
  ) {}

  async accept(
    events: readonly EventDto[],
    key: Pick<ApiKeyRecord, 'id'>,
    idempotencyKey: string | undefined,
  ): Promise<IngestAnswer> {
    const batchId = randomUUID();
    const requestId = RequestContext.requestId() ?? batchId;
    const idempotency =
      idempotencyKey === undefined
        ? undefined
        : { key: checkIdempotencyKey(idempotencyKey), hash: hashOf(events) };
    const first = await this.events.insertBatch({
      batchId,
      apiKeyId: key.id,
      requestId,
      events,
      idempotency,
    });
    if (first) {
      if (first.requestHash !== idempotency?.hash) throw new IdempotencyKeyReusedError();
      return { body: { accepted: first.accepted, job_id: first.batchId }, replayed: true };
    }
    this.outbox.relay(batchId, requestId);
    return { body: { accepted: events.length, job_id: batchId }, replayed: false };
  }
}

function checkIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) throw new IdempotencyKeyInvalidError();
  return value;
}

/** SHA-256 of the batch as validated: the same events in the same order hash the same. */
function hashOf(events: readonly EventDto[]): string {
  const canonical = JSON.stringify(events.map((e) => [e.type, e.payload]));
  return createHash('sha256').update(canonical).digest('hex');
}
