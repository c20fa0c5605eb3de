import type { LoginReservation, LoginThrottleStore } from '../auth.interfaces';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';

/** The limits `LoginThrottle` reads (those of `ResolvedAuthOptions['throttle']`). */
export type LoginThrottleLimits = Pick<
  ResolvedAuthOptions['throttle'],
  | 'maxFailuresPerUsernameAndAddress'
  | 'maxFailuresPerUsername'
  | 'maxFailuresPerAddress'
  | 'windowMs'
  | 'maxTrackedKeys'
>;

/**
 * Counts failed logins in a sliding window, per username from one address, per username (a
 * larger ceiling) and per address. Ten wrong passwords from one address refuse that username
 * there (429) while its right password still logs in from an address that has not failed, until
 * the username's ceiling. Attempts are counted when admitted, before their password is checked,
 * so parallel attempts stay within the budgets. Memory is bounded: the oldest keys go first.
 */
export class LoginThrottle implements LoginThrottleStore {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  reserve(username: string, address: string): LoginReservation {
    const now = this.now();
    let retryAfter = 0;
    for (const [key, max] of this.budgets(username, address)) {
      const wait = retryAfterSeconds(this.prune(key, now), max, this.limits.windowMs, now);
      retryAfter = Math.max(retryAfter, wait);
    }
    if (retryAfter > 0) return { admitted: false, retryAfter };
    this.record(username, address, now);
    return { admitted: true, id: String(now) };
  }

  /**
   * Counts a failure at `time` against every budget without checking them; `RedisLoginThrottle`
   * mirrors the attempts Redis admitted here, for when Redis stops answering.
   */
  record(username: string, address: string, time: number): void {
    for (const [key, max] of this.budgets(username, address)) this.push(key, max, time);
  }

  recordSuccess(username: string, address: string, id: string): void {
    this.cancel(username, address, id);
    this.failures.delete(pairKey(username, address));
  }

  cancel(username: string, address: string, id: string): void {
    const time = reservedAt(id);
    for (const [key] of this.budgets(username, address)) {
      const times = this.failures.get(key);
      const at = times?.lastIndexOf(time) ?? -1;
      if (times && at >= 0) times.splice(at, 1);
    }
  }

  private budgets(username: string, address: string): [key: string, max: number][] {
    return [
      [pairKey(username, address), this.limits.maxFailuresPerUsernameAndAddress],
      [userKey(username), this.limits.maxFailuresPerUsername],
      [addressKey(address), this.limits.maxFailuresPerAddress],
    ];
  }

  private push(key: string, max: number, time: number): void {
    const times = this.prune(key, time);
    times.push(time);
    // Keep no more timestamps than the key's limit can use.
    if (times.length > max) times.splice(0, times.length - max);
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.limits.maxTrackedKeys) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
  }

  private prune(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const cutoff = now - this.limits.windowMs;
    while (times.length > 0 && (times[0] as number) <= cutoff) times.shift();
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

/** The time an attempt was counted at, from its reservation id (`<ms>` or `<ms>:<random>`). */
export function reservedAt(id: string): number {
  return Number(id.split(':', 1)[0]);
}

/**
 * One key per account however the username is spelled: user resolvers commonly trim and
 * lower-case usernames, so `" Ada@x.com"` must count against the same budget as `"ada@x.com"`.
 */
export function userKey(username: string): string {
  return `u:${normalizeUsername(username)}`;
}

/** One key per client address (next to `userKey`'s, in one key space). */
export function addressKey(address: string): string {
  return `a:${address}`;
}

/** One key per username from one address (an address never contains a space). */
export function pairKey(username: string, address: string): string {
  return `p:${address} ${normalizeUsername(username)}`;
}

function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}
