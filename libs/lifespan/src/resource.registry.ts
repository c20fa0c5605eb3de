import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RESOLVED_LIFESPAN_OPTIONS } from './lifespan.internal-constants';
import { ResourceOpenError } from './lifespan.errors';
import type { ResolvedLifespanOptions } from './lifespan-options.interface';
import type { HealthReport, Resource, ResourceHealth } from './resource.interface';

/**
 * Opens resources (from their providers' `onModuleInit`), answers readiness from their checks,
 * and closes them in reverse order of opening once the app shuts down.
 */
@Injectable()
export class ResourceRegistry implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Lifespan');
  private readonly opened: Resource[] = [];
  private shuttingDown = false;
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(RESOLVED_LIFESPAN_OPTIONS) private readonly options: ResolvedLifespanOptions,
  ) {}

  /** Opens a resource; a failure becomes a `ResourceOpenError` naming it and its target. */
  async open(resource: Resource): Promise<void> {
    try {
      await resource.open();
    } catch (cause) {
      throw new ResourceOpenError(resource.name, resource.target, cause);
    }
    this.opened.push(resource);
    this.logger.log(`opened ${resource.name} (${resource.target})`);
  }

  /** Names of the opened resources, in opening order. */
  names(): string[] {
    return this.opened.map((r) => r.name);
  }

  /** Marks the service as shutting down: readiness answers 503 from now on. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Checks every resource concurrently, each bounded by `health.checkTimeoutMs`. */
  async health(): Promise<HealthReport> {
    const entries = await Promise.all(
      this.opened.map(async (r) => [r.name, await this.checkOne(r)] as const),
    );
    const resources = Object.fromEntries(entries);
    const healthy = entries.every(([, h]) => h.status === 'up');
    return {
      status: healthy && !this.shuttingDown ? 'ok' : 'unavailable',
      shuttingDown: this.shuttingDown,
      resources,
    };
  }

  beforeApplicationShutdown(): void {
    this.beginShutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeAll();
  }

  /** Closes every opened resource in reverse order; safe to call twice. */
  closeAll(): Promise<void> {
    this.closing ??= this.closeInReverse();
    return this.closing;
  }

  private async closeInReverse(): Promise<void> {
    for (const resource of this.opened.toReversed()) {
      try {
        await resource.close();
        this.logger.log(`closed ${resource.name}`);
      } catch (err) {
        this.logger.error(
          `closing ${resource.name} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    this.opened.length = 0;
  }

  private async checkOne(resource: Resource): Promise<ResourceHealth> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.health.checkTimeoutMs);
    });
    try {
      const outcome = await Promise.race([resource.check().then(() => 'up' as const), timeout]);
      const durationMs = Math.round(performance.now() - started);
      if (outcome === 'up') return { status: 'up', durationMs };
      this.logger.warn(`readiness check of ${resource.name} timed out`);
      return { status: 'down', durationMs, error: 'CHECK_TIMEOUT' };
    } catch (err) {
      this.logger.warn(
        `readiness check of ${resource.name} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return {
        status: 'down',
        durationMs: Math.round(performance.now() - started),
        error: 'CHECK_FAILED',
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
