import { LoginThrottle } from './login.throttle';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const LIMITS = {
  maxFailuresPerUsername: 3,
  maxFailuresPerAddress: 5,
  windowMs: 60_000,
  maxTrackedKeys: 1_000,
};

function fail(throttle: LoginThrottle, username: string, address: string, times: number): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(username, address);
}

describe('LoginThrottle', () => {
  describe('per username (limit 3 in 60 s)', () => {
    it('allows attempts below the limit', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', '10.0.0.1', 2);
      expect(throttle.retryAfter('ada@example.com', '10.0.0.1')).toBe(0);
    });

    it('refuses at the limit for the whole window, counted from the oldest failure', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      throttle.recordFailure('ada@example.com', '10.0.0.1');
      clock.advance(10_000);
      fail(throttle, 'ada@example.com', '10.0.0.2', 2);
      expect(throttle.retryAfter('ada@example.com', '10.0.0.3')).toBe(50);
      clock.advance(49_000);
      expect(throttle.retryAfter('ada@example.com', '10.0.0.3')).toBe(1);
      clock.advance(1_000);
      // The first failure left the window: one attempt is allowed again.
      expect(throttle.retryAfter('ada@example.com', '10.0.0.3')).toBe(0);
    });

    it('rounds a partial second up and never answers less than 1 while refused', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', 'a', 3);
      clock.advance(59_999);
      expect(throttle.retryAfter('ada', 'b')).toBe(1);
      clock.advance(1);
      expect(throttle.retryAfter('ada', 'b')).toBe(0);
    });

    it('does not lock out other usernames', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', '10.0.0.1', 3);
      expect(throttle.retryAfter('ada@example.com', '10.0.0.9')).toBeGreaterThan(0);
      expect(throttle.retryAfter('grace@example.com', '10.0.0.9')).toBe(0);
    });

    it.each([
      ['upper case', 'ADA@EXAMPLE.COM'],
      ['leading and trailing spaces', '  ada@example.com '],
      ['a tab', '\tada@example.com'],
      ['a compatibility form (NFKC)', 'ａｄａ@example.com'],
    ])('counts %s against the same username', (_n, spelling) => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada@example.com', 'a', 2);
      throttle.recordFailure(spelling, 'b');
      expect(throttle.retryAfter('ada@example.com', 'c')).toBeGreaterThan(0);
      expect(throttle.retryAfter(spelling, 'c')).toBeGreaterThan(0);
    });

    it('a success clears the username but not the address', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      fail(throttle, 'ada', '10.0.0.1', 2);
      fail(throttle, 'bob', '10.0.0.1', 2);
      throttle.recordSuccess(' ADA ');
      fail(throttle, 'ada', '10.0.0.2', 2);
      expect(throttle.retryAfter('ada', '10.0.0.2')).toBe(0);
      // 10.0.0.1 still has its 4 failures: one more reaches its limit of 5.
      throttle.recordFailure('carol', '10.0.0.1');
      expect(throttle.retryAfter('dave', '10.0.0.1')).toBeGreaterThan(0);
    });
  });

  describe('per address (limit 5 in 60 s)', () => {
    it('refuses an address that failed for many usernames, whatever the username', () => {
      const throttle = new LoginThrottle(LIMITS, manualClock().now);
      for (let i = 0; i < 5; i++) throttle.recordFailure(`user${i}`, '192.0.2.7');
      expect(throttle.retryAfter('somebody-new', '192.0.2.7')).toBe(60);
      expect(throttle.retryAfter('somebody-new', '192.0.2.8')).toBe(0);
    });

    it('answers the longer of the two waits', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', '192.0.2.7', 3);
      clock.advance(30_000);
      fail(throttle, 'bob', '192.0.2.7', 2);
      // ada: 30 s left; the address: 30 s left of its oldest of the last 5.
      expect(throttle.retryAfter('ada', '192.0.2.7')).toBe(30);
      clock.advance(20_000);
      fail(throttle, 'carol', '192.0.2.7', 3);
      // The address's last 5 failures began at +30 s: 40 s left; ada has 10 s left.
      expect(throttle.retryAfter('ada', '192.0.2.7')).toBe(40);
      expect(throttle.retryAfter('ada', '192.0.2.99')).toBe(10);
    });
  });

  describe('memory bounds', () => {
    it('after many failures, waits a full window from the most recent ones', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      for (let i = 0; i < 50; i++) {
        throttle.recordFailure('ada', `10.0.0.${i}`);
        clock.advance(100);
      }
      // The 48th failure (3rd from last) was 300 ms ago: 59.7 s left, rounded up.
      expect(throttle.retryAfter('ada', 'x')).toBe(60);
      clock.advance(59_700);
      expect(throttle.retryAfter('ada', 'x')).toBe(0);
    });

    it('forgets the oldest key first once maxTrackedKeys keys are tracked', () => {
      const throttle = new LoginThrottle(
        { ...LIMITS, maxTrackedKeys: 4, maxFailuresPerAddress: 100 },
        manualClock().now,
      );
      fail(throttle, 'ada', 'addr', 3);
      expect(throttle.retryAfter('ada', 'other')).toBeGreaterThan(0);
      // Each new username adds a key; ada's (the oldest) goes first.
      throttle.recordFailure('u1', 'addr');
      throttle.recordFailure('u2', 'addr');
      throttle.recordFailure('u3', 'addr');
      expect(throttle.retryAfter('ada', 'other')).toBe(0);
      expect(throttle.retryAfter('u3', 'other')).toBe(0);
    });

    it('drops keys whose failures all left the window', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(LIMITS, clock.now);
      fail(throttle, 'ada', 'addr', 3);
      clock.advance(60_000);
      expect(throttle.retryAfter('ada', 'addr')).toBe(0);
      fail(throttle, 'ada', 'addr', 2);
      expect(throttle.retryAfter('ada', 'addr')).toBe(0);
    });
  });
});
