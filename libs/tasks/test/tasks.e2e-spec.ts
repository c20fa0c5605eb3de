import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TaskRunner } from '@kit/tasks';
import { createTestApp, type TestApp, Closer, expectProblem, waitFor } from '@kit/testing';
import { post, TasksFixtureModule, TasksFixtureState } from './fixtures/tasks-fixture.module';

// @kit/tasks background tasks end to end: after the response, in order, in the request's
// context, failures isolated, bounded queue, failed requests and shutdown.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const NOTHING = (thrown: string): string =>
  `the task threw ${thrown}; throw or reject with an Error`;
describe('background tasks', () => {
  let state: TasksFixtureState;
  let t: TestApp;

  const closer = new Closer();
  async function boot(options: Parameters<typeof TasksFixtureModule.forRoot>[1] = {}) {
    state = new TasksFixtureState();
    t = await closer.adopt(createTestApp(TasksFixtureModule.forRoot(state, options)));
    return t;
  }

  const runner = (): TaskRunner => t.app.get(TaskRunner);

  afterEach(async () => {
    state?.openAll();
    await closer.closeAll();
    await t?.close();
  });

  describe('with the default options', () => {
    beforeEach(() => boot());

    it('a task that takes longer than the response completes after the response arrived', async () => {
      const res = await post(`${t.url}/t/slow/a`);
      state.journal.push('response arrived');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ added: 1 });
      // The task is still blocked on its gate: the response did not wait for it.
      await waitFor(() => state.journal.includes('task a started'), {
        timeoutMs: 5_000,
        description: 'task a to start',
      });
      expect(state.journal).not.toContain('task a finished');
      expect(runner().snapshot()).toMatchObject({ queued: 1, running: 1, completed: 0 });
      expect(runner().outstanding).toBe(1);

      state.gate('a').open();
      await waitFor(() => state.journal.includes('task a finished'), {
        timeoutMs: 5_000,
        description: 'task a to finish',
      });
      expect(state.journal.indexOf('response arrived')).toBeLessThan(
        state.journal.indexOf('task a finished'),
      );
      await waitFor(() => runner().snapshot().completed === 1, {
        timeoutMs: 5_000,
        description: 'the completion to be counted',
      });
      expect(runner().snapshot()).toEqual({
        queued: 1,
        running: 0,
        completed: 1,
        failed: 0,
        refused: 0,
      });
      expect(runner().outstanding).toBe(0);
    });

    it('runs tasks in the order added, one after another, in the request context', async () => {
      const requestId = `order-${randomUUID()}`;
      const res = await post(`${t.url}/t/ordered/o`, requestId);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      await waitFor(() => state.journal.includes('o:3 end'), {
        timeoutMs: 5_000,
        description: 'the third task to end',
      });
      expect(state.journal).toEqual([
        'o:1 start',
        'o:1 end',
        'o:2 start',
        'o:2 end',
        'o:3 start',
        'o:3 end',
      ]);
      for (const label of ['o:1', 'o:2', 'o:3']) {
        expect(state.taskRequestIds.get(label)).toBe(requestId);
      }
    });

    it("a generated request id is the task's request id, and on the task's log lines", async () => {
      const res = await post(`${t.url}/t/ordered/g`);
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toMatch(UUID);
      await waitFor(() => state.journal.includes('g:3 end'), {
        timeoutMs: 5_000,
        description: 'the third task to end',
      });
      expect(state.taskRequestIds.get('g:1')).toBe(requestId);
      const lines = t.logs.lines.filter(
        (l) => l.context === 'FixtureTask' && /^g:\d ran$/.test(String(l.msg)),
      );
      expect(lines.map((l) => [l.msg, l.reqId, l.level])).toEqual([
        ['g:1 ran', requestId, 30],
        ['g:2 ran', requestId, 30],
        ['g:3 ran', requestId, 30],
      ]);
    });

    it('concurrent requests keep their own context in their tasks', async () => {
      const ids = ['c1', 'c2', 'c3', 'c4', 'c5'].map((k) => `${k}-${randomUUID()}`);
      const responses = await Promise.all(ids.map((id, i) => post(`${t.url}/t/slow/k${i}`, id)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      ids.forEach((_, i) => state.gate(`k${i}`).open());
      await waitFor(() => runner().snapshot().completed === 5, {
        timeoutMs: 5_000,
        description: 'five tasks to complete',
      });
      ids.forEach((id, i) => expect(state.taskRequestIds.get(`k${i}`)).toBe(id));
    });

    it('a failing task is logged with the request id and counted; the others still run', async () => {
      const requestId = `fail-${randomUUID()}`;
      const res = await post(`${t.url}/t/failing/f`, requestId);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ added: 6 });
      await waitFor(() => state.journal.includes('f:6 ran'), {
        timeoutMs: 5_000,
        description: 'the last task to run',
      });
      await waitFor(() => runner().outstanding === 0, {
        timeoutMs: 5_000,
        description: 'the batch to end',
      });
      expect(state.journal).toEqual(['f:1 ran', 'f:6 ran']);
      expect(runner().snapshot()).toEqual({
        queued: 6,
        running: 0,
        completed: 2,
        failed: 4,
        refused: 0,
      });
      const errors = t.logs.lines.filter((l) => l.context === 'BackgroundTasks');
      expect(errors.map((l) => [l.level, l.reqId, l.msg])).toEqual([
        [50, requestId, 'background task explodes failed: boom f'],
        [50, requestId, 'background task rejectsLater failed: late boom f'],
        [50, requestId, `background task rejectsWithNothing failed: ${NOTHING('undefined')}`],
        [50, requestId, `background task throwsNull failed: ${NOTHING('null')}`],
      ]);
      expect(String(errors[0]?.stack)).toContain('Error: boom f');
      // Not a plain Error: a coded one (TASK_THREW_NOTHING), by its class.
      expect(String(errors[2]?.stack)).toContain(`TaskThrewNothingError: ${NOTHING('undefined')}`);
      expect(String(errors[3]?.stack)).toContain(`TaskThrewNothingError: ${NOTHING('null')}`);

      // The process and the runner carry on: the next request's task runs.
      const next = await post(`${t.url}/t/ordered/n`);
      expect(next.status).toBe(200);
      await waitFor(() => state.journal.includes('n:3 end'), {
        timeoutMs: 5_000,
        description: 'the next request to be served',
      });
      expect(runner().snapshot()).toMatchObject({ completed: 5, failed: 4 });
    });

    it.each([
      [400, 'BAD_REQUEST'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [500, 'INTERNAL_ERROR'],
      [503, 'SERVICE_UNAVAILABLE'],
    ])('the tasks of a request that fails with %i are not run', async (status, code) => {
      const res = await post(`${t.url}/t/fail-after-add/x${status}/${status}`);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(((await res.json()) as { error: string }).error).toBe(code);
      // A later successful request's task runs, so the failed one had its chance to run.
      const ok = await post(`${t.url}/t/ordered/after`);
      expect(ok.status).toBe(200);
      await waitFor(() => state.journal.includes('after:3 end'), {
        timeoutMs: 5_000,
        description: 'the later tasks to run',
      });
      expect(state.journal).not.toContain(`task x${status} ran`);
      expect(runner().snapshot()).toEqual({
        queued: 3,
        running: 0,
        completed: 3,
        failed: 0,
        refused: 0,
      });
      expect(runner().outstanding).toBe(0);
    });

    it('after beginShutdown(), add() is refused with 503 SHUTTING_DOWN; queued tasks still finish', async () => {
      const accepted = await post(`${t.url}/t/slow/before`);
      expect(accepted.status).toBe(200);
      runner().beginShutdown();
      expect(runner().isAccepting).toBe(false);

      const res = await post(`${t.url}/t/slow/after`);
      expect(res.headers.get('retry-after')).toBe('1');
      await expectProblem(res, 503, 'SHUTTING_DOWN', {
        title: 'Service Unavailable',
        detail: 'The service is shutting down and accepts no new background tasks.',
      });
      expect(runner().snapshot()).toMatchObject({ refused: 1, queued: 1 });

      state.gate('before').open();
      await runner().drain();
      expect(state.journal).toEqual(['task before started', 'task before finished']);
      expect(state.taskRequestIds.has('after')).toBe(false);
    });

    it('app.close() waits for the queued tasks to finish', async () => {
      expect((await post(`${t.url}/t/slow/last`)).status).toBe(200);
      await waitFor(() => state.journal.includes('task last started'), {
        timeoutMs: 5_000,
        description: 'the task to start',
      });
      let closed = false;
      const closing = t.close().then(() => {
        closed = true;
      });
      await waitFor(() => !runner().isAccepting, {
        timeoutMs: 5_000,
        description: 'shutdown to begin',
      });
      for (let i = 0; i < 20; i++) await nextTurn();
      expect(closed).toBe(false);
      state.journal.push('gate opened');
      state.gate('last').open();
      await closing;
      expect(state.journal).toEqual(['task last started', 'gate opened', 'task last finished']);
    });
  });

  describe('when background.maxQueued is 2 and concurrency 1', () => {
    beforeEach(() => boot({ background: { maxQueued: 2, concurrency: 1 } }));

    it('the overflowing request gets 503 TASK_QUEUE_FULL with Retry-After; no work is lost', async () => {
      expect((await post(`${t.url}/t/slow/q1`)).status).toBe(200);
      expect((await post(`${t.url}/t/slow/q2`)).status).toBe(200);
      await waitFor(() => state.journal.includes('task q1 started'), {
        timeoutMs: 5_000,
        description: 'q1 to start',
      });
      expect(runner().outstanding).toBe(2);

      const full = await post(`${t.url}/t/slow/q3`);
      expect(full.headers.get('retry-after')).toBe('1');
      await expectProblem(full, 503, 'TASK_QUEUE_FULL', {
        title: 'Service Unavailable',
        detail: 'The background task queue is full (2 queued); retry shortly.',
      });
      expect(runner().snapshot()).toEqual({
        queued: 2,
        running: 1,
        completed: 0,
        failed: 0,
        refused: 1,
      });

      // Everything accepted runs, one batch at a time; the refused task never does.
      state.gate('q1').open();
      await waitFor(() => state.journal.includes('task q2 started'), {
        timeoutMs: 5_000,
        description: 'q2 to start',
      });
      state.gate('q2').open();
      await waitFor(() => runner().outstanding === 0, {
        timeoutMs: 5_000,
        description: 'the queue to empty',
      });
      expect(state.journal).toEqual([
        'task q1 started',
        'task q1 finished',
        'task q2 started',
        'task q2 finished',
      ]);
      expect(runner().snapshot()).toMatchObject({ completed: 2, refused: 1 });

      // Room again: the retried request is accepted.
      expect((await post(`${t.url}/t/slow/q3`)).status).toBe(200);
      state.gate('q3').open();
      await waitFor(() => state.journal.includes('task q3 finished'), {
        timeoutMs: 5_000,
        description: 'q3 to finish',
      });
    });

    it('a request whose tasks do not all fit is refused whole, and its reservations freed', async () => {
      const res = await post(`${t.url}/t/many/m/3`);
      await expectProblem(res, 503, 'TASK_QUEUE_FULL', {
        title: 'Service Unavailable',
        detail: 'The background task queue is full (2 queued); retry shortly.',
      });
      expect(runner().outstanding).toBe(0);
      expect(runner().snapshot()).toMatchObject({ queued: 0, refused: 1 });

      const ok = await post(`${t.url}/t/many/ok/2`);
      expect(ok.status).toBe(200);
      state.gate('ok-1').open();
      state.gate('ok-2').open();
      await waitFor(() => runner().outstanding === 0, {
        timeoutMs: 5_000,
        description: 'the accepted tasks to finish',
      });
      expect(state.journal).toEqual([
        'task ok-1 started',
        'task ok-1 finished',
        'task ok-2 started',
        'task ok-2 finished',
      ]);
    });
  });
});
