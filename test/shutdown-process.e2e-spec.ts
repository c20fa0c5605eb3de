import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceProcess } from './support/service-process';
import { compileFixtureMain, FixtureProcess } from './support/shutdown-fixture-process';
import {
  BUILD_TIMEOUT_MS,
  buildIfNeeded,
  HeldOrder,
  login,
  orderLoad,
  type OrderAttempt,
  registerAndLogin,
  startService,
} from './support/shutdown-service';
import { acceptsConnections, databaseVariants, type TestDatabase, waitFor } from '@kit/testing';
import type { ActivityView as Activity, OrderView as Order } from '../src/orders/order.dto';

// SIGTERM to the real built service (`node dist/src/main.js`) under a bounded load of orders:
// nothing accepted is lost, every order's background task ran exactly once, exit 0 within
// SHUTDOWN_GRACE_MS. Checked after a restart on the same data.

const GRACE_MS = 8_000;
const WORKERS = 4;
/** 4 × 24 + the held order stays under the 100 activities `GET /admin/activity` lists. */
const PER_WORKER = 24;
const ADMIN = { email: 'ops@example.com', password: 'Shutdown-Admin-Pa55word' };
const PASSWORD = 'Load-Test-Pa55word';

/** The closing hook's answer to a request that arrives on a kept-alive connection mid-close. */
const CLOSING_503 = {
  type: 'urn:problem:shutting-down',
  title: 'Service Unavailable',
  status: 503,
  detail: 'The service is shutting down; retry on another instance.',
  error: 'SHUTTING_DOWN',
};

describe.each(databaseVariants())('SIGTERM to the built service under load ($name)', (variant) => {
  let dir: string;
  let db: TestDatabase | undefined;
  const procs: ServiceProcess[] = [];
  let held: HeldOrder | undefined;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kit-shutdown-'));
    db = await variant.create('shutdown');
  });

  afterEach(async () => {
    held?.abort();
    held = undefined;
    for (const proc of procs.splice(0)) await proc.stop();
    await db?.drop();
    db = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (): Record<string, string> => ({
    PORT: '0',
    DATA_DIR: join(dir, 'data'),
    DATABASE_URL: db!.url,
    JWT_SECRET: 'shutdown-e2e-signing-secret-0123456789-abcdefghij',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    LOG_LEVEL: 'info',
  });

  const start = (): Promise<{ proc: ServiceProcess; url: string }> => {
    return startService(env(), dir, (proc) => procs.push(proc));
  };

  it('loses no accepted request, runs each order task exactly once, and exits 0 within the grace', async () => {
    const { proc, url } = await start();
    const port = Number(new URL(url).port);
    const emails = Array.from({ length: WORKERS }, (_, w) => `load-${w}@example.com`);
    const tokens = await Promise.all(emails.map((e) => registerAndLogin(url, e, PASSWORD)));

    // A request accepted before the signal whose body arrives only once the listener is closed.
    held = new HeldOrder(url, tokens[0]!, 'held-order');
    await held.continued;

    let signalledAt = 0;
    const load = orderLoad({
      url,
      tokens,
      perWorker: PER_WORKER,
      onCreated: (created) => {
        if (created !== 20) return;
        signalledAt = Date.now();
        proc.signal('SIGTERM');
      },
    });
    const attempts = await load;
    expect(signalledAt).toBeGreaterThan(0);

    await proc.waitForStdout(
      /"msg":"shutdown: closing the listener; in-flight requests finish"/,
      5_000,
    );
    await waitFor(async () => !(await acceptsConnections(port)), {
      timeoutMs: 5_000,
      description: 'the listener to close',
    });
    // A second SIGTERM (an impatient orchestrator) must not cut the drain short.
    proc.signal('SIGTERM');
    await proc.waitForStdout(
      /"msg":"shutdown: SIGTERM received again; already shutting down"/,
      5_000,
    );
    held.send();
    const heldRes = await held.response;
    expect({ status: heldRes.status, text: heldRes.text }).toEqual({
      status: 201,
      text: expect.any(String),
    });
    const heldOrder = JSON.parse(heldRes.text) as Order;

    const exit = await proc.exited(GRACE_MS + 2_000);
    const tookMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(GRACE_MS);
    expect(proc.stderr).toBe('');
    expectShutdownLogged(proc.stdout);

    const created = classify(attempts);
    expect(created.length).toBeGreaterThanOrEqual(20);
    expect(created.length + refusedCount(attempts)).toBe(attempts.length);

    // Restart on the same data: every 201 is there, nothing else is, each task ran once.
    const again = await start();
    const adminToken = await login(again.url, ADMIN.email, ADMIN.password);
    const expected = [...created, { order: heldOrder, requestId: 'held-order', worker: 0 }];
    for (const [w, email] of emails.entries()) {
      const token = await login(again.url, email, PASSWORD);
      const res = await fetch(`${again.url}/orders`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const stored = ((await res.json()) as Order[]).map((o) => o.id).sort();
      const mine = expected
        .filter((c) => c.worker === w)
        .map((c) => c.order.id)
        .sort();
      expect(stored).toEqual(mine);
    }
    const res = await fetch(`${again.url}/admin/activity`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    const activities = ((await res.json()) as Activity[]).filter((a) => a.type === 'order_created');
    const perOrder = new Map<string, Activity[]>();
    for (const a of activities) perOrder.set(a.order_id, [...(perOrder.get(a.order_id) ?? []), a]);
    expect(perOrder.size).toBe(expected.length);
    expect(activities).toHaveLength(expected.length);
    for (const { order, requestId } of expected) {
      expect(perOrder.get(order.id)).toEqual([
        expect.objectContaining({
          order_id: order.id,
          user_id: order.user_id,
          request_id: requestId,
        }),
      ]);
    }
  }, 120_000);
});

describe('SIGTERM to a service whose background task hangs (compiled fixture main)', () => {
  const GRACE = 1_500;
  let dir: string;
  let proc: FixtureProcess | undefined;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-shutdown-hang-'));
  });
  afterEach(async () => {
    await proc?.stop();
    proc = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 once the grace has run out, logging the step and what still ran, not 0 before it', async () => {
    proc = new FixtureProcess(compileFixtureMain(dir), { SHUTDOWN_GRACE_MS: String(GRACE) });
    const [, url] = await proc.waitForStdout(
      /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
      30_000,
    );
    const queued = await fetch(`${url}/fixture/work/stuck`, { method: 'POST' });
    expect(queued.status).toBe(202);

    const signalledAt = Date.now();
    proc.signal('SIGTERM');
    // The task awaits a promise nobody resolves and holds no handle: only the grace timer keeps
    // the process alive to report it.
    const exit = await proc.exited(GRACE + 5_000);
    const tookMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(tookMs).toBeGreaterThanOrEqual(GRACE - 50);
    const lines = proc.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((l) => /^(shutdown|closed)\b/.test(l.msg))).toEqual([
      expect.objectContaining({ msg: 'shutdown: SIGTERM received; readiness now answers 503' }),
      expect.objectContaining({ msg: 'shutdown: closing the listener; in-flight requests finish' }),
      expect.objectContaining({ msg: 'shutdown: background tasks' }),
      {
        level: 50,
        time: expect.any(Number),
        pid: expect.any(Number),
        context: 'Shutdown',
        msg: `shutdown: grace of ${GRACE} ms exceeded at step "background tasks"; still running: 1 background task(s); exiting with 1`,
      },
    ]);
    expect(proc.stderr).toBe('');
  }, 60_000);
});

/** The 201s of the load with their orders; fails on any outcome that is neither 201 nor refused. */
function classify(
  attempts: readonly OrderAttempt[],
): { order: Order; requestId: string; worker: number }[] {
  const created: { order: Order; requestId: string; worker: number }[] = [];
  for (const { worker, requestId, outcome } of attempts) {
    if (outcome.kind === 'failed') {
      expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']).toContain(outcome.code);
      continue;
    }
    if (outcome.status === 503) {
      expect(JSON.parse(outcome.text)).toEqual({ ...CLOSING_503, request_id: requestId });
      expect(outcome.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(outcome.headers.get('x-request-id')).toBe(requestId);
      expect(outcome.headers.get('retry-after')).toBe('1');
      expect(outcome.headers.get('connection')).toBe('close');
      continue;
    }
    expect({ requestId, status: outcome.status }).toEqual({ requestId, status: 201 });
    expect(outcome.headers.get('x-request-id')).toBe(requestId);
    created.push({ order: JSON.parse(outcome.text) as Order, requestId, worker });
  }
  return created;
}

function refusedCount(attempts: readonly OrderAttempt[]): number {
  return attempts.filter((a) => a.outcome.kind === 'failed' || a.outcome.status === 503).length;
}

/** The shutdown's log lines, in order: signal, listener, steps, resources, exit 0. */
function expectShutdownLogged(stdout: string): void {
  const messages = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg))
    .filter((m) => /^(shutdown|closed)\b/.test(m));
  expect(messages).toEqual([
    'shutdown: SIGTERM received; readiness now answers 503',
    'shutdown: closing the listener; in-flight requests finish',
    'shutdown: SIGTERM received again; already shutting down',
    'shutdown: background tasks',
    'shutdown: ingest outbox',
    'shutdown: job workers',
    'closed database',
    expect.stringMatching(/^shutdown: complete in \d+ ms; exiting with 0$/),
  ]);
}
