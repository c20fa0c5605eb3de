import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ResourceRegistry } from '@kit/lifespan';
import { runInRequestContext } from '@kit/tasks';
import type { IngestOutboxTable } from '../database/schema';
import { IngestOutboxRepository } from './ingest-outbox.repository';
import {
  INGEST_OPTIONS,
  type IngestOptions,
  MAX_RELAYS_IN_FLIGHT,
  SWEEP_MAX_ROWS,
  SWEEP_PAGE,
} from './ingest.options';
import { IngestProcessor } from './ingest.processor';

/**
 * Gets every stored batch its job (the transactional outbox): the relay enqueues a batch right
 * after its transaction committed, the sweeper enqueues rows the relay never got to (a crash,
 * Redis down, too many in flight). The job id is the batch id, so enqueuing twice is harmless.
 * Shutdown stops the sweeper and waits for enqueues in flight (each bounded by the queue).
 */
@Injectable()
export class IngestOutbox implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IngestOutbox');
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
    private readonly outbox: IngestOutboxRepository,
    private readonly processor: IngestProcessor,
    @Optional() private readonly registry?: ResourceRegistry,
  ) {}

  onModuleInit(): void {
    // Before the job workers close (order 20), after requests in flight ended.
    this.registry?.addShutdownStep({
      name: 'ingest outbox',
      order: 15,
      run: () => this.stop(),
      pending: () =>
        this.inFlight.size > 0 ? `${this.inFlight.size} batch(es) being enqueued` : undefined,
    });
  }

  /** The first sweep runs at boot: batches a crash left behind get their jobs now. */
  onApplicationBootstrap(): void {
    if (this.options.sweepIntervalMs > 0) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Enqueues a committed batch's job without waiting for it; on failure the sweeper retries. */
  relay(batchId: string, requestId: string): void {
    if (!this.options.relay || this.stopped || this.inFlight.size >= MAX_RELAYS_IN_FLIGHT) return;
    const sending = this.send({ batch_id: batchId, request_id: requestId }).then(() => undefined);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** Stops the sweeper and waits for enqueues in flight. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await Promise.allSettled(this.inFlight);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        this.schedule(this.options.sweepIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Enqueues rows older than `sweepAfterMs`, oldest first, until one fails or none are left. */
  private async sweep(): Promise<void> {
    try {
      const before = new Date(Date.now() - this.options.sweepAfterMs).toISOString();
      let sent = 0;
      while (!this.stopped && sent < SWEEP_MAX_ROWS) {
        const rows = await this.outbox.unsent(before, SWEEP_PAGE);
        for (const row of rows) {
          if (this.stopped || !(await this.send(row))) return this.swept(sent);
          sent++;
        }
        if (rows.length < SWEEP_PAGE) break;
      }
      this.swept(sent);
      await this.purgeKeys();
    } catch (err) {
      this.logger.warn(`sweep failed: ${message(err)}`);
    }
  }

  private swept(count: number): void {
    if (count > 0) this.logger.log(`sweeper enqueued ${count} stored batch(es)`);
  }

  private async purgeKeys(): Promise<void> {
    const before = new Date(Date.now() - this.options.idempotencyTtlMs).toISOString();
    await this.outbox.purgeIdempotencyKeys(before);
  }

  /** Enqueues one row's job (in its request's context) and removes the row; false on failure. */
  private async send(row: Pick<IngestOutboxTable, 'batch_id' | 'request_id'>): Promise<boolean> {
    try {
      await runInRequestContext(row.request_id, () => this.processor.enqueue(row.batch_id));
      await this.outbox.remove(row.batch_id);
      if (this.failing) this.logger.log('enqueueing ingest jobs works again');
      this.failing = false;
      return true;
    } catch (err) {
      if (!this.failing)
        this.logger.warn(
          `batch ${row.batch_id} stored but its job not enqueued (${message(err)}); the sweeper retries`,
        );
      this.failing = true;
      return false;
    }
  }
}

function message(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, detail } = err as { code?: unknown; detail?: unknown };
  const text = typeof detail === 'string' ? detail : err.message;
  return typeof code === 'string' ? `${code}: ${text}` : text;
}
