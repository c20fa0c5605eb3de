import { Injectable, Module, type Provider, Scope } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import { OnJob } from './job-handler.decorator';
import { type JobContext, JobQueue } from './job-queue';
import { JobHandlerDeclarationError } from '../tasks.errors';
import { TasksModule } from '../tasks.module';

const HTTP = HttpKitModule.forRoot({ isGlobal: true, openapi: { enabled: false } });
const TASKS = TasksModule.forRoot({ isGlobal: true, jobs: { attempts: 1 } });

@Injectable()
class Greeting {
  readonly word = 'hello';
}

@Injectable()
class Greeter {
  readonly seen: string[] = [];
  private ran!: () => void;
  /** Settles once a job ran. */
  readonly ranOnce = new Promise<void>((resolve) => (this.ran = resolve));
  constructor(private readonly greeting: Greeting) {}

  @OnJob('greet')
  greet(data: { to: string }, job: JobContext): void {
    this.seen.push(`${this.greeting.word} ${data.to} #${job.attempt}`);
    this.ran();
  }
}

@Injectable()
class OtherGreeter {
  @OnJob('greet')
  welcome(): void {}
}

/** Registers `greet` imperatively, before any `onModuleInit` runs. */
@Injectable()
class ImperativeGreeter {
  constructor(jobs: JobQueue) {
    jobs.register('greet', () => undefined);
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestGreeter {
  @OnJob('greet')
  greet(): void {}
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientGreeter {
  @OnJob('greet')
  greet(): void {}
}

describe('JobHandlerExplorer', () => {
  const apps: NestFastifyApplication[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  /** Boots a real app (init included) with these providers beside the tasks module. */
  async function boot(...providers: Provider[]): Promise<NestFastifyApplication> {
    @Module({ imports: [HTTP, TASKS], providers: [Greeting, ...providers] })
    class SpecModule {}
    const app = await createHttpApp(SpecModule, { logLevel: 'silent' });
    apps.push(app);
    return app;
  }

  async function bootError(...providers: Provider[]): Promise<unknown> {
    return boot(...providers).then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  it('registers an @OnJob method, called with its provider as `this`', async () => {
    const app = await boot(Greeter);
    await app.get(JobQueue).enqueue('greet', { to: 'ada' });
    const greeter = app.get(Greeter);
    await greeter.ranOnce;
    expect(greeter.seen).toEqual(['hello ada #1']);
  }, 10_000);

  it('boots beside LifespanModule without a database (its KYSELY value throws on use)', async () => {
    @Module({ imports: [HTTP, TASKS, LifespanModule.forRoot({})], providers: [Greeting, Greeter] })
    class WithLifespan {}
    const app = await createHttpApp(WithLifespan, { logLevel: 'silent' });
    apps.push(app);
    await app.get(JobQueue).enqueue('greet', { to: 'grace' });
    const greeter = app.get(Greeter);
    await greeter.ranOnce;
    expect(greeter.seen).toEqual(['hello grace #1']);
  }, 10_000);

  it('two @OnJob handlers for one name fail the boot, naming both', async () => {
    const err = await bootError(Greeter, OtherGreeter);
    expect(err).toBeInstanceOf(JobHandlerDeclarationError);
    expect(err).toMatchObject({
      code: 'JOB_HANDLER_DUPLICATE',
      message:
        'job "greet" has two handlers, Greeter.greet and OtherGreeter.welcome; ' +
        'keep one (a job name has one handler)',
    });
  }, 10_000);

  it('an @OnJob name also given to register() fails the boot', async () => {
    const err = await bootError(ImperativeGreeter, Greeter);
    expect(err).toBeInstanceOf(JobHandlerDeclarationError);
    expect(err).toMatchObject({
      code: 'JOB_HANDLER_DUPLICATE',
      message:
        'job "greet" has two handlers, a JobQueue.register() call and Greeter.greet; ' +
        'keep one (a job name has one handler)',
    });
  }, 10_000);

  it.each([
    ['request-scoped', RequestGreeter],
    ['transient', TransientGreeter],
  ])(
    '@OnJob on a %s provider fails the boot',
    async (_scope, provider) => {
      const err = await bootError(provider);
      expect(err).toBeInstanceOf(JobHandlerDeclarationError);
      expect(err).toMatchObject({ code: 'JOB_HANDLER_SCOPE' });
      expect((err as Error).message).toContain(`@OnJob("greet") on ${provider.name}.greet`);
    },
    10_000,
  );

  it('@OnJob without a name is refused where it is written', () => {
    expect(() => OnJob('')).toThrow('@OnJob() needs a job name (a non-empty string)');
  });
});
