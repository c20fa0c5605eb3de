import { Injectable, Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { withTimeout } from '@kit/http/internal';
import { LifespanConfigError, LifespanError } from '../lifespan.errors';
import type { ResolvedRedisOptions } from '../options/lifespan-options.interface';
import { ProvidedResource } from '../resources/provided.resource';
import type { ResourceRegistry } from '../resources/resource.registry';

/** Longest wait for ioredis' `end` after a disconnect (its `disconnectTimeout` is 100 ms). */
const END_WAIT_MS = 500;

/**
 * The service's Redis (ioredis): connected at boot, `PING`ed by readiness, quit at shutdown.
 * Roles that need a connection of their own (a pub/sub subscriber, BullMQ's blocking worker)
 * derive it with `connection()`, so the URL, TLS, credentials, timeouts and reconnection come
 * from here and shutdown ends them all.
 */
@Injectable()
export class RedisResource extends ProvidedResource {
  override readonly name = 'redis';
  /** The client; it reconnects by itself after a drop (readiness shows it down meanwhile). */
  readonly client: Redis;
  /** Milliseconds to connect: the boot's wait, and each derived connection's `connectTimeout`. */
  readonly connectTimeoutMs: number;
  /** Milliseconds a command may take (readiness `PING`, `QUIT`); derived roles may use it too. */
  readonly commandTimeoutMs: number;
  private readonly logger = new Logger('Redis');
  /** Derived connections not yet ended: disconnected at `close()` if their owner has not. */
  private readonly derived = new Set<Redis>();
  private closed = false;

  constructor(options: ResolvedRedisOptions, registry: ResourceRegistry) {
    super(options, registry);
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.commandTimeoutMs = options.commandTimeoutMs;
    const maxDelay = options.reconnectMaxDelayMs;
    this.client = new (loadIoredis().Redis)(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs,
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
      // A disconnect ends the socket, then destroys it after this delay; ioredis arms that
      // timer even when the socket is already gone (a failed first connect), and its 2 s
      // default would keep the process alive that long after close().
      disconnectTimeout: 100,
    });
    this.client.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
  }

  /**
   * A new connection to this Redis, not connected yet (`lazyConnect`): the same URL, TLS,
   * credentials, `connectTimeout`, reconnection and `disconnectTimeout` as `client`, named
   * `name` (`CLIENT SETNAME`) and with `overrides` for its role. Its owner listens for `error`
   * and closes it; `close()` disconnects it if the owner has not.
   */
  connection(name: string, overrides: RedisOptions = {}): Redis {
    if (this.closed) {
      throw new LifespanError('REDIS_CLOSED', `redis is closed; cannot open connection "${name}"`);
    }
    const conn = this.client.duplicate({ ...overrides, connectionName: name, lazyConnect: true });
    this.derived.add(conn);
    conn.once('end', () => this.derived.delete(conn));
    return conn;
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
    for (const conn of this.derived) conn.disconnect();
    this.derived.clear();
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
