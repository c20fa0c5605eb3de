import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RESOLVED_LIFESPAN_OPTIONS } from '../lifespan.internal-constants';
import { errorMessage, LifespanError, ResourceOpenError } from '../lifespan.errors';
import type { ResolvedLifespanOptions } from '../options/lifespan-options.interface';
import type { HealthReport, Resource, ResourceHealth, ShutdownStep } from './resource.interface';

/**
 * Opens resources (from their providers' `onModuleInit`), answers readiness from their checks,
 * and closes them in reverse order of opening once the app shuts down.
 */
@Injectable()
export class ResourceRegistry implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Lifespan');
  private readonly opened: Resource[] = [];
  /** Opens in flight, settled once the resource is recorded (or closed again). */
  private readonly opening = new Set<Promise<unknown>>();
  private shuttingDown = false;
  private closing: Promise<void> | undefined;
  private readonly steps: ShutdownStep[] = [];
  private readonly afterClose: (() => void)[] = [];
  private stepsRun: Promise<void> | undefined;
  private step = 'running';

  constructor(
    @Inject(RESOLVED_LIFESPAN_OPTIONS) private readonly options: ResolvedLifespanOptions,
  ) {}

  /**
   * Opens a resource; a failure becomes a `ResourceOpenError` naming it and its target. The boot
   * stops there and Nest calls no shutdown hook, so before throwing, a failure releases the failed
   * resource, lets resources still opening finish, and closes every opened one in reverse order.
   */
  async open(resource: Resource): Promise<void> {
    if (this.closing) throw registryClosed(resource);
    const failure = await this.track(resource);
    if (!failure) return;
    await this.closeQuietly(resource);
    await Promise.allSettled(this.opening);
    await this.closeAll();
    throw new ResourceOpenError(resource.name, resource.target, failure.cause);
  }

  /** Names of the opened resources, in opening order. */
  names(): string[] {
    return this.opened.map((r) => r.name);
  }

  /** Marks the service as shutting down: readiness answers 503 from now on. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * Adds work that must finish after the HTTP listener has closed and before resources close
   * (draining background tasks, closing job workers). Steps run once, by ascending `order`.
   */
  addShutdownStep(step: ShutdownStep): void {
    this.steps.push(step);
    this.steps.sort((a, b) => a.order - b.order);
  }

  /**
   * Names what shutdown is doing before its steps run (the pre-stop delay, closing the
   * listener), for `describeShutdown()`; the steps then name themselves.
   */
  enterShutdownPhase(name: string): void {
    this.step = name;
  }

  /** What shutdown is doing now, and what is still running, for the grace-exceeded log. */
  describeShutdown(): string {
    const pending = this.steps.map((s) => s.pending?.()).filter((p): p is string => !!p);
    return `step "${this.step}"${pending.length > 0 ? `; still running: ${pending.join(', ')}` : ''}`;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Checks every resource concurrently, each bounded by `health.checkTimeoutMs`. A required
   * resource down makes the report `unavailable`; only optional ones down, `degraded`.
   */
  async health(): Promise<HealthReport> {
    const entries = await Promise.all(
      this.opened.map(async (r) => [r.name, await this.checkOne(r)] as const),
    );
    const down = entries.filter(([, h]) => h.status === 'down').map(([, h]) => h);
    let status: HealthReport['status'] = down.length === 0 ? 'ok' : 'degraded';
    if (this.shuttingDown || down.some((h) => h.required)) status = 'unavailable';
    return { status, shuttingDown: this.shuttingDown, resources: Object.fromEntries(entries) };
  }

  beforeApplicationShutdown(): void {
    this.beginShutdown();
  }

  /**
   * Runs `callback` once the app has shut down, after its resources closed (how
   * `enableGracefulShutdown()` stops listening to signals when the app is closed directly).
   */
  whenClosed(callback: () => void): void {
    this.afterClose.push(callback);
  }

  /** After the listener closed: the shutdown steps in order, then the resources in reverse. */
  async onApplicationShutdown(): Promise<void> {
    this.stepsRun ??= this.runSteps();
    await this.stepsRun;
    await this.closeAll();
    for (const callback of this.afterClose.splice(0)) {
      try {
        callback();
      } catch (err) {
        this.logger.error(`after-close callback failed: ${errorMessage(err)}`);
      }
    }
  }

  private async runSteps(): Promise<void> {
    this.shuttingDown = true;
    for (const step of this.steps) {
      this.step = step.name;
      this.logger.log(`shutdown: ${step.name}`);
      try {
        await step.run();
      } catch (err) {
        this.logger.error(`shutdown step ${step.name} failed: ${errorMessage(err)}`);
      }
    }
    this.step = 'closing resources';
  }

  /** Closes every opened resource in reverse order; safe to call twice. */
  closeAll(): Promise<void> {
    this.closing ??= this.closeInReverse();
    return this.closing;
  }

  /**
   * Opens one resource and records it, in one promise the abort path can wait for. Resources of
   * one module level open concurrently: one finishing after the registry closed is closed at once.
   */
  private track(resource: Resource): Promise<{ cause: unknown } | undefined> {
    const tracked = Promise.resolve()
      .then(() => resource.open())
      .then(
        async () => {
          if (this.closing) {
            await this.closeQuietly(resource);
            return undefined;
          }
          this.opened.push(resource);
          this.logger.log(`opened ${resource.name} (${resource.target})`);
          return undefined;
        },
        (cause: unknown) => ({ cause }),
      )
      .finally(() => this.opening.delete(tracked));
    this.opening.add(tracked);
    return tracked;
  }

  private async closeInReverse(): Promise<void> {
    this.shuttingDown = true;
    const opened = this.opened.splice(0).toReversed();
    for (const resource of opened) {
      if (await this.closeQuietly(resource)) this.logger.log(`closed ${resource.name}`);
    }
  }

  /** Closes one resource, logging instead of throwing; true when it closed cleanly. */
  private async closeQuietly(resource: Resource): Promise<boolean> {
    try {
      await resource.close();
      return true;
    } catch (err) {
      this.logger.error(`closing ${resource.name} failed: ${errorMessage(err)}`);
      return false;
    }
  }

  private async checkOne(resource: Resource): Promise<ResourceHealth> {
    const required = resource.required ?? true;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.health.checkTimeoutMs);
    });
    try {
      const outcome = await Promise.race([resource.check().then(() => 'up' as const), timeout]);
      const durationMs = Math.round(performance.now() - started);
      if (outcome === 'up') return { status: 'up', required, durationMs };
      this.logger.warn(`readiness check of ${resource.name} timed out`);
      return { status: 'down', required, durationMs, error: 'CHECK_TIMEOUT' };
    } catch (err) {
      this.logger.warn(`readiness check of ${resource.name} failed: ${errorMessage(err)}`);
      return {
        status: 'down',
        required,
        durationMs: Math.round(performance.now() - started),
        error: 'CHECK_FAILED',
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

function registryClosed(resource: Resource): LifespanError {
  return new LifespanError(
    'RESOURCE_REGISTRY_CLOSED',
    `resource "${resource.name}" was not kept open: the service is shutting down or failed to boot`,
  );
}
