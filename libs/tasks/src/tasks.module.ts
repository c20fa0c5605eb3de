import {
  Module,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { MetricsService } from '@kit/http';
import { RedisResource, ResourceRegistry } from '@kit/lifespan';
import { BullmqJobQueue } from './jobs/bullmq-job.queue';
import { InProcessJobQueue } from './jobs/in-process-job.queue';
import { JobQueue } from './jobs/job-queue';
import { JobHandlerExplorer } from './jobs/job-handler.explorer';
import { TASK_RUNNER } from './background/background-tasks.binding';
import { TaskRunner } from './background/task-runner.service';
import { registerTaskMetrics } from './tasks.metrics';
import { TasksConfigError } from './tasks.errors';
import { RESOLVED_TASKS_OPTIONS } from './tasks.internal-constants';
import { TASKS_MODULE_OPTIONS, TasksConfigurableModule } from './tasks.module-definition';
import type { ResolvedTasksOptions, TasksModuleOptions } from './options/tasks-options.interface';
import { resolveTasksOptions } from './options/tasks-options.factory';

/**
 * Background tasks after the response, durable jobs (BullMQ on `LifespanModule`'s Redis, in
 * process without one) with `@OnJob()` handlers, and per-request resources with teardown.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_TASKS_OPTIONS,
      inject: [TASKS_MODULE_OPTIONS],
      useFactory: (raw: TasksModuleOptions) => resolveTasksOptions(raw),
    },
    TaskRunner,
    {
      provide: JobQueue,
      inject: [RESOLVED_TASKS_OPTIONS, { token: RedisResource, optional: true }],
      useFactory: ({ jobs }: ResolvedTasksOptions, redis: RedisResource | undefined): JobQueue =>
        jobQueue(jobs, redis),
    },
    JobHandlerExplorer,
  ],
  exports: [RESOLVED_TASKS_OPTIONS, TaskRunner, JobQueue],
})
export class TasksModule
  extends TasksConfigurableModule
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  constructor(
    private readonly runner: TaskRunner,
    private readonly jobs: JobQueue,
    private readonly metrics: MetricsService,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly registry?: ResourceRegistry,
  ) {
    super();
  }

  onModuleInit(): void {
    // `@Background()` finds the runner on the Fastify instance of its request.
    const instance = this.adapterHost.httpAdapter?.getInstance<Record<symbol, unknown>>();
    if (instance) instance[TASK_RUNNER] = this.runner;
    registerTaskMetrics(this.metrics, this.runner, this.jobs);
    this.registry?.addShutdownStep({
      name: 'background tasks',
      order: 10,
      run: () => this.drainTasks(),
      pending: () =>
        this.runner.outstanding > 0 ? `${this.runner.outstanding} background task(s)` : undefined,
    });
    this.registry?.addShutdownStep({
      name: 'job workers',
      order: 20,
      run: () => this.jobs.close(),
    });
  }

  /** Workers start once every module has registered its handlers. */
  onApplicationBootstrap(): void {
    if (this.jobs instanceof BullmqJobQueue) this.jobs.start();
  }

  /**
   * Without `@kit/lifespan`: queued background tasks finish, then job workers close (active jobs
   * finish).
   */
  async onApplicationShutdown(): Promise<void> {
    // With the lifespan registry these are its shutdown steps, run (and logged) in their place.
    if (this.registry) return;
    await this.drainTasks();
    await this.jobs.close();
  }

  private async drainTasks(): Promise<void> {
    this.runner.beginShutdown();
    await this.runner.drain();
  }
}

/** BullMQ when jobs are durable (by default when LifespanModule has a Redis), else in process. */
function jobQueue(jobs: ResolvedTasksOptions['jobs'], redis: RedisResource | undefined): JobQueue {
  if (jobs.durable === true && !redis) {
    throw new TasksConfigError(
      'tasks.jobs.durable',
      'needs a Redis: configure LifespanModule.forRoot({ redis: { url } }) (set REDIS_URL), or set durable: false for the in-process runner',
    );
  }
  const durable = jobs.durable ?? redis !== undefined;
  return durable && redis ? new BullmqJobQueue(jobs, redis) : new InProcessJobQueue(jobs);
}
