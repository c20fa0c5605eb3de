import { HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import {
  createTestApp,
  type TestApp,
  Closer,
  type TestDatabase,
  expectProblem,
  waitFor,
  describeWithServices,
  postgresVariantAt,
  TcpProxy,
} from '@kit/testing';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import {
  RecordingResource,
  recordingResourcesModule,
  resourceToken,
} from '../libs/lifespan/test/fixtures/recording-resource';

const up = { status: 'up', required: true, durationMs: expect.any(Number) };
const down = (error: 'CHECK_FAILED' | 'CHECK_TIMEOUT') => ({
  status: 'down',
  required: true,
  durationMs: expect.any(Number),
  error,
});
const NOT_ANSWERING = {
  title: 'Service Unavailable',
  detail: 'A resource the service needs is not answering.',
};

/** GET /health/ready until it answers 200, for at most `withinMs` (a bounded poll). */
function readyAgain(url: string, withinMs: number): Promise<Response> {
  return waitFor(
    async () => {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) return res;
      await res.arrayBuffer();
      return undefined;
    },
    { timeoutMs: withinMs, intervalMs: 25, description: 'GET /health/ready to answer 200' },
  );
}

describe('readiness', () => {
  let t: TestApp | undefined;
  const closer = new Closer();
  afterEach(async () => {
    await closer.closeAll();
    await t?.close();
    t = undefined;
  });
  const resource = (name: string): RecordingResource =>
    t!.app.get<RecordingResource>(resourceToken(name));

  describe('when a resource stops answering', () => {
    beforeEach(async () => {
      t = await closer.adopt(
        createTestApp(
          recordingResourcesModule([], [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }]),
        ),
      );
    });

    it('answers 503 naming the resource that is down, and 200 once it is back', async () => {
      await resource('beta').outage();
      const res = await fetch(`${t!.url}/health/ready`);
      await expectProblem(res, 503, 'NOT_READY', {
        ...NOT_ANSWERING,
        extensions: {
          resources: { alpha: up, beta: down('CHECK_FAILED'), gamma: up },
          shuttingDown: false,
        },
      });
      // The refused check is logged with its reason; the response carries only the code.
      expect(t!.logs.lines.map((l) => l.msg)).toContain(
        `readiness check of beta failed: connect ECONNREFUSED 127.0.0.1:${resource('beta').port}`,
      );

      await resource('beta').recover();
      const again = await fetch(`${t!.url}/health/ready`);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { alpha: up, beta: up, gamma: up },
      });
    });

    it('keeps liveness at 200', async () => {
      await resource('alpha').outage();
      const res = await fetch(`${t!.url}/health/live`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });
  });

  describe('when some resources are not required', () => {
    const optionalUp = { ...up, required: false };
    const optionalDown = { ...down('CHECK_FAILED'), required: false };
    beforeEach(async () => {
      t = await createTestApp(
        recordingResourcesModule(
          [],
          [
            { name: 'store', required: true },
            { name: 'cache', required: false },
            { name: 'bus', required: false },
          ],
        ),
      );
    }, 10_000);

    it('answers 200 "degraded" while only those are down, naming them', async () => {
      await resource('cache').outage();
      await resource('bus').outage();
      const res = await fetch(`${t!.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'degraded',
        shuttingDown: false,
        resources: { store: up, cache: optionalDown, bus: optionalDown },
      });

      await resource('cache').recover();
      await resource('bus').recover();
      const again = await fetch(`${t!.url}/health/ready`);
      expect(await again.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { store: up, cache: optionalUp, bus: optionalUp },
      });
    }, 10_000);

    it('answers 503 once a required one is down too', async () => {
      await resource('cache').outage();
      await resource('store').outage();
      const res = await fetch(`${t!.url}/health/ready`);
      await expectProblem(res, 503, 'NOT_READY', {
        ...NOT_ANSWERING,
        extensions: {
          resources: { store: down('CHECK_FAILED'), cache: optionalDown, bus: optionalUp },
          shuttingDown: false,
        },
      });
    }, 10_000);
  });

  describe('when a check hangs', () => {
    it('counts it down after health.checkTimeoutMs, without waiting for it', async () => {
      t = await createTestApp(
        recordingResourcesModule([], [{ name: 'slow' }, { name: 'fast' }], {
          lifespan: { health: { checkTimeoutMs: 150 } },
        }),
      );
      const release = resource('slow').stallChecks();
      const started = performance.now();
      const res = await fetch(`${t.url}/health/ready`);
      const elapsed = performance.now() - started;
      const body = await expectProblem(res, 503, 'NOT_READY', {
        ...NOT_ANSWERING,
        extensions: { resources: { slow: down('CHECK_TIMEOUT'), fast: up }, shuttingDown: false },
      });
      const slow = (body.resources as Record<string, { durationMs: number }>).slow!;
      expect(slow.durationMs).toBeGreaterThanOrEqual(149);
      expect(slow.durationMs).toBeLessThan(1_000);
      expect(elapsed).toBeLessThan(1_500);

      release();
      expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    });
  });
});

describeWithServices(
  'readiness when PostgreSQL becomes unreachable (through a TCP proxy)',
  ['postgres'],
  (urls) => {
    const pg = postgresVariantAt(urls.postgres);
    const variant = pg;
    let db: TestDatabase | undefined;
    let proxy: TcpProxy | undefined;
    let t: TestApp | undefined;

    /** DATABASE_URL of the test schema, through the proxy. */
    async function proxiedUrl(): Promise<string> {
      db = await variant.create('lifespan_ready');
      const direct = new URL(db.url);
      proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
      direct.hostname = '127.0.0.1';
      direct.port = String(proxy.port);
      return direct.toString();
    }

    afterEach(async () => {
      await t?.close();
      await proxy?.stop();
      await db?.drop();
      t = proxy = db = undefined;
    });

    it('the reference service answers 503 while the proxy is down and 200 once it is back', async () => {
      const url = await proxiedUrl();
      t = await createTestApp(AppModule.forRoot(loadConfig({ DATABASE_URL: url })));
      const before = await fetch(`${t.url}/health/ready`);
      expect(before.status).toBe(200);
      expect(await before.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { database: up },
      });
      expect(proxy!.openSockets).toBeGreaterThan(0);

      await proxy!.stop();
      const started = performance.now();
      const res = await fetch(`${t.url}/health/ready`);
      // Refused at once: well inside the default 2 s check timeout.
      expect(performance.now() - started).toBeLessThan(2_000);
      await expectProblem(res, 503, 'NOT_READY', {
        ...NOT_ANSWERING,
        extensions: { resources: { database: down('CHECK_FAILED') }, shuttingDown: false },
      });

      await proxy!.restart();
      const after = await readyAgain(t.url, 5_000);
      expect(after.status).toBe(200);
      expect(await after.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { database: up },
      });
    });

    it('counts a database that accepts but never answers as down within health.checkTimeoutMs', async () => {
      const url = await proxiedUrl();
      t = await createTestApp({
        module: class BlackholedDatabaseModule {},
        imports: [
          HttpKitModule.forRoot({}),
          LifespanModule.forRoot({
            database: { url, connectTimeoutMs: 1_000 },
            health: { checkTimeoutMs: 300 },
          }),
        ],
      });
      expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);

      await proxy!.restart('blackhole');
      const started = performance.now();
      const res = await fetch(`${t.url}/health/ready`);
      const elapsed = performance.now() - started;
      await expectProblem(res, 503, 'NOT_READY', {
        ...NOT_ANSWERING,
        extensions: { resources: { database: down('CHECK_TIMEOUT') }, shuttingDown: false },
      });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(1_500);

      await proxy!.restart();
      expect((await readyAgain(t.url, 5_000)).status).toBe(200);
    });
  },
);
