import { waitFor, sqliteVariant, expectProblem, OwnRedisServer } from '@kit/testing';
import {
  adminToken,
  bootService,
  call,
  registerAndLogin,
  type Service,
} from './support/auth-service';

// The reference service on a Redis this suite owns and kills: Redis is a degraded resource, so
// readiness stays 200 (a balancer keeps the instance) while users and orders go on, and a
// server-side room broadcast answers 503 instead of reaching this instance's members only.

const up = (required: boolean) => ({ status: 'up', required, durationMs: expect.any(Number) });
const down = (required: boolean) => ({
  status: 'down',
  required,
  durationMs: expect.any(Number),
  error: 'CHECK_FAILED',
});

interface Readiness {
  status: number;
  body: { status: string; resources: Record<string, { status: string }> };
}

async function readiness(s: Service): Promise<Readiness> {
  const res = await fetch(`${s.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

/** Readiness (bounded poll) once it reports both Redis resources down. */
function redisReportedDown(s: Service): Promise<Readiness> {
  return waitFor(
    async () => {
      const r = await readiness(s);
      const { redis: r1, 'realtime-redis': r2 } = r.body.resources;
      return r1?.status === 'down' && r2?.status === 'down' ? r : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, description: 'readiness to report Redis down' },
  );
}

describe('readiness while Redis is down (reference service, own redis-server)', () => {
  let redis: OwnRedisServer | undefined;
  let s: Service | undefined;

  beforeAll(async () => {
    redis = await OwnRedisServer.start();
    s = await bootService(
      sqliteVariant,
      'degraded',
      { REDIS_URL: redis.url },
      {},
      { overrides: { jobsQueueName: `degraded-${process.pid}-${Date.now()}` } },
    );
  }, 30_000);

  // The app closes with Redis down (the path SIGTERM during an outage takes): a graceful BullMQ
  // worker close right after Redis came back can wait on its blocking connection's reconnect
  // backoff (seen once past 30 s), which is @kit/tasks' to bound, not this suite's subject.
  afterAll(async () => {
    await redis?.stop();
    if (s) await redisReportedDown(s);
    await s?.close();
  }, 30_000);

  it('stays 200 and reports Redis down, refuses room broadcasts with 503, and recovers', async () => {
    const service = s!;
    const admin = await adminToken(service);
    const { tokens } = await registerAndLogin(service);
    const broadcast = (): Promise<Response> =>
      call(service, '/rooms/lobby/messages', { token: admin, json: { data: { text: 'hi' } } });

    expect(await readiness(service)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        shuttingDown: false,
        resources: { database: up(true), redis: up(false), 'realtime-redis': up(false) },
      },
    });

    await redis!.stop();
    const degraded = await redisReportedDown(service);
    expect(degraded).toEqual({
      status: 200,
      body: {
        status: 'degraded',
        shuttingDown: false,
        resources: { database: up(true), redis: down(false), 'realtime-redis': down(false) },
      },
    });

    const refused = await broadcast();
    expect(refused.headers.get('retry-after')).toBe('5');
    await expectProblem(refused, 503, 'REALTIME_BROKER_UNAVAILABLE');
    const order = await call(service, '/orders', {
      token: tokens.access_token,
      json: { item: 'tea', quantity: 1 },
    });
    expect(order.status).toBe(201);

    await redis!.start();
    const back = await waitFor(
      async () => {
        const r = await readiness(service);
        return r.body.status === 'ok' ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50, description: 'readiness to report Redis up again' },
    );
    expect(back.status).toBe(200);
    expect((await broadcast()).status).toBe(202);
  }, 45_000);
});
