import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceProcess } from './support/service-process';
import { BUILD_TIMEOUT_MS, buildIfNeeded, startService } from './support/shutdown-service';
import { failureCode } from '@kit/testing';

// SIGTERM to the built service while 50 keep-alive clients have a request in flight: every
// in-flight response says `Connection: close`, so no client sends its next request on a
// connection the server is about to drop (before, 46–50 of the 50 got ECONNRESET).

const CLIENTS = 50;
const INVALID_USER = JSON.stringify({ email: 'not-an-email' });

/** What one request became, and whether it went out on a kept-alive socket. */
type Result =
  | {
      kind: 'response';
      status: number;
      headers: IncomingHttpHeaders;
      text: string;
      reused: boolean;
    }
  | { kind: 'failed'; code: string; reused: boolean };

/**
 * A `POST /users` whose head is sent (and acknowledged with `100 Continue`) while its body is
 * held back until `send()`: in flight across the signal.
 */
class HeldRequest {
  readonly continued: Promise<void>;
  readonly result: Promise<Result>;
  private readonly req: ReturnType<typeof httpRequest>;

  constructor(url: string, agent: Agent) {
    this.req = httpRequest(`${url}/users`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(INVALID_USER),
        expect: '100-continue',
      },
    });
    this.continued = new Promise((resolve) => this.req.once('continue', () => resolve()));
    this.result = settle(this.req);
    this.req.flushHeaders();
  }

  send(): void {
    this.req.end(INVALID_USER);
  }

  get reusedSocket(): boolean {
    return this.req.reusedSocket;
  }
}

function settle(req: ReturnType<typeof httpRequest>): Promise<Result> {
  return new Promise((resolve) => {
    req.once('error', (err) =>
      resolve({ kind: 'failed', code: failureCode(err), reused: req.reusedSocket }),
    );
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.once('end', () =>
        resolve({
          kind: 'response',
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          reused: req.reusedSocket,
        }),
      );
    });
  });
}

/** `GET path` through the agent. */
function get(url: string, path: string, agent: Agent): Promise<Result> {
  const req = httpRequest(`${url}${path}`, { agent });
  const result = settle(req);
  req.end();
  return result;
}

/** The held requests' responses: all answered (400: the body is invalid), all closing. */
async function expectClosingResponses(held: HeldRequest[]): Promise<void> {
  for (const h of held) h.send();
  const results = await Promise.all(held.map((h) => h.result));
  expect(
    results.map((r) =>
      r.kind === 'response'
        ? { status: r.status, connection: r.headers.connection }
        : { failed: r.code },
    ),
  ).toEqual(Array.from({ length: CLIENTS }, () => ({ status: 400, connection: 'close' })));
}

describe('SIGTERM with 50 keep-alive connections in flight (built service)', () => {
  let dir: string;
  let proc: ServiceProcess | undefined;
  let agent: Agent | undefined;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-keepalive-'));
  });
  afterEach(async () => {
    agent?.destroy();
    agent = undefined;
    await proc?.stop();
    proc = undefined;
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  const start = async (env: Record<string, string>): Promise<string> => {
    const started = await startService(
      {
        PORT: '0',
        DATA_DIR: join(dir, 'data'),
        JWT_SECRET: 'keepalive-e2e-signing-secret-0123456789-abcdef',
        LOG_LEVEL: 'info',
        ...env,
      },
      dir,
    );
    proc = started.proc;
    return started.url;
  };

  /** 50 kept-alive connections, each with a request whose body is held across the signal. */
  const holdRequests = async (url: string): Promise<HeldRequest[]> => {
    agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const warm = await Promise.all(
      Array.from({ length: CLIENTS }, () => get(url, '/health/live', agent!)),
    );
    expect(warm.filter((r) => r.kind !== 'response' || r.status !== 200)).toEqual([]);
    const held = Array.from({ length: CLIENTS }, () => new HeldRequest(url, agent!));
    await Promise.all(held.map((h) => h.continued));
    // Every held request went out on one of the 50 kept-alive connections.
    expect(held.filter((h) => !h.reusedSocket)).toEqual([]);
    return held;
  };

  it('closes every in-flight connection with its response; no next request is reset; exit 0', async () => {
    const url = await start({ SHUTDOWN_GRACE_MS: '8000' });
    const held = await holdRequests(url);

    proc!.signal('SIGTERM');
    await proc!.waitForStdout(
      /"msg":"shutdown: SIGTERM received; readiness now answers 503"/,
      5_000,
    );
    await expectClosingResponses(held);

    // Each client's next request: a fresh connection (refused once the listener is gone) or a
    // clean 503, never a reset of a kept-alive one.
    const next = await Promise.all(held.map(() => get(url, '/health/live', agent!)));
    const unclean = next.filter(
      (r) =>
        r.reused ||
        (r.kind === 'failed' ? r.code !== 'ECONNREFUSED' : r.status !== 200 && r.status !== 503),
    );
    expect(unclean).toEqual([]);

    expect(await proc!.exited(10_000)).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('with SHUTDOWN_DELAY_MS: readiness 503 while new requests are still served, then exit 0', async () => {
    const DELAY = 4_000;
    const url = await start({ SHUTDOWN_GRACE_MS: '15000', SHUTDOWN_DELAY_MS: String(DELAY) });
    const held = await holdRequests(url);

    const signalledAt = Date.now();
    proc!.signal('SIGTERM');
    await proc!.waitForStdout(/"msg":"shutdown: waiting 4000 ms for load balancers"/, 5_000);

    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    await ready.arrayBuffer();
    await expectClosingResponses(held);

    // During the delay every client's next request is served, on a fresh connection.
    const next = await Promise.all(held.map(() => get(url, '/health/live', agent!)));
    expect(Date.now() - signalledAt).toBeLessThan(DELAY);
    expect(
      next.map((r) =>
        r.kind === 'response'
          ? { status: r.status, reused: r.reused, connection: r.headers.connection }
          : { failed: r.code },
      ),
    ).toEqual(
      Array.from({ length: CLIENTS }, () => ({ status: 200, reused: false, connection: 'close' })),
    );

    expect(await proc!.exited(20_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DELAY);
    expect(proc!.stdout).toContain(
      '"msg":"shutdown: closing the listener; in-flight requests finish"',
    );
  }, 60_000);
});
