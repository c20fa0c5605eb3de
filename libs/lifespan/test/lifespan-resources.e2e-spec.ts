import { createHttpApp, HttpKitModule } from '@kit/http';
import {
  KYSELY,
  LifespanError,
  LifespanModule,
  ResourceOpenError,
  ResourceRegistry,
} from '@kit/lifespan';
import {
  createTestApp,
  LogCapture,
  type TestApp,
  Closer,
  expectProblem,
  acceptsConnections,
} from '@kit/testing';
import { type DynamicModule, Module } from '@nestjs/common';
import {
  RecordingResource,
  recordingResourcesModule,
  resourceToken,
} from './fixtures/recording-resource';

/** Boots `module` expecting the boot to fail; returns the error and the logs written. */
async function bootFailure(module: DynamicModule): Promise<{ error: unknown; logs: LogCapture }> {
  const logs = new LogCapture();
  let app: Awaited<ReturnType<typeof createHttpApp>> | undefined;
  try {
    app = await createHttpApp(module, { logLevel: 'info', logDestination: logs });
  } catch (error) {
    return { error, logs };
  }
  await app.close();
  throw new Error('the boot was expected to fail but succeeded');
}

const up = { status: 'up', required: true, durationMs: expect.any(Number) };

describe('resource lifecycle', () => {
  let t: TestApp | undefined;
  let journal: string[];
  beforeEach(() => {
    journal = [];
  });
  const closer = new Closer();
  afterEach(async () => {
    await closer.closeAll();
    await t?.close();
    t = undefined;
  });

  const resource = (name: string): RecordingResource =>
    t!.app.get<RecordingResource>(resourceToken(name));

  describe('with three resources that depend on each other', () => {
    beforeEach(async () => {
      t = await closer.adopt(
        createTestApp(
          recordingResourcesModule(
            journal,
            [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }],
            {
              chained: true,
            },
          ),
        ),
      );
    });

    it('opens them in order at boot and reports each as up', async () => {
      expect(journal).toEqual([
        'open alpha',
        'opened alpha',
        'open beta',
        'opened beta',
        'open gamma',
        'opened gamma',
      ]);
      expect(t!.app.get(ResourceRegistry).names()).toEqual(['alpha', 'beta', 'gamma']);
      const res = await fetch(`${t!.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { alpha: up, beta: up, gamma: up },
      });
    });

    it('closes them in reverse order on app.close()', async () => {
      const ports = ['alpha', 'beta', 'gamma'].map((n) => resource(n).port);
      journal.length = 0;
      await t!.close();
      expect(journal).toEqual(['close gamma', 'close beta', 'close alpha']);
      for (const port of ports) expect(await acceptsConnections(port)).toBe(false);
    });

    it('closes each once when closeAll is called twice, concurrently and again, then app.close()', async () => {
      const registry = t!.app.get(ResourceRegistry);
      journal.length = 0;
      await Promise.all([registry.closeAll(), registry.closeAll()]);
      await registry.closeAll();
      expect(journal).toEqual(['close gamma', 'close beta', 'close alpha']);
      expect(registry.names()).toEqual([]);

      const res = await fetch(`${t!.url}/health/ready`);
      await expectProblem(res, 503, 'NOT_READY', {
        title: 'Service Unavailable',
        detail: 'The service is shutting down.',
        extensions: { resources: {}, shuttingDown: true },
      });

      await t!.close();
      expect(journal).toEqual(['close gamma', 'close beta', 'close alpha']);
    });
  });

  describe('without any resource', () => {
    it('boots, reports ready with no resources, and rejects use of the database', async () => {
      @Module({ imports: [HttpKitModule.forRoot({}), LifespanModule.forRoot({})] })
      class NoResourcesModule {}
      t = await createTestApp(NoResourcesModule);
      const res = await fetch(`${t.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', shuttingDown: false, resources: {} });
      const kysely = t.app.get<{ selectFrom: unknown }>(KYSELY);
      expect(() => kysely.selectFrom).toThrow(
        'no database configured; pass lifespan.database to LifespanModule.forRoot()',
      );
    });
  });

  describe('when a resource cannot open', () => {
    it('stops createTestApp with a ResourceOpenError and closes what was opened, in reverse', async () => {
      const cause = new Error('handshake refused');
      const booting = createTestApp(
        recordingResourcesModule(
          journal,
          [
            { name: 'alpha' },
            { name: 'beta' },
            { name: 'gamma', target: 'amqp://mq.internal:5672', failOpen: cause },
          ],
          { chained: true },
        ),
      );
      const error = await booting.then(
        async (booted) => {
          await booted.close();
          return new Error('the boot was expected to fail but succeeded');
        },
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ResourceOpenError);
      expect(error).toBeInstanceOf(LifespanError);
      expect(error).toMatchObject({
        name: 'ResourceOpenError',
        code: 'RESOURCE_OPEN_FAILED',
        resource: 'gamma',
        target: 'amqp://mq.internal:5672',
        cause,
        message: 'resource "gamma" could not open amqp://mq.internal:5672: handshake refused',
      });
      expect(journal).toEqual([
        'open alpha',
        'opened alpha',
        'open beta',
        'opened beta',
        'open gamma',
        'close gamma',
        'close beta',
        'close alpha',
      ]);
    });

    it('closes a sibling that was still opening when the other failed', async () => {
      let failing: (() => void) | undefined;
      const failed = new Promise<void>((resolve) => (failing = resolve));
      const { error } = await bootFailure(
        recordingResourcesModule(journal, [
          { name: 'late', beforeOpen: () => failed },
          {
            name: 'broken',
            beforeOpen: () => Promise.resolve(failing?.()),
            failOpen: new Error('no route to host'),
          },
        ]),
      );
      expect(error).toMatchObject({ code: 'RESOURCE_OPEN_FAILED', resource: 'broken' });
      expect(journal.filter((e) => e.startsWith('close')).sort()).toEqual([
        'close broken',
        'close late',
      ]);
      expect(journal).toContain('opened late');
      expect(journal.indexOf('close late')).toBeGreaterThan(journal.indexOf('opened late'));
    });

    it('names the database and its target with the password masked', async () => {
      const { error, logs } = await bootFailure({
        module: class DatabaseDownModule {},
        imports: [
          HttpKitModule.forRoot({}),
          LifespanModule.forRoot({
            database: { url: 'postgres://postgres:s3cret@127.0.0.1:1/test' },
          }),
        ],
      });
      expect(error).toBeInstanceOf(ResourceOpenError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^resource "database" could not open postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:1\/test: connect ECONNREFUSED 127\.0\.0\.1:1$/,
      );
      expect(message).not.toContain('s3cret');
      expect(error).toMatchObject({
        resource: 'database',
        target: 'postgres://postgres:****@127.0.0.1:1/test',
      });
      expect(logs.text()).not.toContain('s3cret');
    });
  });
});
