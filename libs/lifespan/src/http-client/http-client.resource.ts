import { RequestContext } from '@kit/http';
import { Pool, type Dispatcher } from 'undici';
import { LifespanError } from '../lifespan.errors';
import type { ResolvedHttpClientOptions } from '../options/lifespan-options.interface';
import type { OnModuleInit } from '@nestjs/common';
import type { Resource } from '../resources/resource.interface';
import type { ResourceRegistry } from '../resources/resource.registry';

export interface HttpClientRequest {
  method?: Dispatcher.HttpMethod;
  /** Path under the client's base URL, e.g. `/v1/items?limit=10`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpClientResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text (bounded by the upstream; read it all or not at all). */
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

/**
 * An outbound HTTP client (undici connection pool) to one upstream. Every request carries the
 * current request id as `X-Request-ID`, so the upstream's logs join ours.
 */
export class HttpClient implements Resource {
  readonly name: string;
  readonly target: string;
  readonly required: boolean;
  private readonly pool: Pool;
  private closed = false;

  constructor(private readonly options: ResolvedHttpClientOptions) {
    this.name = `http:${options.name}`;
    this.target = options.origin + options.basePath;
    this.required = options.required;
    this.pool = new Pool(options.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
    });
  }

  /** Sends a request; after `close()` it fails with `HTTP_CLIENT_CLOSED` instead of undici's error. */
  async request(req: HttpClientRequest): Promise<HttpClientResponse> {
    if (this.closed) throw this.closedError();
    const requestId = RequestContext.requestId();
    const headers: Record<string, string> = { ...req.headers };
    if (requestId && !Object.keys(headers).some((h) => h.toLowerCase() === 'x-request-id'))
      headers['x-request-id'] = requestId;
    const res = await this.pool.request({
      method: req.method ?? 'GET',
      path: this.options.basePath + req.path,
      headers,
      body: req.body,
    });
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      text: () => res.body.text(),
      json: <T>() => res.body.json() as Promise<T>,
    };
  }

  /** Nothing to connect ahead: sockets open on first use. */
  open(): Promise<void> {
    return Promise.resolve();
  }

  /** With a `healthPath`, the upstream must answer it below 500. */
  async check(): Promise<void> {
    if (this.closed) throw this.closedError();
    if (!this.options.healthPath) return;
    const res = await this.pool.request({
      method: 'GET',
      path: this.options.basePath + this.options.healthPath,
    });
    await res.body.dump();
    if (res.statusCode >= 500) {
      throw new LifespanError('HTTP_CLIENT_UNHEALTHY', `upstream answered ${res.statusCode}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  private closedError(): LifespanError {
    return new LifespanError(
      'HTTP_CLIENT_CLOSED',
      `HTTP client "${this.options.name}" is closed: the service is shutting down`,
    );
  }
}

/** The named outbound HTTP clients configured in `lifespan.httpClients`, each a resource. */
export class HttpClients implements OnModuleInit {
  private readonly clients: ReadonlyMap<string, HttpClient>;

  constructor(
    options: readonly ResolvedHttpClientOptions[],
    private readonly registry: ResourceRegistry,
  ) {
    this.clients = new Map(options.map((o) => [o.name, new HttpClient(o)]));
  }

  async onModuleInit(): Promise<void> {
    for (const client of this.clients.values()) await this.registry.open(client);
  }

  /** The client of that name; throws when it was not configured. */
  get(name: string): HttpClient {
    const client = this.clients.get(name);
    if (!client) {
      throw new LifespanError(
        'HTTP_CLIENT_UNKNOWN',
        `no HTTP client named "${name}"; add it to lifespan.httpClients`,
      );
    }
    return client;
  }

  all(): HttpClient[] {
    return [...this.clients.values()];
  }
}
