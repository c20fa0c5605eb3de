import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';

// Probes for shutdown and readiness suites: request outcomes that tell a refused connection from
// a response, whether a port still accepts connections, a real upstream HTTP server.

/** What became of one request: a response, or the connection failing before one arrived. */
export type Outcome =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'failed'; code: string };

/** `fetch` that reports a connection failure as an outcome (its error code) instead of throwing. */
export async function attempt(url: string, init?: RequestInit): Promise<Outcome> {
  try {
    const res = await fetch(url, init);
    return { kind: 'response', status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    return { kind: 'failed', code: failureCode(err) };
  }
}

/** The innermost error code of a failed fetch: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, … */
export function failureCode(err: unknown): string {
  let current: unknown = err;
  let code = 'UNKNOWN';
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code: c, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof c === 'string') code = c;
    current = cause;
  }
  return code;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One request an upstream received. */
export interface UpstreamRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A real HTTP server on 127.0.0.1:0 that records every request and answers through `handler`. */
export class Upstream {
  readonly requests: UpstreamRequest[] = [];
  private readonly server: Server;
  private boundPort = 0;

  private constructor(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.once('end', () => handler(req, res));
    });
  }

  static async start(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<Upstream> {
    const upstream = new Upstream(handler);
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    const address = upstream.server.address();
    upstream.boundPort = typeof address === 'object' && address ? address.port : 0;
    return upstream;
  }

  get port(): number {
    return this.boundPort;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every connection. Safe to call twice. */
  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
