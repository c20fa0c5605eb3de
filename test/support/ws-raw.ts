import { connect, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import * as ws from 'ws';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `head` (request line and headers, without the final blank line) over a fresh TCP
 * connection and reads the response until the server closes it (bounded by `timeoutMs`).
 */
export function rawRequest(port: number, head: string, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no complete response within ${timeoutMs} ms; got ${JSON.stringify(data.slice(0, 500))}`,
        ),
      );
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${head}\r\n\r\n`));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(data));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(end + 4) };
}

export interface UpgradeHeadOptions {
  method?: string;
  upgrade?: string | null;
  version?: string | null;
  key?: string | null;
  /** Extra header lines, e.g. `Authorization: Bearer …`. */
  extra?: string[];
}

/** An upgrade request head for `path`; each part can be changed or (null) left out. */
export function upgradeHead(path: string, o: UpgradeHeadOptions = {}): string {
  const lines = [`${o.method ?? 'GET'} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade'];
  const upgrade = o.upgrade === undefined ? 'websocket' : o.upgrade;
  const version = o.version === undefined ? '13' : o.version;
  const key = o.key === undefined ? 'dGhlIHNhbXBsZSBub25jZQ==' : o.key;
  if (upgrade !== null) lines.push(`Upgrade: ${upgrade}`);
  if (version !== null) lines.push(`Sec-WebSocket-Version: ${version}`);
  if (key !== null) lines.push(`Sec-WebSocket-Key: ${key}`);
  return [...lines, ...(o.extra ?? [])].join('\r\n');
}

/** A WebSocket opened over a plain TCP socket, read only when the test says so. */
export interface StalledClient {
  readonly socket: Socket;
  /** Text messages parsed so far (after `resume()`). */
  readonly messages: string[];
  /** Starts reading: frames are parsed with ws's own receiver. */
  resume(): void;
  /**
   * The close frame's code and reason (answered with a close frame, then the socket ends), or
   * 1006 if the connection ended without one.
   */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens `path` with a hand-written upgrade and then stops reading at once: the socket is paused
 * before any frame is consumed, so the kernel buffers fill and the server sees a client that
 * never reads. Rejects unless the server answers 101.
 */
export function connectStalled(
  port: number,
  path: string,
  timeoutMs = 5_000,
): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no 101 within ${timeoutMs} ms`));
    }, timeoutMs);
    let head = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(`${upgradeHead(path)}\r\n\r\n`));
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      socket.pause();
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head.toString('latin1'))?.[1];
      if (status !== '101') {
        socket.destroy();
        reject(new Error(`upgrade answered ${status}: ${head.toString('utf8').slice(0, 300)}`));
        return;
      }
      resolve(stalledClient(socket, head.subarray(end + 4)));
    };
    socket.on('data', onHead);
  });
}

// ws exports its Receiver at runtime; @types/ws does not declare it.
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
};

function stalledClient(socket: Socket, rest: Buffer): StalledClient {
  const messages: string[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  receiver.on('message', (data: Buffer) => messages.push(data.toString('utf8')));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    receiver.on('conclude', (code: number, reason: Buffer) => {
      resolve({ code, reason: reason.toString('utf8') });
      // Answer the close as a client does (masked, with a zero key), then end.
      socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, code >> 8, code & 0xff]));
    });
    socket.on('close', () => resolve({ code: 1006, reason: '' }));
  });
  if (rest.length > 0) receiver.write(rest);
  return {
    socket,
    messages,
    closed,
    resume: () => {
      socket.on('data', (chunk: Buffer) => receiver.write(chunk));
      socket.resume();
    },
  };
}
