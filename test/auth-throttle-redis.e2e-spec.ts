import { Closer, sqliteVariant, describeWithServices, deleteRedisKeys } from '@kit/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { AppModuleOverrides } from '../src/app.module';
import { obliterateQueue, uniqueQueueName } from './fixtures/tasks-service';
import {
  bootService,
  expectLoginThrottled,
  failLogins,
  login,
  register,
  type Service,
  uniqueEmail,
} from './support/auth-service';

// Two instances of the service with REDIS_URL: failed logins count against one budget per
// username, whichever instance they reach (RedisLoginThrottle).

describeWithServices('login throttling across instances on Redis', ['redis'], (urls) => {
  const REDIS_URL = urls.redis;
  let a: Service;
  let b: Service;
  const closer = new Closer();
  const overrides: AppModuleOverrides = {
    loginThrottleKeyPrefix: `kit-e2e:${randomUUID()}:`,
    jobsQueueName: uniqueQueueName('throttle'),
  };

  beforeAll(async () => {
    const env = { REDIS_URL: REDIS_URL };
    a = await closer.adopt(bootService(sqliteVariant, 'throttle-redis', env, {}, { overrides }));
    b = await closer.adopt(
      bootService(sqliteVariant, 'throttle-redis-b', env, {}, { db: a.db, overrides }),
    );
  });

  afterAll(async () => {
    await closer.closeAll();
    // Nothing left in the shared Redis: the failure counts and the (unused) job queue.
    const redis = new Redis(REDIS_URL);
    try {
      await deleteRedisKeys(redis, overrides.loginThrottleKeyPrefix as string);
    } finally {
      await redis.quit();
    }
    await obliterateQueue(REDIS_URL, overrides.jobsQueueName as string);
  });

  it('failures spread over two instances lock the username on both; other users log in', async () => {
    const victim = await register(a, uniqueEmail('spread'), 'Victim-Password-1');
    const bystander = await register(a, uniqueEmail('bystander'), 'Bystander-Pass-1');
    await failLogins([a, b], victim.email, 10);
    // Five failures each: either instance alone would still allow attempts.
    for (const instance of [a, b]) {
      await expectLoginThrottled(instance, victim.email, 'Victim-Password-1');
    }
    await login(b, bystander.email, 'Bystander-Pass-1');
  });

  it('a success on one instance clears the username on the other', async () => {
    const user = await register(a, uniqueEmail('cleared'), 'Cleared-Password-1');
    await failLogins(a, user.email, 9);
    await login(b, user.email, 'Cleared-Password-1');
    // The count starts over: nine more failures on A are still allowed.
    await failLogins(a, user.email, 9);
  });
});
