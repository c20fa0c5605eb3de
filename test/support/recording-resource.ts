import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { connect, createServer, type Server } from 'node:net';
import { HttpKitModule } from '@kit/http';
import {
  LifespanModule,
  type LifespanModuleOptions,
  type Resource,
  ResourceRegistry,
} from '@kit/lifespan';

export interface RecordingResourceSpec {
  name: string;
  /** Defaults to `tcp://127.0.0.1/<name>`. */
  target?: string;
  /** Awaited at the start of `open()`, to order concurrent opens. */
  beforeOpen?: () => Promise<void>;
  /** `open()` throws this (after `beforeOpen`). */
  failOpen?: Error;
  /** `Resource.required`; unset leaves the registry's default. */
  required?: boolean;
}

/**
 * A real resource for lifecycle tests: `open()` starts a TCP listener on 127.0.0.1, `check()`
 * connects to it, `close()` stops it; every call is appended to a shared journal.
 */
export class RecordingResource implements Resource, OnModuleInit {
  readonly name: string;
  readonly target: string;
  readonly required: boolean | undefined;
  private server: Server | undefined;
  private boundPort = 0;
  private stall: { promise: Promise<void>; release: () => void } | undefined;

  constructor(
    private readonly spec: RecordingResourceSpec,
    private readonly registry: ResourceRegistry,
    private readonly journal: string[],
  ) {
    this.name = spec.name;
    this.target = spec.target ?? `tcp://127.0.0.1/${spec.name}`;
    this.required = spec.required;
  }

  onModuleInit(): Promise<void> {
    return this.registry.open(this);
  }

  get port(): number {
    return this.boundPort;
  }

  async open(): Promise<void> {
    this.journal.push(`open ${this.name}`);
    await this.spec.beforeOpen?.();
    if (this.spec.failOpen) throw this.spec.failOpen;
    await this.listen(0);
    this.journal.push(`opened ${this.name}`);
  }

  check(): Promise<void> {
    if (this.stall) return this.stall.promise;
    return new Promise((resolve, reject) => {
      const socket = connect(this.boundPort, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  }

  async close(): Promise<void> {
    this.journal.push(`close ${this.name}`);
    this.stall?.release();
    await this.stopListening();
  }

  /** Simulates an outage: the listener stops, so checks are refused. */
  outage(): Promise<void> {
    return this.stopListening();
  }

  /** Ends the outage: listens again on the same port. */
  recover(): Promise<void> {
    return this.listen(this.boundPort);
  }

  /** Makes checks hang until `close()` (or the returned release) is called. */
  stallChecks(): () => void {
    let resolve: (() => void) | undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    const release = (): void => resolve?.();
    this.stall = { promise, release };
    return release;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((socket) => socket.end());
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : 0;
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

@Module({})
class RecordingResourcesModule {}

/** Provider token of the recording resource named `name`. */
export const resourceToken = (name: string): string => `TEST:RESOURCE:${name}`;

/**
 * An app module with `@kit/http`, `@kit/lifespan` and one `RecordingResource` per spec. With
 * `chained`, each resource depends on the previous one, so Nest opens them one after another.
 */
export function recordingResourcesModule(
  journal: string[],
  specs: readonly RecordingResourceSpec[],
  options: { chained?: boolean; lifespan?: LifespanModuleOptions } = {},
): DynamicModule {
  const providers = specs.map((spec, i) => {
    const previous = options.chained && i > 0 ? [resourceToken(specs[i - 1]!.name)] : [];
    return {
      provide: resourceToken(spec.name),
      inject: [ResourceRegistry, ...previous],
      useFactory: (registry: ResourceRegistry) => new RecordingResource(spec, registry, journal),
    };
  });
  return {
    module: RecordingResourcesModule,
    imports: [HttpKitModule.forRoot({}), LifespanModule.forRoot(options.lifespan ?? {})],
    providers,
  };
}
