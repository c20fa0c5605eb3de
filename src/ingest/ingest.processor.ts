import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '@kit/tasks';
import { EventsRepository } from './events.repository';

export const INGEST_JOB = 'ingest.process';

export interface IngestJobData {
  batchId: string;
}

/** Processes an ingested batch as a durable job with retries (BullMQ when REDIS_URL is set). */
@Injectable()
export class IngestProcessor implements OnModuleInit {
  private readonly logger = new Logger('IngestProcessor');

  constructor(
    private readonly jobs: JobQueue,
    private readonly events: EventsRepository,
  ) {}

  onModuleInit(): void {
    this.jobs.register<IngestJobData>(INGEST_JOB, (data, job) => this.process(data, job.attempt));
  }

  /** Enqueues the batch's job once: its id is the batch id, a second enqueue is a no-op. */
  async enqueue(batchId: string): Promise<string> {
    const { id } = await this.jobs.enqueue<IngestJobData>(
      INGEST_JOB,
      { batchId },
      { jobId: batchId },
    );
    return id;
  }

  private async process(data: IngestJobData, attempt: number): Promise<void> {
    const processed = await this.events.markProcessed(data.batchId);
    this.logger.log(`batch ${data.batchId}: ${processed} event(s) processed (attempt ${attempt})`);
  }
}
