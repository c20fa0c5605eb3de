import { DiscoveryService } from '@nestjs/core';

/** What `@OnJob()` records on a method. */
export interface JobHandlerMetadata {
  readonly name: string;
}

/** The discoverable decorator behind `@OnJob()`; read by `JobHandlerExplorer`. */
export const JOB_HANDLER = DiscoveryService.createDecorator<JobHandlerMetadata>();

/**
 * Makes a provider method the handler of job `name`: `TasksModule` registers it with the
 * `JobQueue` at init, before the workers start, on BullMQ and in process alike. It is called
 * as `method(data, job: JobContext)` with the provider as `this`. One handler per name; the
 * provider must be a singleton (not request-scoped or transient).
 */
export function OnJob(name: string): MethodDecorator {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('@OnJob() needs a job name (a non-empty string)');
  return JOB_HANDLER({ name });
}
