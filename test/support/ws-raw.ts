import { connect } from 'node:net';

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
