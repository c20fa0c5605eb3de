import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { withTimeout } from '@kit/http';
import { InjectRedis } from '@kit/lifespan';
import type { Redis } from 'ioredis';
import { AuthConfigError } from './auth.errors';
import type { LoginThrottleStore } from './auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { addressKey, LoginThrottle, retryAfterSeconds, userKey } from './login.throttle';
import { randomSecret, sha256 } from './secret-token';

/** The longest a login waits for Redis; a slower answer counts as no answer. */
const REDIS_TIMEOUT_MS = 250;
/** After Redis failed to answer, it is asked again no sooner than this. */
const RETRY_REDIS_AFTER_MS = 5_000;

type Replies = [error: Error | null, result: unknown][];

/**
 * Failed logins counted in Redis, so that every instance on it shares one budget per username
 * and per address: a sorted set of failure times per key (the key a hash of the username or
 * address, so its size is fixed), trimmed to the window and to the largest limit, expiring with
 * the window. Every failure is also counted in this process: while Redis is not connected,
 * answers slower than 250 ms or fails, the instance throttles on its own counts (said once, and
 * Redis asked again after 5 s) rather than letting attempts through or refusing every login.
 */
@Injectable()
export class RedisLoginThrottle implements LoginThrottleStore {
  private readonly logger = new Logger('RedisLoginThrottle');
  private readonly limits: ResolvedAuthOptions['throttle'];
  private readonly keep: number;
  private readonly redis: Redis;
  private degraded = false;
  private retryRedisAt = 0;

  constructor(
    @Inject(RESOLVED_AUTH_OPTIONS) options: ResolvedAuthOptions,
    @Optional() @InjectRedis() redis: Redis | null,
    private readonly local: LoginThrottle,
  ) {
    if (!redis) {
      throw new AuthConfigError(
        'auth.loginThrottle',
        'RedisLoginThrottle needs a Redis connection: configure LifespanModule with redis, or use LoginThrottle',
      );
    }
    this.redis = redis;
    this.limits = options.throttle;
    this.keep = Math.max(this.limits.maxFailuresPerUsername, this.limits.maxFailuresPerAddress);
  }

  async retryAfter(username: string, address: string): Promise<number> {
    const now = this.now();
    const { windowMs, maxFailuresPerUsername, maxFailuresPerAddress } = this.limits;
    // Read only: recordFailure() trims the sets; failures older than the window are skipped.
    const replies = await this.run((multi) => {
      for (const key of this.keys(username, address)) {
        multi.zrangebyscore(key, `(${now - windowMs}`, '+inf', 'WITHSCORES');
      }
    });
    if (!replies) return this.local.retryAfter(username, address);
    return Math.max(
      retryAfterSeconds(scores(replies[0]), maxFailuresPerUsername, windowMs, now),
      retryAfterSeconds(scores(replies[1]), maxFailuresPerAddress, windowMs, now),
    );
  }

  async recordFailure(username: string, address: string): Promise<void> {
    this.local.recordFailure(username, address);
    const now = this.now();
    const member = `${now}:${randomSecret(6)}`;
    await this.run((multi) => {
      for (const key of this.keys(username, address)) {
        multi.zadd(key, now, member);
        multi.zremrangebyscore(key, '-inf', String(now - this.limits.windowMs));
        multi.zremrangebyrank(key, 0, -(this.keep + 1));
        multi.pexpire(key, this.limits.windowMs);
      }
    });
  }

  async recordSuccess(username: string): Promise<void> {
    this.local.recordSuccess(username);
    await this.run((multi) => {
      multi.del(this.redisUserKey(username));
    });
  }

  /** The clock of the failure times (milliseconds); tests replace it. */
  protected now(): number {
    return Date.now();
  }

  /** Runs one MULTI within the time limit; null (and the process's counts) when Redis fails. */
  private async run(build: (multi: ReturnType<Redis['multi']>) => void): Promise<Replies | null> {
    if (this.redis.status !== 'ready') {
      this.degrade(`the Redis connection is ${this.redis.status}`);
      return null;
    }
    if (this.degraded && Date.now() < this.retryRedisAt) return null;
    const multi = this.redis.multi();
    build(multi);
    try {
      const answer = withTimeout(
        multi.exec(),
        REDIS_TIMEOUT_MS,
        () => new Error(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms`),
      );
      const replies = checked(await answer);
      this.recovered();
      return replies;
    } catch (err) {
      this.degrade(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private keys(username: string, address: string): [string, string] {
    return [this.redisUserKey(username), this.redisKey(addressKey(address))];
  }

  private redisUserKey(username: string): string {
    return this.redisKey(userKey(username));
  }

  /** A fixed-size key: usernames can be long, and are not stored in Redis in clear. */
  private redisKey(key: string): string {
    return this.limits.redisKeyPrefix + sha256(key);
  }

  private degrade(reason: string): void {
    this.retryRedisAt = Date.now() + RETRY_REDIS_AFTER_MS;
    if (this.degraded) return;
    this.degraded = true;
    this.logger.error(
      `login failures are counted in this process only until Redis answers: ${reason}`,
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log('login failures are counted in Redis again');
  }
}

/** The replies of a MULTI, or the first error in them. */
function checked(replies: Replies | null): Replies {
  if (!replies) throw new Error('the transaction was discarded');
  for (const [err] of replies) if (err) throw err;
  return replies;
}

/** Failure times, oldest first, from a `ZRANGE … WITHSCORES` reply. */
function scores(reply: Replies[number] | undefined): number[] {
  const flat = (reply?.[1] ?? []) as string[];
  const out: number[] = [];
  for (let i = 1; i < flat.length; i += 2) out.push(Number(flat[i]));
  return out;
}
