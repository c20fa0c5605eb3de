import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket, type RawData } from 'ws';

/** A JSON message from the server; narrow it with `type`. */
export type WsMessage = { readonly type: string } & Readonly<Record<string, unknown>>;

export interface WsConnectOptions {
  /** Access token to present. */
  token?: string;
  /** Where the token goes. @default 'query' */
  tokenIn?: 'query' | 'header';
  /** `Origin` header (browsers always send one). @default none */
  origin?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Answer server pings; false plays a dead peer. @default true */
  autoPong?: boolean;
  /** Milliseconds to wait for the handshake. @default 5_000 */
  timeoutMs?: number;
}

/** Options of `WsTestClient.emit()`. */
export interface WsEmitOptions {
  /** Correlation id of the frame. @default a fresh UUID */
  id?: string;
  /** Milliseconds to wait for the reply or error. @default 5_000 */
  timeoutMs?: number;
}

/** How the socket ended. 1006 means no close frame arrived (terminated or dropped). */
export interface WsClose {
  readonly code: number;
  readonly reason: string;
}

/** The server refused the upgrade: its HTTP status, headers and body. */
export class WsUpgradeRejected extends Error {
  constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}`);
    this.name = 'WsUpgradeRejected';
  }

  /** The body parsed as JSON (problem+json for the kit). */
  json<T = Record<string, unknown>>(): T {
    return JSON.parse(this.body) as T;
  }
}

const DEFAULT_WAIT_MS = 5_000;

/**
 * A WebSocket client for e2e tests: connect with a token, await typed messages, await the close
 * with its code. Every message is kept (`received`); `next()` reads them in order.
 */
export class WsTestClient {
  /** Every parsed message received so far, in order. */
  readonly received: WsMessage[] = [];
  /** Frames that were not JSON (kept raw). */
  readonly unparsed: string[] = [];
  /** Pings received from the server. */
  pings = 0;
  /** Headers of the 101 response. */
  upgradeHeaders: IncomingHttpHeaders = {};
  /** Resolves once the socket is closed. */
  readonly closed: Promise<WsClose>;
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private closeInfo: WsClose | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
        this.wake();
      });
    });
  }

  /**
   * Opens `ws(s)://…/<path>` on the server at `baseUrl` (`http://127.0.0.1:<port>`). Rejects with
   * `WsUpgradeRejected` when the server answers the upgrade with an HTTP error.
   */
  static connect(
    baseUrl: string,
    path: string,
    options: WsConnectOptions = {},
  ): Promise<WsTestClient> {
    const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      if (options.tokenIn === 'header') headers.authorization = `Bearer ${options.token}`;
      else url.searchParams.set('token', options.token);
    }
    const socket = new WebSocket(url, {
      headers,
      origin: options.origin,
      autoPong: options.autoPong ?? true,
      handshakeTimeout: options.timeoutMs ?? DEFAULT_WAIT_MS,
      perMessageDeflate: false,
    });
    const client = new WsTestClient(socket);
    socket.once('upgrade', (res) => (client.upgradeHeaders = res.headers));
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          reject(new WsUpgradeRejected(res.statusCode ?? 0, res.headers, body));
          socket.terminate();
        });
      });
      socket.once('error', (err) => reject(err));
    });
  }

  /** Sends a JSON value as a text frame. */
  send(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  /**
   * Sends an event frame `{event, data, id}` (a fresh id unless given) and resolves with the
   * server's answer to it: the `reply` or `error` envelope carrying that id. Rejects when none
   * comes within `timeoutMs` or the socket closes first.
   */
  emit<T extends WsMessage = WsMessage>(
    event: string,
    data?: unknown,
    options: WsEmitOptions = {},
  ): Promise<T> {
    const id = options.id ?? randomUUID();
    const from = this.received.length;
    this.socket.send(JSON.stringify({ event, data, id }));
    return this.until(
      () => {
        for (let i = from; i < this.received.length; i++) {
          const m = this.received[i] as WsMessage;
          if ((m.type === 'reply' || m.type === 'error') && m.id === id) return m as T;
        }
        return undefined;
      },
      options.timeoutMs ?? DEFAULT_WAIT_MS,
      `answer to event "${event}" (id ${id})`,
    );
  }

  /** Sends raw text (or bytes as a binary frame). */
  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.socket.send(data, { binary });
  }

  /**
   * The next message after the previous `next()` that matches (any message without a
   * predicate); waits up to `timeoutMs`. Skipped messages stay in `received`.
   */
  async next<T extends WsMessage = WsMessage>(
    predicate: (m: WsMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<T> {
    const found = await this.until(
      () => {
        for (let i = this.cursor; i < this.received.length; i++) {
          const m = this.received[i] as WsMessage;
          if (predicate(m)) {
            this.cursor = i + 1;
            return m;
          }
        }
        return undefined;
      },
      timeoutMs,
      'a matching message',
    );
    return found as T;
  }

  /** The next message of a `type` (`message`, `presence`, `error`). */
  nextOfType<T extends WsMessage = WsMessage>(type: string, timeoutMs?: number): Promise<T> {
    return this.next<T>((m) => m.type === type, timeoutMs);
  }

  /** Waits until `count` received messages (from the start) match. */
  async waitForCount(
    predicate: (m: WsMessage) => boolean,
    count: number,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<WsMessage[]> {
    return this.until(
      () => {
        const matching = this.received.filter(predicate);
        return matching.length >= count ? matching : undefined;
      },
      timeoutMs,
      `${count} matching messages`,
    );
  }

  /** Waits for the close; fails if it does not come within `timeoutMs`. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<WsClose> {
    return this.until(() => this.closeInfo, timeoutMs, 'the close', true);
  }

  /** Stops reading from the socket (a slow consumer), or reads again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes (idempotent) and waits until closed; destroys the socket if the server is silent. */
  async close(code = 1000): Promise<WsClose> {
    if (this.closeInfo) return this.closeInfo;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code);
    else if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
    const timer = setTimeout(() => this.socket.terminate(), 2_000);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const text = isBinary ? '' : data.toString();
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value === 'object' && value !== null && 'type' in value) {
        this.received.push(value as WsMessage);
      } else this.unparsed.push(text);
    } catch {
      this.unparsed.push(text);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private until<T>(
    check: () => T | undefined,
    timeoutMs: number,
    what: string,
    evenIfClosed = false,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 2_000)}${this.closeInfo ? `; closed with ${this.closeInfo.code}` : ''}`,
          ),
        );
      }, timeoutMs);
      const attempt = (): void => {
        const value = check();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.closeInfo && !evenIfClosed) {
          clearTimeout(timer);
          reject(new Error(`socket closed with ${this.closeInfo.code} before ${what}`));
        } else this.waiters.push(attempt);
      };
      attempt();
    });
  }
}
