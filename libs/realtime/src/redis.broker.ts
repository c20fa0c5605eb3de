import { Logger } from '@nestjs/common';
import type { RedisResource, Resource } from '@kit/lifespan';
import { withTimeout } from '@kit/http/internal';
import type { ChainableCommander, Redis, RedisOptions } from 'ioredis';
import { busMessage, parseBusMessage } from './envelope';
import { RealtimeError, BrokerUnavailableError } from './realtime.errors';
import type { ResolvedRedisBrokerOptions } from './realtime-options.interface';
import type { BrokerStats, LocalRooms, RealtimeBroker } from './realtime-broker.interface';

const MALFORMED_LOG_EVERY_MS = 10_000;

/**
 * Fan-out over one Redis pub/sub channel (`<prefix>:bus`) and presence in Redis sets.
 *
 * Delivery: the publishing instance has already delivered locally and ignores its own echo,
 * so each member gets an envelope once. Pub/sub is at-most-once: what is published while an
 * instance is cut off from Redis does not reach it later.
 *
 * Presence: each instance keeps `<prefix>:presence:<instance>:<room>` (a set of user ids) and
 * its entry in the `<prefix>:instances` sorted set (score = expiry), refreshed every heartbeat
 * with a TTL, so a crashed instance's members vanish after `presenceTtlMs`. After a reconnect
 * (or any failed write) the instance rewrites its sets from its local rooms.
 *
 * Its two connections (commands, and the subscriber, which can do nothing else) are derived
 * from `LifespanModule`'s Redis: its URL, TLS, timeouts and reconnection.
 */
export class RedisBroker implements RealtimeBroker, Resource {
  readonly kind = 'redis';
  readonly name = 'realtime-redis';
  readonly target: string;
  readonly required: boolean;
  /** The pub/sub channel every instance of this prefix shares. */
  readonly channel: string;
  private readonly instancesKey: string;
  private readonly logger = new Logger('RealtimeRedis');
  private readonly pub: Redis;
  private readonly sub: Redis;
  /** Rooms this instance may have a presence set for (cleared when synced). */
  private readonly written = new Set<string>();
  private local: LocalRooms | undefined;
  private opened = false;
  private subscribed = false;
  private presenceDirty = true;
  private syncing: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private lostLogged = false;
  private lastMalformedLog = 0;
  private published = 0;
  private publishFailures = 0;
  private received = 0;
  private malformed = 0;

  constructor(
    private readonly options: ResolvedRedisBrokerOptions,
    private readonly redis: RedisConnectionSource,
    readonly instanceId: string,
    private readonly maxFrameBytes: number,
  ) {
    this.target = redis.target;
    this.required = options.required;
    this.channel = `${options.keyPrefix}:bus`;
    this.instancesKey = `${options.keyPrefix}:instances`;
    this.pub = redis.connection('kit-realtime-pub', this.connectionOptions());
    this.sub = redis.connection('kit-realtime-sub', this.connectionOptions());
    this.pub.on('ready', () => this.onPubReady());
    this.sub.on('ready', () => this.onSubReady());
    this.sub.on('close', () => (this.subscribed = false));
    this.sub.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    for (const conn of [this.pub, this.sub]) {
      conn.on('error', (err: Error) => this.onConnectionError(err));
    }
  }

  attach(local: LocalRooms): void {
    this.local = local;
  }

  async open(): Promise<void> {
    if (!this.local) {
      throw new RealtimeError('REALTIME_BROKER_DETACHED', 'the broker was opened before attach()');
    }
    const { connectTimeoutMs } = this.redis;
    await withTimeout(
      Promise.all([this.pub.connect(), this.sub.connect()]),
      connectTimeoutMs,
      () =>
        new RealtimeError(
          'REALTIME_BROKER_TIMEOUT',
          `could not connect to ${this.target} within ${connectTimeoutMs} ms`,
        ),
    );
    await this.subscribe();
    await this.syncPresence();
    this.opened = true;
    this.heartbeat = setInterval(() => void this.beat(), this.options.presenceHeartbeatMs);
    this.heartbeat.unref();
  }

  publish(room: string, frame: string): void {
    if (this.pub.status !== 'ready') {
      this.publishFailures++;
      return;
    }
    this.published++;
    this.pub.publish(this.channel, busMessage(this.instanceId, room, frame)).catch(() => {
      this.published--;
      this.publishFailures++;
    });
  }

  presenceChanged(room: string, userId: string, present: boolean): void {
    if (present) this.written.add(room);
    if (this.presenceDirty || this.pub.status !== 'ready') {
      this.presenceDirty = true;
      return;
    }
    const key = this.presenceKey(this.instanceId, room);
    const batch = present
      ? this.pub.pipeline().sadd(key, userId).pexpire(key, this.options.presenceTtlMs)
      : this.pub.pipeline().srem(key, userId);
    void this.run(batch);
  }

  async members(room: string): Promise<string[]> {
    const local = this.local?.localMembers(room) ?? [];
    if (this.pub.status !== 'ready') throw new BrokerUnavailableError();
    try {
      const live = await this.pub.zrangebyscore(this.instancesKey, `(${Date.now()}`, '+inf');
      const others = live.filter((id) => id !== this.instanceId);
      if (others.length === 0) return local;
      const remote = await this.pub.sunion(...others.map((id) => this.presenceKey(id, room)));
      return [...new Set([...local, ...remote])];
    } catch (err) {
      throw new BrokerUnavailableError(err);
    }
  }

  async check(): Promise<void> {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready' || !this.subscribed) {
      throw new RealtimeError('REALTIME_BROKER_DOWN', `redis at ${this.target} is not connected`);
    }
    await this.pub.ping();
  }

  stats(): BrokerStats {
    return {
      kind: 'redis',
      connected: this.pub.status === 'ready' && this.subscribed,
      published: this.published,
      publishFailures: this.publishFailures,
      received: this.received,
      malformed: this.malformed,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** The broker's role on top of the lifespan connection settings. */
  private connectionOptions(): RedisOptions {
    return {
      commandTimeout: this.redis.commandTimeoutMs,
      // Fail fast while disconnected: local delivery goes on, nothing piles up in memory.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Resubscribing is the broker's own step once the subscriber is ready again.
      autoResubscribe: false,
    };
  }

  private presenceKey(instance: string, room: string): string {
    return `${this.options.keyPrefix}:presence:${instance}:${room}`;
  }

  private onPubReady(): void {
    if (!this.opened || this.closing) return;
    if (this.lostLogged) this.logger.log(`reconnected to ${this.target}`);
    this.lostLogged = false;
    this.presenceDirty = true;
    void this.syncPresence().catch(() => undefined);
  }

  private onSubReady(): void {
    if (!this.opened || this.closing) return;
    this.subscribe().catch((err: unknown) =>
      this.logger.warn(`resubscribing failed: ${errorMessage(err)}`),
    );
  }

  private onConnectionError(err: Error): void {
    if (this.lostLogged || this.closing) return;
    this.lostLogged = true;
    this.logger.warn(
      `redis at ${this.target} failed (${errorMessage(err)}); delivering locally only until it is back`,
    );
  }

  private async subscribe(): Promise<void> {
    await this.sub.subscribe(this.channel);
    this.subscribed = true;
  }

  private onMessage(channel: string, payload: string): void {
    if (channel !== this.channel || this.closing) return;
    const message = parseBusMessage(payload, this.maxFrameBytes);
    if (!message) {
      this.malformed++;
      const now = Date.now();
      if (now - this.lastMalformedLog >= MALFORMED_LOG_EVERY_MS) {
        this.lastMalformedLog = now;
        this.logger.warn(
          `ignored a malformed message on ${this.channel} (${this.malformed} so far)`,
        );
      }
      return;
    }
    if (message.origin === this.instanceId) return;
    this.received++;
    this.local?.deliverRemote(message.room, message.frame);
  }

  /** Refreshes this instance's TTLs; rewrites everything if a write failed or a key vanished. */
  private async beat(): Promise<void> {
    if (this.pub.status !== 'ready' || this.closing) return;
    if (this.presenceDirty) return this.syncPresence().catch(() => undefined);
    const rooms = this.local?.localRooms() ?? [];
    const now = Date.now();
    const batch = this.pub
      .pipeline()
      .zadd(this.instancesKey, now + this.options.presenceTtlMs, this.instanceId)
      .zremrangebyscore(this.instancesKey, '-inf', now);
    for (const room of rooms)
      batch.pexpire(this.presenceKey(this.instanceId, room), this.options.presenceTtlMs);
    const results = await this.run(batch);
    if (results?.slice(2).some(([, expired]) => expired === 0)) this.presenceDirty = true;
  }

  /** Rewrites this instance's presence from its local rooms (one transaction). */
  private syncPresence(): Promise<void> {
    this.syncing ??= this.rewritePresence().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async rewritePresence(): Promise<void> {
    const local = this.local;
    if (!local || this.pub.status !== 'ready') return;
    this.presenceDirty = false;
    const ttl = this.options.presenceTtlMs;
    const tx = this.pub.multi().zadd(this.instancesKey, Date.now() + ttl, this.instanceId);
    const rooms = new Set(local.localRooms());
    for (const room of this.written) {
      if (!rooms.has(room)) tx.del(this.presenceKey(this.instanceId, room));
    }
    this.written.clear();
    for (const room of rooms) {
      const users = local.localMembers(room);
      const key = this.presenceKey(this.instanceId, room);
      this.written.add(room);
      tx.del(key);
      if (users.length > 0) tx.sadd(key, ...users).pexpire(key, ttl);
    }
    if ((await this.run(tx)) === undefined) throw new BrokerUnavailableError();
  }

  /** Runs a batch; a failure marks presence for a rewrite. Undefined when it failed. */
  private async run(batch: ChainableCommander): Promise<[Error | null, unknown][] | undefined> {
    try {
      const results = (await batch.exec()) ?? undefined;
      if (!results || results.some(([err]) => err)) this.presenceDirty = true;
      return results as [Error | null, unknown][] | undefined;
    } catch {
      this.presenceDirty = true;
      return undefined;
    }
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.pub.status === 'ready') {
      const batch = this.pub.pipeline().zrem(this.instancesKey, this.instanceId);
      for (const room of this.written) batch.del(this.presenceKey(this.instanceId, room));
      await this.run(batch);
    }
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }
}

/** What the broker needs of `LifespanModule`'s `RedisResource`. */
export type RedisConnectionSource = Pick<
  RedisResource,
  'connection' | 'target' | 'connectTimeoutMs' | 'commandTimeoutMs'
>;

async function quit(conn: Redis): Promise<void> {
  if (conn.status === 'ready') {
    try {
      await conn.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  conn.disconnect();
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
