import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { JOB_HANDLER, type JobHandlerMetadata } from './job-handler.decorator';
import { type JobHandler, JobQueue } from './job-queue';
import { JobError, JobHandlerDeclarationError } from '../tasks.errors';

/** A provider as discovery returns it (Nest's `InstanceWrapper`). */
type Candidate = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds `@OnJob()` methods on providers (Nest's `DiscoveryService`) and registers them with the
 * `JobQueue` in `onModuleInit`: every handler is known before any `onApplicationBootstrap`,
 * where the BullMQ worker starts and services begin to enqueue.
 */
@Injectable()
export class JobHandlerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    const owners = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper, owners);
  }

  private explore(wrapper: Candidate, owners: Map<string, string>): void {
    const instance: unknown = wrapper.instance;
    if (!instance || typeof instance !== 'object') return;
    // Read from the prototype, never through the instance: a value provider may be a Proxy
    // that throws on every property it does not expect (e.g. lifespan's unconfigured Kysely).
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
    if (!prototype) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const meta = Reflect.getMetadata(JOB_HANDLER.KEY, prototype[method] as object) as
        JobHandlerMetadata | undefined;
      if (!meta) continue;
      const where = `${(prototype.constructor as { name: string }).name}.${method}`;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient)
        throw JobHandlerDeclarationError.scoped(meta.name, where);
      const other = owners.get(meta.name);
      if (other) throw JobHandlerDeclarationError.duplicate(meta.name, other, where);
      owners.set(meta.name, where);
      this.register(meta.name, where, bindHandler(instance, method));
    }
  }

  private register(name: string, where: string, handler: JobHandler): void {
    try {
      this.jobs.register(name, handler);
    } catch (err) {
      if (err instanceof JobError && err.code === 'JOB_DUPLICATE_HANDLER')
        throw JobHandlerDeclarationError.duplicate(name, 'a JobQueue.register() call', where);
      throw err;
    }
  }
}

function bindHandler(instance: object, method: string): JobHandler {
  const fn = (instance as Record<string, unknown>)[method] as JobHandler;
  return (data, job) => fn.call(instance, data, job);
}
