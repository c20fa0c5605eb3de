import type { LoginThrottleStore } from './auth.interfaces';

/**
 * Counts failed logins per username and per client address in a sliding window. A username
 * over its limit is refused (429) without touching other users; an address gets a looser limit.
 * Memory is bounded: the oldest tracked keys are dropped first.
 */
export class LoginThrottle implements LoginThrottleStore {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: {
      maxFailuresPerUsername: number;
      maxFailuresPerAddress: number;
      windowMs: number;
      maxTrackedKeys: number;
    },
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before another attempt, or 0 when allowed. */
  retryAfter(username: string, address: string): number {
    return Math.max(
      this.wait(userKey(username), this.limits.maxFailuresPerUsername),
      this.wait(addressKey(address), this.limits.maxFailuresPerAddress),
    );
  }

  recordFailure(username: string, address: string): void {
    this.push(userKey(username));
    this.push(addressKey(address));
  }

  /** A successful login clears that username's failures (the address keeps its count). */
  recordSuccess(username: string): void {
    this.failures.delete(userKey(username));
  }

  private wait(key: string, max: number): number {
    return retryAfterSeconds(this.prune(key), max, this.limits.windowMs, this.now());
  }

  private push(key: string): void {
    const times = this.prune(key);
    times.push(this.now());
    // Keep no more timestamps than any limit can use.
    const keep = Math.max(this.limits.maxFailuresPerUsername, this.limits.maxFailuresPerAddress);
    if (times.length > keep) times.splice(0, times.length - keep);
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.limits.maxTrackedKeys) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
  }

  private prune(key: string): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const cutoff = this.now() - this.limits.windowMs;
    while (times.length > 0 && times[0] <= cutoff) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}

/**
 * Seconds until enough of `failures` (times, oldest first) leave the window for another attempt
 * under `max`; 0 when fewer than `max` count now.
 */
export function retryAfterSeconds(
  failures: readonly number[],
  max: number,
  windowMs: number,
  now: number,
): number {
  if (failures.length < max) return 0;
  const oldest = failures[failures.length - max] as number;
  return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
}

/**
 * One key per account however the username is spelled: user resolvers commonly trim and
 * lower-case usernames, so `" Ada@x.com"` must count against the same budget as `"ada@x.com"`.
 */
export function userKey(username: string): string {
  return `u:${username.normalize('NFKC').trim().toLowerCase()}`;
}

/** One key per client address (next to `userKey`'s, in one key space). */
export function addressKey(address: string): string {
  return `a:${address}`;
}
