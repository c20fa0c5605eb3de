import { LoginThrottle } from './login.throttle';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const LIMITS = {
  maxFailuresPerUsernameAndAddress: 3,
  maxFailuresPerUsername: 6,
  maxFailuresPerAddress: 8,
  windowMs: 60_000,
  maxTrackedKeys: 1_000,
};

/** `times` attempts that are admitted and then fail (their reservations stay counted). */
function fail(throttle: LoginThrottle, username: string, address: string, times: number): void {
  for (let i = 0; i < times; i++) {
    expect(throttle.reserve(username, address)).toEqual({ admitted: true, id: expect.any(String) });
  }
}

/** Seconds the next attempt must wait, 0 when it would be admitted (then withdrawn). */
function waitFor(throttle: LoginThrottle, username: string, address: string): number {
  const attempt = throttle.reserve(username, address);
  if (!attempt.admitted) return attempt.retryAfter;
  throttle.cancel(username, address, attempt.id);
  return 0;
}

describe('LoginThrottle', () => {
  describe('per username from one address (limit 3 in 60 s)', () => {
    it('admits attempts below the limit', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', '10.0.0.1', 2);
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.1')).toBe(0);
    });

    it('refuses at the limit for the whole window, counted from the oldest failure', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada@example.com', '10.0.0.1', 1);
      clock.advance(10_000);
      fail(throttle, 'ada@example.com', '10.0.0.1', 2);
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.1')).toBe(50);
      clock.advance(49_000);
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.1')).toBe(1);
      clock.advance(1_000);
      // The first failure left the window: one attempt is admitted again.
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.1')).toBe(0);
    });

    it('rounds a partial second up and never answers less than 1 while refused', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', 'a', 3);
      clock.advance(59_999);
      expect(waitFor(throttle, 'ada', 'a')).toBe(1);
      clock.advance(1);
      expect(waitFor(throttle, 'ada', 'a')).toBe(0);
    });

    it('does not lock the username out of an address that has not failed', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', '10.0.0.1', 3);
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.1')).toBe(60);
      expect(waitFor(throttle, 'ada@example.com', '10.0.0.2')).toBe(0);
      expect(waitFor(throttle, 'grace@example.com', '10.0.0.1')).toBe(0);
    });

    it.each([
      ['upper case', 'ADA@EXAMPLE.COM'],
      ['leading and trailing spaces', '  ada@example.com '],
      ['a tab', '\tada@example.com'],
      ['a compatibility form (NFKC)', 'ａｄａ@example.com'],
    ])('counts %s against the same username', (_n, spelling) => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', 'a', 2);
      fail(throttle, spelling, 'a', 1);
      expect(waitFor(throttle, 'ada@example.com', 'a')).toBeGreaterThan(0);
      expect(waitFor(throttle, spelling, 'a')).toBeGreaterThan(0);
    });

    it('counts an admitted attempt at once: attempts before any answer cannot pass the limit', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      const attempts = Array.from({ length: 10 }, () => throttle.reserve('ada', '10.0.0.1'));
      expect(attempts.filter((a) => a.admitted)).toHaveLength(3);
      expect(attempts.slice(3)).toEqual(
        Array.from({ length: 7 }, () => ({ admitted: false, retryAfter: 60 })),
      );
    });
  });

  describe('per username from all addresses (ceiling 6 in 60 s)', () => {
    it('refuses the username everywhere, even from a fresh address, at the ceiling', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada', '10.0.0.1', 3);
      fail(throttle, 'ada', '10.0.0.2', 2);
      expect(waitFor(throttle, 'ada', '10.0.0.9')).toBe(0);
      fail(throttle, 'ada', '10.0.0.3', 1);
      expect(waitFor(throttle, 'ada', '10.0.0.9')).toBe(60);
      expect(waitFor(throttle, 'bob', '10.0.0.9')).toBe(0);
    });
  });

  describe('per address (limit 8 in 60 s)', () => {
    it('refuses an address that failed for many usernames, whatever the username', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      for (let i = 0; i < 8; i++) fail(throttle, `user${i}`, '192.0.2.7', 1);
      expect(waitFor(throttle, 'somebody-new', '192.0.2.7')).toBe(60);
      expect(waitFor(throttle, 'somebody-new', '192.0.2.8')).toBe(0);
    });

    it('answers the longest of the waits', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', '192.0.2.7', 3);
      clock.advance(30_000);
      fail(throttle, 'bob', '192.0.2.7', 3);
      fail(throttle, 'carol', '192.0.2.7', 2);
      // ada from .7: 30 s left; the address's 8 failures began at 0: 30 s left too.
      expect(waitFor(throttle, 'ada', '192.0.2.7')).toBe(30);
      clock.advance(20_000);
      // The address's oldest failures leave in 10 s; bob's from .7 (at +30 s) in 40 s.
      expect(waitFor(throttle, 'carol', '192.0.2.7')).toBe(10);
      expect(waitFor(throttle, 'bob', '192.0.2.7')).toBe(40);
    });
  });

  describe('ending an attempt', () => {
    it('a success withdraws it and clears the username from that address only', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada', '10.0.0.2', 3);
      fail(throttle, 'ada', '10.0.0.1', 2);
      const attempt = throttle.reserve(' ADA ', '10.0.0.1');
      if (!attempt.admitted) throw new Error('expected the attempt to be admitted');
      throttle.recordSuccess(' ADA ', '10.0.0.1', attempt.id);
      // From 10.0.0.1 the count starts over: 3 more failures are admitted.
      fail(throttle, 'ada', '10.0.0.1', 1);
      // The ceiling still holds the 5 other failures (3 + 2) and that one: 6, full.
      expect(waitFor(throttle, 'ada', '10.0.0.9')).toBe(60);
      // 10.0.0.2 is still refused for ada.
      expect(waitFor(throttle, 'ada', '10.0.0.2')).toBe(60);
    });

    it('a success leaves the address its failures for other usernames', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      for (let i = 0; i < 7; i++) fail(throttle, `user${i}`, '10.0.0.1', 1);
      const attempt = throttle.reserve('ada', '10.0.0.1');
      if (!attempt.admitted) throw new Error('expected the attempt to be admitted');
      throttle.recordSuccess('ada', '10.0.0.1', attempt.id);
      fail(throttle, 'carol', '10.0.0.1', 1);
      expect(waitFor(throttle, 'dave', '10.0.0.1')).toBe(60);
    });

    it('a cancelled attempt gives its place back', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada', '10.0.0.1', 2);
      const attempt = throttle.reserve('ada', '10.0.0.1');
      expect(waitFor(throttle, 'ada', '10.0.0.1')).toBe(60);
      if (!attempt.admitted) throw new Error('expected the attempt to be admitted');
      throttle.cancel('ada', '10.0.0.1', attempt.id);
      expect(waitFor(throttle, 'ada', '10.0.0.1')).toBe(0);
    });
  });

  describe('memory bounds', () => {
    it('keeps no more failures per key than its limit, the most recent ones', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      for (let i = 0; i < 50; i++) {
        throttle.record('ada', `10.0.0.${i}`, clock.now());
        clock.advance(100);
      }
      // The 45th failure (6th from last) was 600 ms ago: 59.4 s left, rounded up.
      expect(waitFor(throttle, 'ada', 'x')).toBe(60);
      clock.advance(59_400);
      expect(waitFor(throttle, 'ada', 'x')).toBe(0);
    });

    it('forgets the oldest key first once maxTrackedKeys keys are tracked', () => {
      const throttle = new LoginThrottle(
        { ...LIMITS, maxTrackedKeys: 6, maxFailuresPerAddress: 100 },
        manualClock().now,
      );
      fail(throttle, 'ada', 'addr', 3);
      expect(waitFor(throttle, 'ada', 'addr')).toBeGreaterThan(0);
      // 3 keys (ada from addr, ada, addr); each new username adds 2: ada's pair key goes first.
      fail(throttle, 'u1', 'addr', 1);
      fail(throttle, 'u2', 'addr', 1);
      expect(waitFor(throttle, 'ada', 'addr')).toBe(0);
    });

    it('drops keys whose failures all left the window', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', 'addr', 3);
      clock.advance(60_000);
      expect(waitFor(throttle, 'ada', 'addr')).toBe(0);
      fail(throttle, 'ada', 'addr', 2);
      expect(waitFor(throttle, 'ada', 'addr')).toBe(0);
    });
  });
});
