import type { OnModuleInit } from '@nestjs/common';
import type { Resource } from './resource.interface';
import type { ResourceRegistry } from './resource.registry';

/**
 * A resource that is its own Nest provider (the database, Redis): the registry opens it when Nest
 * initializes its module, so the boot waits for it and shutdown closes it in reverse order.
 * `target` and `required` come from its resolved options.
 */
export abstract class ProvidedResource implements Resource, OnModuleInit {
  abstract readonly name: string;
  readonly target: string;
  readonly required: boolean;

  protected constructor(
    options: { readonly target: string; readonly required: boolean },
    private readonly registry: ResourceRegistry,
  ) {
    this.target = options.target;
    this.required = options.required;
  }

  onModuleInit(): Promise<void> {
    return this.registry.open(this);
  }

  abstract open(): Promise<void>;
  abstract check(): Promise<void>;
  abstract close(): Promise<void>;
}
