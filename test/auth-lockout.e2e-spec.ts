import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { AppModuleOverrides } from '../src/app.module';
import { obliterateQueue, uniqueQueueName } from './fixtures/tasks-service';
import {
  bootService,
  expectOAuthError,
  expectTokenResponse,
  failLoginsFrom,
  register,
  type Service,
  tokenRequestFrom,
  uniqueEmail,
} from './support/auth-service';
import { deleteRedisKeys, sqliteVariant, serviceUrl } from '@kit/testing';

// Login abuse cannot lock out the real user: failures are budgeted per username from one client
// address (10), per username from anywhere (a ceiling of 100) and per address (100), and an
// attempt is counted when it is admitted, so parallel attempts cannot overrun a budget. The
// requests come from different loopback addresses (127.0.x.y), which the service sees as
// different clients without trusting any proxy header. Both stores: the process and Redis.

const REDIS_URL = serviceUrl('redis');

interface Store {
  name: string;
  env: Record<string, string>;
}
const stores: Store[] = [
  { name: 'in the process', env: {} },
  ...(REDIS_URL ? [{ name: 'on Redis', env: { REDIS_URL } }] : []),
];

const PASSWORD = 'Lockout-Password-1';

describe.each(stores)('login budgets $name', ({ env }) => {
  let s: Service;
  const overrides: AppModuleOverrides = {
    loginThrottleKeyPrefix: `kit-e2e:${randomUUID()}:`,
    jobsQueueName: uniqueQueueName('lockout'),
    // A busy machine must not turn a queued verification into a 503 here.
    loginThrottle: { verificationQueueTimeoutMs: 30_000 },
  };

  beforeAll(async () => {
    s = await bootService(sqliteVariant, 'lockout', env, {}, { overrides });
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    if (!env.REDIS_URL) return;
    const redis = new Redis(env.REDIS_URL);
    try {
      await deleteRedisKeys(redis, overrides.loginThrottleKeyPrefix as string);
    } finally {
      await redis.quit();
    }
    await obliterateQueue(env.REDIS_URL, overrides.jobsQueueName as string);
  }, 30_000);

  const loginFrom = (address: string, username: string, password = PASSWORD) =>
    tokenRequestFrom(s, address, { grant_type: 'password', username, password });

  it('10 failures from one address refuse that address; the right password from another logs in', async () => {
    const victim = await register(s, uniqueEmail('lockout'), PASSWORD);
    await failLoginsFrom(s, '127.0.0.2', victim.email, 10);
    const refused = await loginFrom('127.0.0.2', victim.email);
    await expectOAuthError(refused, 429, 'too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(890);
    await expectTokenResponse(await loginFrom('127.0.0.3', victim.email));
    // The success cleared nothing for the attacking address.
    await expectOAuthError(await loginFrom('127.0.0.2', victim.email), 429, 'too_many_requests');
  }, 30_000);

  it('the username is refused everywhere once failures from all addresses reach 100', async () => {
    const victim = await register(s, uniqueEmail('ceiling'), PASSWORD);
    for (let i = 1; i <= 9; i++) await failLoginsFrom(s, `127.0.1.${i}`, victim.email, 10);
    await failLoginsFrom(s, '127.0.1.10', victim.email, 9);
    // 99 failures: a fresh address still logs in.
    await expectTokenResponse(await loginFrom('127.0.1.20', victim.email));
    await failLoginsFrom(s, '127.0.1.10', victim.email, 1);
    // 100: even the right password from an address that never failed is refused.
    const refused = await loginFrom('127.0.1.21', victim.email);
    await expectOAuthError(refused, 429, 'too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 120_000);

  it('20 wrong passwords sent at once from one address: 10 are checked, 10 refused', async () => {
    const victim = await register(s, uniqueEmail('parallel'), PASSWORD);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => loginFrom('127.0.2.1', victim.email, `Wrong-${i}`)),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array<number>(10).fill(400), ...Array<number>(10).fill(429)]);
    for (const res of responses) await res.arrayBuffer();
    // The budget is spent: the right password from that address is refused too.
    const res = await loginFrom('127.0.2.1', victim.email);
    await expectOAuthError(res, 429, 'too_many_requests');
  }, 60_000);
});

// Password verifications are bounded: one scrypt check at a time, one login waiting; every other
// login is answered 503 at once, without running scrypt. A real scrypt of high cost (N = 2^17,
// 128 MiB, hundreds of ms) makes the checks slow; nothing is faked.
describe('password verifications bounded at 1 running and 1 waiting', () => {
  let s: Service;
  const overrides: AppModuleOverrides = {
    scryptCost: 131_072,
    loginThrottle: {
      maxConcurrentVerifications: 1,
      maxQueuedVerifications: 1,
      verificationQueueTimeoutMs: 30_000,
    },
  };

  beforeAll(async () => {
    s = await bootService(sqliteVariant, 'login-busy', {}, {}, { overrides });
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('8 logins at once: the excess is 503 with Retry-After before any check ends; the process answers meanwhile', async () => {
    const user = await register(s, uniqueEmail('busy'), PASSWORD);
    const order: string[] = [];
    const logins = Array.from({ length: 8 }, async (_, i) => {
      const res = await tokenRequestFrom(s, `127.0.4.${i + 1}`, {
        grant_type: 'password',
        username: user.email,
        password: PASSWORD,
      });
      order.push(String(res.status));
      return res;
    });
    const live = fetch(`${s.url}/health/live`).then((res) => {
      order.push(`live ${res.status}`);
      return res.arrayBuffer();
    });
    const responses = await Promise.all(logins);
    await live;
    const busy = responses.filter((res) => res.status === 503);
    const ok = responses.filter((res) => res.status === 200);
    expect(busy.length + ok.length).toBe(8);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(4);
    // Cheap: every 503 (and the health check) came back before the first check finished.
    const firstOk = order.indexOf('200');
    expect(order.slice(0, firstOk).sort()).toEqual(
      [...Array<string>(busy.length).fill('503'), 'live 200'].sort(),
    );
    for (const res of busy) {
      await expectOAuthError(
        res,
        503,
        'temporarily_unavailable',
        'Too many logins are being checked right now; retry in 30 s.',
        { 'retry-after': '30' },
      );
    }
    for (const res of ok) await expectTokenResponse(res);
    // Not one error line per refusal (an attacker sets their number): one warning with a count.
    const lines = s.t.logs.lines;
    expect(lines.filter((l) => l.error === 'temporarily_unavailable')).toEqual([]);
    const warnings = lines.filter((l) => String(l.msg).includes('answered 503'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40 });
  }, 120_000);
});

// A login that waited in the queue past its deadline is answered 503 and its attempt is
// withdrawn, so it costs the client address nothing of its budget.
describe('password verifications with a 1 ms queue deadline', () => {
  let s: Service;
  const overrides: AppModuleOverrides = {
    // The default cost: each check takes far longer than the 1 ms deadline.
    scryptCost: 32_768,
    loginThrottle: {
      maxConcurrentVerifications: 1,
      maxQueuedVerifications: 1,
      verificationQueueTimeoutMs: 1,
    },
  };

  beforeAll(async () => {
    s = await bootService(sqliteVariant, 'login-deadline', {}, {}, { overrides });
  }, 60_000);
  afterAll(() => s?.close(), 30_000);

  it('only the checked wrong password counts: 9 more are checked, then 429', async () => {
    const user = await register(s, uniqueEmail('deadline'), PASSWORD);
    const wrong = (i: number) =>
      tokenRequestFrom(s, '127.0.6.1', {
        grant_type: 'password',
        username: user.email,
        password: `Wrong-${i}`,
      });
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => wrong(i)));
    const statuses = burst.map((res) => res.status).sort();
    for (const res of burst) await res.arrayBuffer();
    // One was checked; the one queued behind it and every other were refused busy.
    expect(statuses).toEqual([400, 503, 503, 503, 503, 503]);
    for (let i = 0; i < 9; i++) await expectOAuthError(await wrong(100 + i), 400, 'invalid_grant');
    await expectOAuthError(await wrong(200), 429, 'too_many_requests');
  }, 120_000);
});
