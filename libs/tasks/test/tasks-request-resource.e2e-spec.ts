import { connect } from 'node:net';
import { NoRequestScopeError, TaskRunner } from '@kit/tasks';
import { createTestApp, type TestApp, Closer, expectProblem, waitFor } from '@kit/testing';
import {
  FAIL_COMMIT,
  JournalResource,
  post,
  TasksFixtureModule,
  TasksFixtureState,
} from './fixtures/tasks-fixture.module';

// RequestResource (FastAPI's cached `Depends` with `yield`): one value per request shared by
// every provider, `fresh()` as the opt-out, commit / rollback / release after the handler, and
// all of it before the request's background tasks start.

describe('request resources', () => {
  let state: TasksFixtureState;
  let t: TestApp;

  const closer = new Closer();
  beforeEach(async () => {
    state = new TasksFixtureState();
    t = await closer.adopt(createTestApp(TasksFixtureModule.forRoot(state)));
  });
  afterEach(async () => {
    state?.openAll();
    await closer.closeAll();
  });

  const idle = (): Promise<unknown> =>
    waitFor(() => t.app.get(TaskRunner).outstanding === 0, {
      timeoutMs: 5_000,
      description: 'background tasks to finish',
    });

  /** Sends a request on a raw socket and drops the connection while the handler waits. */
  function abortMidHandler(path: string, key: string): Promise<void> {
    const socket = connect(t.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`);
    return waitFor(() => state.journal.includes(`handler ${key} waiting`), {
      timeoutMs: 5_000,
      description: 'the handler',
    }).then(async () => {
      socket.destroy();
      await waitFor(() => state.journal.includes(`response ${key} closed`), {
        timeoutMs: 5_000,
        description: 'the abort',
      });
    });
  }

  it('is one instance across two providers in a request, committed then released', async () => {
    const res = await post(`${t.url}/t/uow/ok/a`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ first: 1, second: 1 });
    await idle();
    expect(state.persisted).toEqual(['a:first', 'a:second', 'a:task']);
  });

  it('is a different instance in the next request', async () => {
    const one = (await (await post(`${t.url}/t/uow/ok/a`)).json()) as Record<string, number>;
    await idle();
    const two = (await (await post(`${t.url}/t/uow/ok/b`)).json()) as Record<string, number>;
    await idle();
    expect(one).toEqual({ first: 1, second: 1 });
    // The first request's task had its own instance (2); the next request gets a new one.
    expect(two).toEqual({ first: 3, second: 3 });
  });

  it("tears down (commit, release) before the request's background tasks start", async () => {
    const res = await post(`${t.url}/t/uow/ok/a`);
    const atArrival = [...state.journal];
    expect(res.status).toBe(200);
    // Settled before the response was written: the client never sees an uncommitted result.
    expect(atArrival.slice(0, 4)).toEqual([
      'create 1',
      'handler a returns',
      'commit 1',
      'release 1',
    ]);
    await idle();
    expect(state.journal).toEqual([
      'create 1',
      'handler a returns',
      'commit 1',
      'release 1',
      'task a started',
      'create 2',
      'task a wrote in 2',
      'commit 2',
      'release 2',
    ]);
  });

  it('rolls back and releases when the handler throws; nothing is persisted, no task runs', async () => {
    const res = await post(`${t.url}/t/uow/throw/x`);
    await expectProblem(res, 409, 'FIXTURE_CONFLICT', {
      title: 'Conflict',
      detail: 'The fixture refused the write.',
    });
    expect(state.journal).toEqual(['create 1', 'handler x throws', 'rollback 1', 'release 1']);
    expect(state.persisted).toEqual([]);

    // The next request commits normally: the failure left nothing behind.
    expect((await post(`${t.url}/t/uow/ok/y`)).status).toBe(200);
    await idle();
    expect(state.persisted).toEqual(['y:first', 'y:second', 'y:task']);
    expect(state.journal).not.toContain('task x ran');
  });

  it('a failing commit rolls back, releases and answers 500; the tasks do not run', async () => {
    const res = await post(`${t.url}/t/uow/ok/${FAIL_COMMIT}`);
    await expectProblem(res, 500, 'INTERNAL_ERROR', {
      title: 'Internal Server Error',
      detail: expect.any(String),
      // Written in the onSend hook (after serialization): Fastify adds no charset there.
      contentType: 'application/problem+json',
    });
    expect(state.journal).toEqual([
      'create 1',
      `handler ${FAIL_COMMIT} returns`,
      'commit 1',
      'rollback 1',
      'release 1',
    ]);
    expect(state.persisted).toEqual([]);
    expect(t.app.get(TaskRunner).outstanding).toBe(0);
    expect(t.app.get(TaskRunner).snapshot().queued).toBe(0);
  });

  it('fresh() gives a different instance, settled with the request, newest first', async () => {
    const res = await post(`${t.url}/t/uow/fresh/f`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ first: 1, fresh: 2, second: 1 });
    expect(state.journal).toEqual([
      'create 1',
      'create 2',
      'commit 2',
      'release 2',
      'commit 1',
      'release 1',
    ]);
    expect(state.persisted).toEqual(['f:fresh', 'f:first', 'f:second']);
  });

  it('concurrent requests never share an instance', async () => {
    const bodies = await Promise.all(
      ['p', 'q', 'r', 's'].map(async (k) => {
        const res = await post(`${t.url}/t/uow/ok/${k}`);
        expect(res.status).toBe(200);
        return (await res.json()) as { first: number; second: number };
      }),
    );
    await idle();
    for (const body of bodies) expect(body.first).toBe(body.second);
    expect(new Set(bodies.map((b) => b.first)).size).toBe(4);
    // Every instance created was committed and released exactly once.
    const created = state.journal.filter((e) => e.startsWith('create ')).map((e) => e.slice(7));
    expect(created).toHaveLength(8);
    for (const id of created) {
      expect(state.journal.filter((e) => e === `commit ${id}`)).toHaveLength(1);
      expect(state.journal.filter((e) => e === `release ${id}`)).toHaveLength(1);
    }
    expect(state.journal.some((e) => e.startsWith('rollback'))).toBe(false);
  });

  describe('when the client disconnects while the handler runs', () => {
    it('the tasks wait for the handler and its teardown, then run', async () => {
      await abortMidHandler('/t/abortable/ab/ok', 'ab');
      expect(t.app.get(TaskRunner).snapshot().queued).toBe(0);
      state.gate('ab-handler').open();
      await waitFor(() => state.journal.includes('task ab ran'), {
        timeoutMs: 5_000,
        description: 'the task',
      });
      expect(state.journal).toEqual([
        'create 1',
        'handler ab waiting',
        'response ab closed',
        'handler ab returns',
        'commit 1',
        'release 1',
        'task ab ran',
      ]);
    });

    it('the tasks are not run when the commit then fails', async () => {
      await abortMidHandler(`/t/abortable/${FAIL_COMMIT}/ok`, FAIL_COMMIT);
      state.gate(`${FAIL_COMMIT}-handler`).open();
      await waitFor(() => state.journal.includes('release 1'), {
        timeoutMs: 5_000,
        description: 'the teardown',
      });
      await idle();
      expect(state.journal).toEqual([
        'create 1',
        `handler ${FAIL_COMMIT} waiting`,
        `response ${FAIL_COMMIT} closed`,
        `handler ${FAIL_COMMIT} returns`,
        'commit 1',
        'rollback 1',
        'release 1',
      ]);
      expect(t.app.get(TaskRunner).snapshot()).toMatchObject({ queued: 0, completed: 0 });
      expect(t.app.get(TaskRunner).outstanding).toBe(0);
    });

    it('the tasks are not run when the handler then fails', async () => {
      await abortMidHandler('/t/abortable/ax/throw', 'ax');
      state.gate('ax-handler').open();
      await waitFor(() => state.journal.includes('release 1'), {
        timeoutMs: 5_000,
        description: 'the teardown',
      });
      await idle();
      expect(state.journal).toEqual([
        'create 1',
        'handler ax waiting',
        'response ax closed',
        'handler ax throws',
        'rollback 1',
        'release 1',
      ]);
      expect(t.app.get(TaskRunner).snapshot()).toMatchObject({ queued: 0, completed: 0 });
    });
  });

  it('get() outside any request, task or job fails with TASKS_NO_REQUEST_SCOPE', () => {
    const resource = t.app.get(JournalResource);
    expect(() => resource.get()).toThrow(NoRequestScopeError);
    expect(() => resource.get()).toThrow(
      'JournalResource.get() was called outside an HTTP request, background task or job; run it inside one or use a plain provider',
    );
  });
});
