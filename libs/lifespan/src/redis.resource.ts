import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { LifespanError } from './lifespan.errors';
import type { ResolvedRedisOptions } from './lifespan-options.interface';
import type { Resource } from './resource.interface';
import type { ResourceRegistry } from './resource.registry';

/** A Redis connection (ioredis): connected at boot, `PING`ed by readiness, quit at shutdown. */
@Injectable()
export class RedisResource implements Resource, OnModuleInit {
  readonly name = 'redis';
  readonly target: string;
  readonly required: boolean;
  /** The client; it reconnects by itself after a drop (readiness shows it down meanwhile). */
  readonly client: Redis;
  private readonly logger = new Logger('Redis');
  private readonly connectTimeoutMs: number;
  private closed = false;

  constructor(
    options: ResolvedRedisOptions,
    private readonly registry: ResourceRegistry,
  ) {
    this.target = options.target;
    this.required = options.required;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs,
      maxRetriesPerRequest: 2,
      // A disconnect ends the socket, then destroys it after this delay; ioredis arms that
      // timer even when the socket is already gone (a failed first connect), and its 2 s
      // default would keep the process alive that long after close().
      disconnectTimeout: 100,
    });
    this.client.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
  }

  onModuleInit(): Promise<void> {
    return this.registry.open(this);
  }

  /**
   * Connects and `PING`s. A failed first connection rejects with ioredis' generic "Connection is
   * closed."; the error that caused it (ECONNREFUSED, ETIMEDOUT, a TLS or AUTH failure) is the
   * one worth reporting, so that is what this throws.
   */
  async open(): Promise<void> {
    let cause: unknown;
    const onError = (err: unknown): void => {
      cause ??= err;
    };
    this.client.on('error', onError);
    try {
      await this.client.connect();
      await this.client.ping();
    } catch (err) {
      throw cause ?? err;
    } finally {
      this.client.off('error', onError);
    }
  }

  async check(): Promise<void> {
    if (this.client.status !== 'ready')
      throw new LifespanError('REDIS_NOT_READY', `redis connection is ${this.client.status}`);
    await this.client.ping();
  }

  /**
   * `QUIT`s (pending replies arrive first) and resolves once the connection has ended, so no
   * socket or reconnect timer outlives it. A `QUIT` unanswered within `connectTimeoutMs` (a
   * silent network) gives way to a plain disconnect. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client.status === 'end') return;
    // No connection now (never opened, or waiting to reconnect): QUIT would open one first, and
    // there is nothing to wait for; a disconnect cancels the reconnect timer.
    if (client.status === 'wait' || client.status === 'reconnecting' || client.status === 'close')
      return client.disconnect();
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const quitTimeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.connectTimeoutMs);
    });
    await Promise.race([client.quit().catch(() => undefined), quitTimeout]);
    clearTimeout(timer);
    // Re-read: the QUIT above may have ended it meanwhile.
    if (this.client.status !== 'end') client.disconnect();
    await ended;
  }
}
