import { REDIS, ResourceOpenError } from '@kit/lifespan';
import {
  createTestApp,
  LogCapture,
  type TestApp,
  expectProblem,
  waitFor,
  describeWithServices,
  TcpProxy,
} from '@kit/testing';
import type { Redis } from 'ioredis';
import { shutdownFixtureModule, ShutdownFixtureState } from './fixtures/shutdown-fixture.module';

// The Redis resource in an app: readiness on the real Redis, an outage through a TCP proxy that
// the resource recovers from by itself, and a boot that fails naming the resource.

const up = { status: 'up', required: true, durationMs: expect.any(Number) };

const ready = (app: TestApp): Promise<Response> => fetch(`${app.url}/health/ready`);

describe('Redis resource: a boot against an unreachable Redis', () => {
  it('fails with a ResourceOpenError naming "redis", its target with the password masked, and the cause', async () => {
    const logs = new LogCapture();
    const url = 'redis://app:s3cret-pa55@127.0.0.1:1/2';
    let error: unknown;
    try {
      const t = await createTestApp(
        shutdownFixtureModule({ state: new ShutdownFixtureState(), lifespan: { redis: { url } } }),
        { logDestination: logs },
      );
      await t.close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ResourceOpenError);
    expect(error).toMatchObject({
      code: 'RESOURCE_OPEN_FAILED',
      resource: 'redis',
      target: 'redis://app:****@127.0.0.1:1/2',
      message:
        'resource "redis" could not open redis://app:****@127.0.0.1:1/2: connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(String((error as Error).message)).not.toContain('s3cret');
    expect(logs.text()).not.toContain('s3cret');
  });
});

describeWithServices('Redis resource on the real Redis', ['redis'], (urls) => {
  // Empty when skipped: the tests that use it do not run.
  const base = new URL(urls.redis || 'redis://127.0.0.1:6379');
  let t: TestApp | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await proxy?.stop();
    proxy = undefined;
  });

  const boot = async (url: string): Promise<TestApp> =>
    (t = await createTestApp(
      shutdownFixtureModule({ state: new ShutdownFixtureState(), lifespan: { redis: { url } } }),
    ));

  /** `REDIS_URL` (its credentials and database kept) pointed at 127.0.0.1:`port`. */
  const via = (port: number): string => {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  };

  it('lists redis as up in readiness, serves the client, and quits it on close', async () => {
    const app = await boot(base.toString());
    const res = await ready(app);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      shuttingDown: false,
      resources: { redis: up },
    });
    const client = app.app.get<Redis>(REDIS);
    expect(await client.ping()).toBe('PONG');
    expect(app.logs.lines.map((l) => l.msg)).toContain(
      `opened redis (${base.toString().replace(/\/$/, '')})`,
    );

    await app.close();
    expect(client.status).toBe('end');
    expect(app.logs.lines.map((l) => l.msg)).toContain('closed redis');
  });

  it('answers 503 with redis down while the connection is cut, and recovers by itself when it is back', async () => {
    proxy = await TcpProxy.start(base.hostname, Number(base.port || 6379));
    const app = await boot(via(proxy.port));
    expect((await ready(app)).status).toBe(200);

    await proxy.stop();
    const down = await waitFor(
      async () => {
        const res = await ready(app);
        return res.status === 503 ? res : (await res.text(), undefined);
      },
      { timeoutMs: 5_000, description: 'readiness to turn 503' },
    );
    await expectProblem(down, 503, 'NOT_READY', {
      title: 'Service Unavailable',
      detail: 'A resource the service needs is not answering.',
      extensions: {
        resources: {
          redis: {
            status: 'down',
            required: true,
            durationMs: expect.any(Number),
            error: 'CHECK_FAILED',
          },
        },
        shuttingDown: false,
      },
    });
    const live = await fetch(`${app.url}/health/live`);
    expect(live.status).toBe(200);

    await proxy.restart('forward');
    const back = await waitFor(
      async () => {
        const res = await ready(app);
        return res.status === 200 ? res : (await res.text(), undefined);
      },
      { timeoutMs: 10_000, description: 'readiness to recover' },
    );
    expect(await back.json()).toEqual({
      status: 'ok',
      shuttingDown: false,
      resources: { redis: up },
    });
    expect(await app.app.get<Redis>(REDIS).ping()).toBe('PONG');
  }, 40_000);
});
