import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { withTimeout } from '@kit/http/internal';
import { LifespanConfigError, LifespanError } from '../lifespan.errors';
import type { ResolvedRedisOptions } from '../options/lifespan-options.interface';
import type { Resource } from '../resources/resource.interface';
import type { ResourceRegistry } from '../resources/resource.registry';

/** Longest wait for ioredis' `end` after a disconnect (its `disconnectTimeout` is 100 ms). */
const END_WAIT_MS = 500;

/** A Redis connection (ioredis): connected at boot, `PING`ed by readiness, quit at shutdown. */
@Injectable()
export class RedisResource implements Resource, OnModuleInit {
  readonly name = 'redis';
  readonly target: string;
  readonly required: boolean;
  /** The client; it reconnects by itself after a drop (readiness shows it down meanwhile). */
  readonly client: Redis;
  private readonly logger = new Logger('Redis');
  private readonly commandTimeoutMs: number;
  private closed = false;

  constructor(
    options: ResolvedRedisOptions,
    private readonly registry: ResourceRegistry,
  ) {
    this.target = options.target;
    this.required = options.required;
    this.commandTimeoutMs = options.commandTimeoutMs;
    this.client = new (loadIoredis().Redis)(options.url, {
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

  /** Ready and answering `PING` within `commandTimeoutMs`. */
  async check(): Promise<void> {
    if (this.client.status !== 'ready')
      throw new LifespanError('REDIS_NOT_READY', `redis connection is ${this.client.status}`);
    await withTimeout(this.client.ping(), this.commandTimeoutMs, () => this.timeout('PING'));
  }

  /**
   * `QUIT`s a ready connection (pending replies arrive first) within `commandTimeoutMs`, then
   * disconnects whatever is left: a connection that is down or silent is dropped without
   * waiting for Redis, since ioredis' `quit()` would wait for a reconnection that may never
   * come. Resolves once the client has ended (`END_WAIT_MS` at most). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client.status === 'ready') {
      await withTimeout(client.quit(), this.commandTimeoutMs, () => this.timeout('QUIT')).catch(
        () => undefined,
      );
    }
    if (client.status === 'end') return;
    // Without a socket (waiting to reconnect) a disconnect only cancels the reconnect timer and
    // no `end` follows; otherwise the socket is destroyed and `end` comes next.
    const socketGone = client.status === 'reconnecting' || client.status === 'close';
    const ended = socketGone ? undefined : this.ended();
    client.disconnect();
    await ended;
  }

  /** Resolves on the client's `end`, or after `END_WAIT_MS` at most. */
  private ended(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, END_WAIT_MS);
      this.client.once('end', done);
    });
  }

  private timeout(command: string): LifespanError {
    return new LifespanError(
      'REDIS_TIMEOUT',
      `redis did not answer ${command} within ${this.commandTimeoutMs} ms`,
    );
  }
}

/**
 * ioredis is an optional peer of the packaged lib: loaded only when a Redis resource is
 * configured, so services without Redis (and `@kit/auth` without `RedisLoginThrottle`) need not
 * install it.
 */
function loadIoredis(): typeof import('ioredis') {
  try {
    return require('ioredis') as typeof import('ioredis');
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (code !== 'MODULE_NOT_FOUND' || !String(message).includes("'ioredis'")) throw err;
    throw new LifespanConfigError(
      'lifespan.redis',
      'needs the ioredis package, which is not installed: npm install ioredis, or drop the redis option',
    );
  }
}
