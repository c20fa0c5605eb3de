import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { KitError } from '@kit/http';
import { withTimeout } from '@kit/http/internal';
import { InjectRedis } from '@kit/lifespan';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { AuthConfigError } from '../auth.errors';
import type { LoginReservation, LoginThrottleStore } from '../auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from '../auth.internal-constants';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';
import { addressKey, LoginThrottle, pairKey, userKey } from './login.throttle';
import { randomSecret, sha256 } from '../tokens/secret-token';

/** The longest a login waits for Redis; a slower answer counts as no answer. */
const REDIS_TIMEOUT_MS = 250;
/** After Redis failed to answer, it is asked again no sooner than this. */
const RETRY_REDIS_AFTER_MS = 5_000;

type Replies = [error: Error | null, result: unknown][];

/**
 * Admits an attempt when each key (KEYS: username from address, username, address) holds fewer
 * failures inside the window than its limit, and then adds it to all three in the same step;
 * else answers the seconds until the limiting failures leave the window. ARGV: now, window (ms),
 * member, the three limits in the keys' order, the window's cutoff (failures at or before it
 * are dropped). A key never holds more than its limit: attempts are added only below it.
 */
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i = 1, 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[7])
  local max = tonumber(ARGV[3 + i])
  local count = redis.call('ZCARD', KEYS[i])
  if count >= max then
    local oldest = redis.call('ZRANGE', KEYS[i], count - max, count - max, 'WITHSCORES')
    local seconds = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
    wait = math.max(wait, seconds, 1)
  end
end
if wait > 0 then return wait end
for i = 1, 3 do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 0
`;

/**
 * Failed logins counted in Redis, so that every instance on it shares the budgets per username
 * from one address, per username and per address: a sorted set of failure times per key (the
 * key a hash, so its size is fixed), expiring with the window. An attempt is admitted and
 * counted by one Lua script, atomically across instances. Every admitted attempt is also counted
 * in this process: while Redis is not connected, answers slower than 250 ms or fails, the
 * instance throttles on its own counts (said once, and Redis asked again after 5 s) rather than
 * letting attempts through or refusing every login.
 */
@Injectable()
export class RedisLoginThrottle implements LoginThrottleStore {
  private readonly logger = new Logger('RedisLoginThrottle');
  private readonly limits: ResolvedAuthOptions['throttle'];
  private readonly redis: Redis;
  private readonly scriptSha = createHash('sha1').update(RESERVE_SCRIPT).digest('hex');
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
  }

  async reserve(username: string, address: string): Promise<LoginReservation> {
    const now = this.now();
    const member = `${now}:${randomSecret(6)}`;
    const wait = await this.run(() => this.runScript(this.keys(username, address), now, member));
    if (wait === null) return this.local.reserve(username, address);
    if (wait > 0) return { admitted: false, retryAfter: wait };
    this.local.record(username, address, now);
    return { admitted: true, id: member };
  }

  async recordSuccess(username: string, address: string, id: string): Promise<void> {
    this.local.recordSuccess(username, address, id);
    const [pair, user, addr] = this.keys(username, address);
    await this.run(() => this.exec((multi) => multi.del(pair).zrem(user, id).zrem(addr, id)));
  }

  async cancel(username: string, address: string, id: string): Promise<void> {
    this.local.cancel(username, address, id);
    const keys = this.keys(username, address);
    await this.run(() => this.exec((multi) => keys.forEach((key) => multi.zrem(key, id))));
  }

  /** The clock of the failure times (milliseconds); tests replace it. */
  protected now(): number {
    return Date.now();
  }

  /** Runs one command within the time limit; null (and the process's counts) when Redis fails. */
  private async run<T>(command: () => Promise<T>): Promise<T | null> {
    if (this.redis.status !== 'ready') {
      this.degrade(`the Redis connection is ${this.redis.status}`);
      return null;
    }
    if (this.degraded && Date.now() < this.retryRedisAt) return null;
    try {
      const answer = await withTimeout(
        command(),
        REDIS_TIMEOUT_MS,
        () =>
          new KitError(
            'AUTH_THROTTLE_REDIS_TIMEOUT',
            `Redis did not answer within ${REDIS_TIMEOUT_MS} ms`,
          ),
      );
      this.recovered();
      return answer;
    } catch (err) {
      this.degrade(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  /** The reservation script by its hash, sent in full once Redis does not know it. */
  private async runScript(keys: string[], now: number, member: string): Promise<number> {
    const { windowMs } = this.limits;
    const args = [
      now,
      windowMs,
      member,
      this.limits.maxFailuresPerUsernameAndAddress,
      this.limits.maxFailuresPerUsername,
      this.limits.maxFailuresPerAddress,
      now - windowMs,
    ];
    try {
      return Number(await this.redis.evalsha(this.scriptSha, keys.length, ...keys, ...args));
    } catch (err) {
      if (!String(err).includes('NOSCRIPT')) throw err;
      return Number(await this.redis.eval(RESERVE_SCRIPT, keys.length, ...keys, ...args));
    }
  }

  private async exec(build: (multi: ReturnType<Redis['multi']>) => void): Promise<void> {
    const multi = this.redis.multi();
    build(multi);
    checked(await multi.exec());
  }

  /** The Redis keys of the three budgets, in the script's order. */
  private keys(username: string, address: string): string[] {
    return [pairKey(username, address), userKey(username), addressKey(address)].map((key) =>
      this.redisKey(key),
    );
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
  if (!replies)
    throw new KitError('AUTH_THROTTLE_REDIS_DISCARDED', 'the transaction was discarded');
  for (const [err] of replies) if (err) throw err;
  return replies;
}
