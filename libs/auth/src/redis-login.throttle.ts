import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRedis } from '@kit/lifespan';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AuthConfigError } from './auth.errors';
import type { LoginThrottleStore } from './auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import type { ResolvedAuthOptions } from './auth-options.interface';
import { LoginThrottle, retryAfterSeconds, userKey } from './login.throttle';

type Limits = ResolvedAuthOptions['throttle'];

/**
 * Failed logins counted in Redis, so that every instance on it shares one budget per username
 * and per address: a sorted set of failure times per key, trimmed to the window and to the
 * largest limit, expiring with the window. Every failure is also counted in this process: when
 * Redis does not answer, the instance goes on throttling on its own counts (and says so once)
 * rather than letting every attempt through or refusing every login.
 */
@Injectable()
export class RedisLoginThrottle implements LoginThrottleStore {
  private readonly logger = new Logger('RedisLoginThrottle');
  private readonly limits: Limits;
  private readonly keep: number;
  private degraded = false;

  constructor(
    @Inject(RESOLVED_AUTH_OPTIONS) options: ResolvedAuthOptions,
    @Optional() @InjectRedis() private readonly redis: Redis | null,
    private readonly local: LoginThrottle,
  ) {
    if (!redis) {
      throw new AuthConfigError(
        'auth.loginThrottle',
        'RedisLoginThrottle needs a Redis connection: configure LifespanModule with redis, or use LoginThrottle',
      );
    }
    this.limits = options.throttle;
    this.keep = Math.max(this.limits.maxFailuresPerUsername, this.limits.maxFailuresPerAddress);
  }

  async retryAfter(username: string, address: string): Promise<number> {
    const now = Date.now();
    const windowMs = this.limits.windowMs;
    const keys = [this.key(userKey(username)), this.key(`a:${address}`)];
    try {
      const pipeline = this.client().multi();
      for (const key of keys) {
        pipeline.zremrangebyscore(key, '-inf', String(now - windowMs));
        pipeline.zrange(key, 0, '-1', 'WITHSCORES');
      }
      const replies = checked(await pipeline.exec());
      this.recovered();
      return Math.max(
        retryAfterSeconds(times(replies[1]), this.limits.maxFailuresPerUsername, windowMs, now),
        retryAfterSeconds(times(replies[3]), this.limits.maxFailuresPerAddress, windowMs, now),
      );
    } catch (err) {
      this.degrade(err);
      return this.local.retryAfter(username, address);
    }
  }

  async recordFailure(username: string, address: string): Promise<void> {
    this.local.recordFailure(username, address);
    const now = Date.now();
    try {
      const pipeline = this.client().multi();
      for (const key of [this.key(userKey(username)), this.key(`a:${address}`)]) {
        pipeline.zadd(key, now, `${now}:${randomUUID()}`);
        pipeline.zremrangebyscore(key, '-inf', String(now - this.limits.windowMs));
        pipeline.zremrangebyrank(key, 0, -(this.keep + 1));
        pipeline.pexpire(key, this.limits.windowMs);
      }
      checked(await pipeline.exec());
      this.recovered();
    } catch (err) {
      this.degrade(err);
    }
  }

  async recordSuccess(username: string): Promise<void> {
    this.local.recordSuccess(username);
    try {
      await this.client().del(this.key(userKey(username)));
      this.recovered();
    } catch (err) {
      this.degrade(err);
    }
  }

  private client(): Redis {
    return this.redis as Redis;
  }

  private key(suffix: string): string {
    return this.limits.redisKeyPrefix + suffix;
  }

  private degrade(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.error(
      `login failures are counted in this process only until Redis answers again: ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log('login failures are counted in Redis again');
  }
}

type Replies = [error: Error | null, result: unknown][];

/** The replies of a MULTI, or the first error in them. */
function checked(replies: Replies | null): Replies {
  if (!replies) throw new Error('the transaction was discarded');
  for (const [err] of replies) if (err) throw err;
  return replies;
}

/** Failure times, oldest first, from a `ZRANGE … WITHSCORES` reply. */
function times(reply: Replies[number] | undefined): number[] {
  const flat = (reply?.[1] ?? []) as string[];
  const out: number[] = [];
  for (let i = 1; i < flat.length; i += 2) out.push(Number(flat[i]));
  return out;
}
