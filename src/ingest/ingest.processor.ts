import { Injectable, Logger } from '@nestjs/common';
import { type JobContext, JobQueue, OnJob } from '@kit/tasks';
import { EventsRepository } from './events.repository';

export const INGEST_JOB = 'ingest.process';

export interface IngestJobData {
  batchId: string;
}

/** Processes an ingested batch as a durable job with retries (BullMQ when REDIS_URL is set). */
@Injectable()
export class IngestProcessor {
  private readonly logger = new Logger('IngestProcessor');

  constructor(
    private readonly jobs: JobQueue,
    private readonly events: EventsRepository,
  ) {}

  /** Enqueues the batch's job once: its id is the batch id, a second enqueue is a no-op. */
  async enqueue(batchId: string): Promise<string> {
    const { id } = await this.jobs.enqueue<IngestJobData>(
      INGEST_JOB,
      { batchId },
      { jobId: batchId },
    );
    return id;
  }

  /** The job's handler, registered by `TasksModule` at init. */
  @OnJob(INGEST_JOB)
  async process(data: IngestJobData, job: JobContext): Promise<void> {
    const processed = await this.events.markProcessed(data.batchId);
    this.logger.log(
      `batch ${data.batchId}: ${processed} event(s) processed (attempt ${job.attempt})`,
    );
  }
}
