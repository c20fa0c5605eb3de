import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRedis } from '@kit/lifespan';
import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { AuthConfigError } from './auth.errors';
import type { LoginThrottleStore } from './auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { LoginThrottle, retryAfterSeconds, userKey } from './login.throttle';

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
    const replies = await this.run((multi) => {
      for (const key of this.keys(username, address)) {
        multi.zremrangebyscore(key, '-inf', String(now - windowMs));
        multi.zrange(key, 0, '-1', 'WITHSCORES');
      }
    });
    if (!replies) return this.local.retryAfter(username, address);
    return Math.max(
      retryAfterSeconds(scores(replies[1]), maxFailuresPerUsername, windowMs, now),
      retryAfterSeconds(scores(replies[3]), maxFailuresPerAddress, windowMs, now),
    );
  }

  async recordFailure(username: string, address: string): Promise<void> {
    this.local.recordFailure(username, address);
    const now = this.now();
    const member = `${now}:${randomBytes(6).toString('base64url')}`;
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
      multi.del(this.userKey(username));
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
      const replies = checked(await within(multi.exec(), REDIS_TIMEOUT_MS));
      this.recovered();
      return replies;
    } catch (err) {
      this.degrade(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private keys(username: string, address: string): [string, string] {
    return [this.userKey(username), this.limits.redisKeyPrefix + hashed(`a:${address}`)];
  }

  private userKey(username: string): string {
    return this.limits.redisKeyPrefix + hashed(userKey(username));
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

/** A fixed-size key part: usernames can be long (and are not stored in Redis in clear). */
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** `promise`, or a rejection once `ms` have passed; a late settlement is ignored. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
