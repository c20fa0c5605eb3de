import { request as httpRequest, type IncomingMessage } from 'node:http';
import { ServiceProcess } from './service-process';
import { attempt, type Outcome } from '@kit/testing';

// The built reference service as a process, for the SIGTERM-under-load suite: build, start,
// accounts, a bounded stream of orders, and a request held in flight across the signal.

export { BUILD_TIMEOUT_MS, buildIfNeeded } from './service-process';

/**
 * Starts `node dist/src/main.js` with `env` and resolves once it listens, with its URL.
 * `spawned` gets the process at once, so a test that times out while it boots still stops it.
 */
export async function startService(
  env: Record<string, string>,
  cwd: string,
  spawned: (proc: ServiceProcess) => void = () => undefined,
): Promise<{ proc: ServiceProcess; url: string }> {
  const proc = new ServiceProcess(env, cwd);
  spawned(proc);
  try {
    const [, url] = await proc.waitForStdout(
      /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
      30_000,
    );
    return { proc, url: url! };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/** Registers an account (201 expected) and returns its access token. */
export async function registerAndLogin(
  url: string,
  email: string,
  password: string,
): Promise<string> {
  const res = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
  return login(url, email, password);
}

/** The password grant; returns the access token. */
export async function login(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One `POST /orders` of the load, with the request id it was sent with. */
export interface OrderAttempt {
  readonly worker: number;
  readonly requestId: string;
  readonly outcome: Outcome;
}

/**
 * A bounded stream of `POST /orders`: `workers` clients, each with its own token, sending up to
 * `perWorker` orders one after another and stopping at its first answer other than 201 (the
 * service is going away). `onCreated` is told the running count of 201s.
 */
export async function orderLoad(options: {
  url: string;
  tokens: readonly string[];
  perWorker: number;
  onCreated: (created: number) => void;
}): Promise<OrderAttempt[]> {
  const attempts: OrderAttempt[] = [];
  let created = 0;
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; n < options.perWorker; n++) {
      const requestId = `load-${w}-${n}`;
      const outcome = await attempt(`${options.url}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.tokens[w]}`,
          'content-type': 'application/json',
          'x-request-id': requestId,
        },
        body: JSON.stringify({ item: `item-${w}-${n}`, quantity: n + 1 }),
      });
      attempts.push({ worker: w, requestId, outcome });
      if (outcome.kind !== 'response' || outcome.status !== 201) return;
      options.onCreated(++created);
    }
  };
  await Promise.all(options.tokens.map((_, w) => worker(w)));
  return attempts;
}

/**
 * A `POST /orders` whose head is sent (and acknowledged with `100 Continue`, so the server has
 * accepted the request) while its body is held back until `send()`: a request in flight across
 * the signal, however fast the handler is.
 */
export class HeldOrder {
  readonly continued: Promise<void>;
  readonly response: Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>;
  private readonly body: string;
  private readonly req: ReturnType<typeof httpRequest>;

  constructor(url: string, token: string, requestId: string) {
    this.body = JSON.stringify({ item: 'held', quantity: 7 });
    this.req = httpRequest(`${url}/orders`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(this.body),
        'x-request-id': requestId,
        expect: '100-continue',
      },
    });
    this.continued = new Promise((resolve) => this.req.once('continue', () => resolve()));
    this.response = new Promise((resolve, reject) => {
      this.req.once('error', reject);
      this.req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
    });
    // The head goes out now; the body only once `send()` is called.
    this.req.flushHeaders();
  }

  send(): void {
    this.req.end(this.body);
  }

  /** Drops the request (cleanup after a failed test). */
  abort(): void {
    this.req.destroy();
  }
}
