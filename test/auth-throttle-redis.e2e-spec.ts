import { createTestApp, type TestApp } from '@kit/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppModuleOverrides } from '../src/app.module';
import {
  bootService,
  expectLoginThrottled,
  failLogins,
  login,
  register,
  type Service,
  uniqueEmail,
} from './support/auth-service';
import { obliterateQueue } from './fixtures/tasks-service';
import { databaseVariants } from './support/database-variants';
import { redisUrlForTests } from './support/shutdown-support';

// Two instances of the service with REDIS_URL: failed logins count against one budget per
// username, whichever instance they reach (RedisLoginThrottle).

const REDIS_URL = redisUrlForTests('login throttling on Redis');
const describeWithRedis = REDIS_URL ? describe : describe.skip;
const sqlite = databaseVariants()[0];

describeWithRedis('login throttling across instances on Redis', () => {
  let a: Service;
  let b: TestApp;
  const overrides: AppModuleOverrides = {
    loginThrottleKeyPrefix: `kit-e2e:${randomUUID()}:`,
    jobsQueueName: `kit-e2e-throttle-${randomUUID()}`,
  };

  beforeAll(async () => {
    a = await bootService(
      sqlite as NonNullable<typeof sqlite>,
      'throttle-redis',
      { REDIS_URL: REDIS_URL as string },
      {},
      { overrides },
    );
    b = await createTestApp(AppModule.forRoot(a.config, { scryptCost: 1024, ...overrides }));
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    // Nothing left in the shared Redis: the failure counts and the (unused) job queue.
    const redis = new Redis(REDIS_URL as string);
    try {
      const keys = await redis.keys(`${overrides.loginThrottleKeyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
    await obliterateQueue(REDIS_URL as string, overrides.jobsQueueName as string);
  });

  it('failures spread over two instances lock the username on both; other users log in', async () => {
    const victim = await register(a, uniqueEmail('spread'), 'Victim-Password-1');
    const bystander = await register(a, uniqueEmail('bystander'), 'Bystander-Pass-1');
    const onB = { url: b.url };
    await failLogins((i) => (i % 2 === 0 ? onB : a), victim.email, 10);
    // Five failures each: either instance alone would still allow attempts.
    for (const instance of [a, onB]) {
      await expectLoginThrottled(instance, victim.email, 'Victim-Password-1');
    }
    await login(onB, bystander.email, 'Bystander-Pass-1');
  });

  it('a success on one instance clears the username on the other', async () => {
    const user = await register(a, uniqueEmail('cleared'), 'Cleared-Password-1');
    await failLogins(a, user.email, 9);
    await login({ url: b.url }, user.email, 'Cleared-Password-1');
    // The count starts over: nine more failures on A are still allowed.
    await failLogins(a, user.email, 9);
  });
});
