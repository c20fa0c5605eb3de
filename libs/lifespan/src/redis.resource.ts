import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ResolvedRedisOptions } from './lifespan-options.interface';
import type { Resource } from './resource.interface';
import type { ResourceRegistry } from './resource.registry';

/** A Redis connection (ioredis): connected at boot, `PING`ed by readiness, quit at shutdown. */
@Injectable()
export class RedisResource implements Resource, OnModuleInit {
  readonly name = 'redis';
  readonly target: string;
  /** The client; it reconnects by itself after a drop (readiness shows it down meanwhile). */
  readonly client: Redis;
  private readonly logger = new Logger('Redis');
  private closed = false;

  constructor(
    options: ResolvedRedisOptions,
    private readonly registry: ResourceRegistry,
  ) {
    this.target = options.target;
    this.client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs,
      maxRetriesPerRequest: 2,
    });
    this.client.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
  }

  onModuleInit(): Promise<void> {
    return this.registry.open(this);
  }

  async open(): Promise<void> {
    await this.client.connect();
    await this.client.ping();
  }

  async check(): Promise<void> {
    if (this.client.status !== 'ready')
      throw new Error(`redis connection is ${this.client.status}`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
