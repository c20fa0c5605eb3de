import { Logger } from '@nestjs/common';
import { LoginBusyError } from '../tokens/oauth.error';
import { PasswordVerificationLimiter } from './password-verification.limiter';

/** A verification the test finishes by hand. */
function pending(): { promise: Promise<boolean>; finish: () => void } {
  const finishers: ((value: boolean) => void)[] = [];
  const promise = new Promise<boolean>((done) => finishers.push(done));
  return { promise, finish: () => finishers.forEach((done) => done(true)) };
}

const LIMITS = {
  maxConcurrentVerifications: 2,
  maxQueuedVerifications: 1,
  verificationQueueTimeoutMs: 1_500,
};

describe('PasswordVerificationLimiter (2 at once, 1 waiting, 1.5 s wait)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs up to the concurrency at once', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const [first, second] = [pending(), pending()];
    const started: number[] = [];
    const runs = [first, second].map((v, i) => limiter.run(() => (started.push(i), v.promise)));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    first.finish();
    second.finish();
    await expect(Promise.all(runs)).resolves.toEqual([true, true]);
  }, 5_000);

  it('refuses beyond the queue at once, with Retry-After, without running the verification', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const slow = [pending(), pending(), pending()];
    const runs = slow.map((v) => limiter.run(() => v.promise));
    const verify = jest.fn(() => Promise.resolve(true));
    const refused = limiter.run(verify);
    await expect(refused).rejects.toBeInstanceOf(LoginBusyError);
    await expect(refused).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      status: 503,
      retryAfterSec: 2,
      headers: expect.objectContaining({ 'retry-after': '2' }),
    });
    expect(verify).not.toHaveBeenCalled();
    for (const v of slow) v.finish();
    await Promise.all(runs);
  }, 5_000);

  it('assertRoom() throws only while every slot and queue place is taken', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const slow = [pending(), pending(), pending()];
    const runs = slow.slice(0, 2).map((v) => limiter.run(() => v.promise));
    expect(() => limiter.assertRoom()).not.toThrow();
    runs.push(limiter.run(() => (slow[2] as ReturnType<typeof pending>).promise));
    expect(() => limiter.assertRoom()).toThrow(LoginBusyError);
    slow[0]?.finish();
    await runs[0];
    expect(() => limiter.assertRoom()).not.toThrow();
    for (const v of slow) v.finish();
    await Promise.all(runs);
  }, 5_000);

  it('hands a freed slot to the first waiter', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const [first, second] = [pending(), pending()];
    const runs = [first, second].map((v) => limiter.run(() => v.promise));
    const queued = jest.fn(() => Promise.resolve(false));
    const third = limiter.run(queued);
    await Promise.resolve();
    expect(queued).not.toHaveBeenCalled();
    first.finish();
    await expect(third).resolves.toBe(false);
    second.finish();
    await Promise.all(runs);
    // Every slot is free again: two more start at once.
    const again = [pending(), pending()];
    const started = jest.fn();
    const more = again.map((v) => limiter.run(() => (started(), v.promise)));
    await Promise.resolve();
    expect(started).toHaveBeenCalledTimes(2);
    for (const v of again) v.finish();
    await Promise.all(more);
  }, 5_000);

  it('refuses a waiter after the queue timeout, and its place is free again', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const slow = [pending(), pending()];
    const runs = slow.map((v) => limiter.run(() => v.promise));
    const verify = jest.fn(() => Promise.resolve(true));
    let refused: unknown;
    limiter.run(verify).catch((err: unknown) => (refused = err));
    await jest.advanceTimersByTimeAsync(1_499);
    expect(refused).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(refused).toBeInstanceOf(LoginBusyError);
    expect(verify).not.toHaveBeenCalled();
    const next = limiter.run(() => Promise.resolve(true));
    for (const v of slow) v.finish();
    await expect(next).resolves.toBe(true);
    await Promise.all(runs);
  }, 5_000);

  it('frees the slot when the verification throws', async () => {
    const limiter = new PasswordVerificationLimiter({ ...LIMITS, maxConcurrentVerifications: 1 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve(true))).resolves.toBe(true);
  }, 5_000);

  it('refuses the waiters and clears their timers when the module is destroyed, twice safely', async () => {
    const limiter = new PasswordVerificationLimiter(LIMITS);
    const slow = [pending(), pending()];
    const runs = slow.map((v) => limiter.run(() => v.promise));
    const waiting = limiter.run(() => Promise.resolve(true));
    limiter.onModuleDestroy();
    limiter.onModuleDestroy();
    await expect(waiting).rejects.toBeInstanceOf(LoginBusyError);
    expect(jest.getTimerCount()).toBe(0);
    for (const v of slow) v.finish();
    await Promise.all(runs);
  }, 5_000);

  describe('reporting refusals', () => {
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });
    afterEach(() => warn.mockRestore());

    it('warns once per 10 s with the number refused, and marks the errors as not to log', async () => {
      const limiter = new PasswordVerificationLimiter({ ...LIMITS, maxQueuedVerifications: 0 });
      const slow = [pending(), pending()];
      const runs = slow.map((v) => limiter.run(() => v.promise));
      const refuse = () => limiter.run(() => Promise.resolve(true)).catch((err: unknown) => err);
      const first = await refuse();
      expect(first).toMatchObject({ logged: false });
      await refuse();
      await refuse();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/^1 login\(s\) answered 503: all 2 /);
      await jest.advanceTimersByTimeAsync(10_000);
      await refuse();
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[1]?.[0])).toMatch(/^3 login\(s\) answered 503/);
      for (const v of slow) v.finish();
      await Promise.all(runs);
    }, 5_000);
  });

  describe('with no queue', () => {
    it('refuses as soon as every slot is taken', async () => {
      const limiter = new PasswordVerificationLimiter({ ...LIMITS, maxQueuedVerifications: 0 });
      const slow = [pending(), pending()];
      const runs = slow.map((v) => limiter.run(() => v.promise));
      await expect(limiter.run(() => Promise.resolve(true))).rejects.toBeInstanceOf(LoginBusyError);
      for (const v of slow) v.finish();
      await Promise.all(runs);
    }, 5_000);
  });
});
