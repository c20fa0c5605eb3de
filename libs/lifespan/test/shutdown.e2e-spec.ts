import { Agent, request as httpRequest } from 'node:http';
import { enableGracefulShutdown, type GracefulShutdownOptions } from '@kit/lifespan';
import { BackgroundTasks, ShuttingDownError, TaskRunner } from '@kit/tasks';
import {
  createTestApp,
  type TestApp,
  expectProblem,
  waitFor,
  acceptsConnections,
  attempt,
} from '@kit/testing';
import { shutdownFixtureModule, ShutdownFixtureState } from './fixtures/shutdown-fixture.module';

// The coordinated shutdown on a fixture app in process, with a fake `exit`: hook order, the
// listener draining in-flight requests, steps after it, resources in reverse, readiness, the
// grace, refused late tasks. The real process is driven in shutdown-process.e2e-spec.ts.

const up = { status: 'up', required: true, durationMs: expect.any(Number) };

describe('graceful shutdown (fixture app, in process)', () => {
  let state: ShutdownFixtureState;
  let t: TestApp;
  let exits: number[];
  let running: Promise<number> | undefined;

  beforeEach(async () => {
    state = new ShutdownFixtureState();
    exits = [];
    running = undefined;
    t = await createTestApp(shutdownFixtureModule({ state, resources: ['alpha', 'beta'] }));
  });

  afterEach(async () => {
    state.openAll();
    if (running) await running;
    else await t.close();
  });

  /** Arms the sequence with a fake exit and no process signals; returns its trigger. */
  function arm(
    options: Partial<GracefulShutdownOptions> = {},
  ): (signal: string) => Promise<number> {
    const shutdown = enableGracefulShutdown(t.app, {
      graceMs: 5_000,
      signals: [],
      exit: (code) => exits.push(code),
      ...options,
    });
    return (signal) => (running = shutdown(signal));
  }

  /** The app's log messages, in order. */
  const messages = (): string[] => t.logs.lines.map((l) => String(l.msg));
  const logged = (msg: string): boolean => messages().includes(msg);
  const shutdownMessages = (): string[] =>
    messages().filter((m) => /^(shutdown|closed|closing|opened)\b/.test(m));

  const started = (what: string): Promise<true> =>
    waitFor(() => state.journal.includes(what) || undefined, {
      timeoutMs: 5_000,
      description: `"${what}" in the journal`,
    });

  it('opens resources in order; on SIGTERM the listener stops accepting while the in-flight request finishes, then the shutdown steps run, then resources close in reverse', async () => {
    const shutdown = arm();
    const queued = await fetch(`${t.url}/fixture/work/a`, { method: 'POST' });
    expect(queued.status).toBe(202);
    expect(await queued.json()).toEqual({ queued: 1 });
    await started('task a started');
    const slow = attempt(`${t.url}/fixture/slow/r1`);
    await started('request r1 started');

    const done = shutdown('SIGTERM');
    await waitFor(async () => !(await acceptsConnections(t.port)), {
      timeoutMs: 5_000,
      description: 'the listener to close',
    });
    expect(state.journal).not.toContain('request r1 finished');
    state.gate('request:r1').open();
    const res = await slow;
    expect(res).toMatchObject({ kind: 'response', status: 200 });
    if (res.kind !== 'response') throw new Error('unreachable');
    expect(JSON.parse(res.text)).toEqual({ key: 'r1', requestId: res.headers.get('x-request-id') });

    // The drain has begun: the queued task still runs, a new one is refused.
    await waitFor(() => logged('shutdown: background tasks'), {
      timeoutMs: 5_000,
      description: 'the background tasks step',
    });
    let refused: unknown;
    try {
      new BackgroundTasks(t.app.get(TaskRunner), undefined).add(() => undefined);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ShuttingDownError);
    expect(refused).toMatchObject({
      code: 'SHUTTING_DOWN',
      status: 503,
      detail: 'The service is shutting down and accepts no new background tasks.',
      headers: { 'retry-after': '1', connection: 'close' },
    });
    expect(state.journal.at(-1)).toBe('hook onApplicationShutdown');
    state.gate('task:a').open();

    expect(await done).toBe(0);
    expect(exits).toEqual([0]);
    expect(state.journal).toEqual([
      'hook onModuleInit',
      'open alpha',
      'opened alpha',
      'open beta',
      'opened beta',
      'hook onApplicationBootstrap',
      'task a started',
      'request r1 started',
      'hook onModuleDestroy',
      'hook beforeApplicationShutdown',
      'request r1 finished',
      'listener closed',
      'hook onApplicationShutdown',
      'task a finished',
      'step fixture step (listening: false)',
      'close beta',
      'close alpha',
    ]);
    expect(shutdownMessages()).toEqual([
      'opened alpha (tcp://127.0.0.1/alpha)',
      'opened beta (tcp://127.0.0.1/beta)',
      'shutdown: SIGTERM received; readiness now answers 503',
      'shutdown: closing the listener; in-flight requests finish',
      'shutdown: background tasks',
      'shutdown: fixture step',
      'shutdown: job workers',
      'closed beta',
      'closed alpha',
      expect.stringMatching(/^shutdown: complete in \d+ ms; exiting with 0$/),
    ]);
    expect(t.app.get(TaskRunner).snapshot()).toEqual({
      queued: 1,
      running: 0,
      completed: 1,
      failed: 0,
      refused: 1,
    });
  });

  it('answers readiness 503 right after the signal while the pre-stop delay keeps serving, then drains what was accepted meanwhile', async () => {
    const shutdown = arm({ preStopDelayMs: 1_000 });
    const done = shutdown('SIGTERM');

    const ready = await fetch(`${t.url}/health/ready`);
    await expectProblem(ready, 503, 'NOT_READY', {
      title: 'Service Unavailable',
      detail: 'The service is shutting down.',
      extensions: { resources: { alpha: up, beta: up }, shuttingDown: true },
    });
    const live = await fetch(`${t.url}/health/live`);
    expect({ status: live.status, body: await live.json() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const queued = await fetch(`${t.url}/fixture/work/late`, { method: 'POST' });
    expect(queued.status).toBe(202);
    expect(logged('shutdown: waiting 1000 ms for load balancers')).toBe(true);
    expect(logged('shutdown: closing the listener; in-flight requests finish')).toBe(false);
    await started('task late started');
    state.gate('task:late').open();

    expect(await done).toBe(0);
    expect(exits).toEqual([0]);
    expect(state.journal).toContain('task late finished');
    expect(state.journal.indexOf('task late finished')).toBeLessThan(
      state.journal.indexOf('close beta'),
    );
  });

  it('exits 1 when a background task hangs past the grace, logging the step and what still runs', async () => {
    const shutdown = arm({ graceMs: 500 });
    expect((await fetch(`${t.url}/fixture/work/hang`, { method: 'POST' })).status).toBe(202);
    await started('task hang started');
    const startedAt = Date.now();
    const done = shutdown('SIGTERM');

    await waitFor(() => exits.length > 0, {
      timeoutMs: 3_000,
      description: 'the grace to run out',
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(450);
    expect(exits).toEqual([1]);
    const line = t.logs.lines.find((l) => String(l.msg).includes('exceeded'));
    expect(line).toMatchObject({
      level: 50,
      msg: 'shutdown: grace of 500 ms exceeded at step "background tasks"; still running: 1 background task(s); exiting with 1',
    });
    expect(state.journal).not.toContain('close beta');

    // Once the task ends the sequence finishes, without a second exit.
    state.gate('task:hang').open();
    expect(await done).toBe(1);
    expect(exits).toEqual([1]);
    expect(state.journal.slice(-2)).toEqual(['close beta', 'close alpha']);
    expect(messages().some((m) => m.startsWith('shutdown: complete'))).toBe(false);
  });

  it('names the listener phase when an in-flight request outlives the grace', async () => {
    const shutdown = arm({ graceMs: 400 });
    const slow = attempt(`${t.url}/fixture/slow/stuck`);
    await started('request stuck started');
    const done = shutdown('SIGTERM');

    await waitFor(() => exits.length > 0, {
      timeoutMs: 3_000,
      description: 'the grace to run out',
    });
    expect(exits).toEqual([1]);
    expect(messages()).toContain(
      'shutdown: grace of 400 ms exceeded at step "closing the listener (in-flight requests)"; exiting with 1',
    );
    state.gate('request:stuck').open();
    expect(await slow).toMatchObject({ kind: 'response', status: 200 });
    expect(await done).toBe(1);
  });

  it('does not wait for a keep-alive connection its in-flight response left idle', async () => {
    // keepAliveTimeout is 5 s and this agent never drops idle sockets: without closing them
    // as they turn idle, the shutdown would outlast its 1.5 s grace.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const shutdown = arm({ graceMs: 1_500 });
      const response = new Promise<{ status: number; connection: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest(`${t.url}/fixture/slow/ka`, { agent }, (res) => {
            res.resume();
            res.once('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
            );
          });
          req.once('error', reject);
          req.end();
        },
      );
      await started('request ka started');
      const done = shutdown('SIGTERM');
      await waitFor(async () => !(await acceptsConnections(t.port)), {
        timeoutMs: 5_000,
        description: 'the listener to close',
      });
      state.gate('request:ka').open();
      expect((await response).status).toBe(200);
      expect(await done).toBe(0);
      expect(exits).toEqual([0]);
    } finally {
      agent.destroy();
    }
  });

  it('handles a repeated signal as the same shutdown, and stops listening for signals after it', async () => {
    const before = process.listenerCount('SIGUSR2');
    arm({ signals: ['SIGUSR2'] });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await waitFor(() => exits.length > 0, {
      timeoutMs: 5_000,
      description: 'the shutdown to finish',
    });
    expect(exits).toEqual([0]);
    expect(messages().filter((m) => m.startsWith('shutdown: SIGUSR2'))).toEqual([
      'shutdown: SIGUSR2 received; readiness now answers 503',
      'shutdown: SIGUSR2 received again; already shutting down',
    ]);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    running = Promise.resolve(0);
  });
});
