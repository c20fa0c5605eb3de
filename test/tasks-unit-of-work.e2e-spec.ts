import type { Kysely } from 'kysely';
import { KYSELY } from '@kit/lifespan';
import { TaskRunner } from '@kit/tasks';
import {
  createTestApp,
  type TestApp,
  Closer,
  databaseVariants,
  type TestDatabase,
  expectProblem,
  waitFor,
} from '@kit/testing';
import type { Schema } from '../src/database/schema';
import { post } from '../libs/tasks/test/fixtures/tasks-fixture.module';
import { UowFixtureModule, UowFixtureState } from './fixtures/tasks-uow.module';

// The reference service's UnitOfWork (RequestResource<ControlledTransaction>) on a real
// database: one transaction per request shared by two repositories, committed on success,
// rolled back when the handler throws, settled before the request's background tasks.

interface Created {
  orderId: string;
  orderTrx: number;
  activityTrx: number;
}

describe.each(databaseVariants())('unit of work on $name', (variant) => {
  let db: TestDatabase;
  let state: UowFixtureState;
  let t: TestApp;

  const kysely = (): Kysely<Schema> => t.app.get<Kysely<Schema>>(KYSELY);
  const idle = (): Promise<unknown> =>
    waitFor(() => t.app.get(TaskRunner).outstanding === 0, {
      timeoutMs: 5_000,
      description: 'background tasks to finish',
    });
  const activities = (orderId: string) =>
    kysely()
      .selectFrom('activities')
      .select(['type', 'request_id'])
      .where('order_id', '=', orderId)
      .orderBy('type')
      .execute();

  const closer = new Closer();
  beforeEach(async () => {
    db = await variant.create('tasks_uow');
    state = new UowFixtureState();
    t = await closer.adopt(createTestApp(UowFixtureModule.forRoot(state, db.url)));
  });
  afterEach(async () => {
    await closer.closeAll();
    await t?.close();
    await db?.drop();
  });

  it('commits on success: one transaction across two providers, another in the next request', async () => {
    const res = await post(`${t.url}/uow/ok/first`, 'uow-req-1');
    expect(res.status).toBe(201);
    const one = (await res.json()) as Created;
    expect(one.orderTrx).toBe(one.activityTrx);
    // Committed before the response: visible to a plain query at once.
    const orders = await kysely()
      .selectFrom('orders')
      .select('item')
      .where('id', '=', one.orderId)
      .execute();
    expect(orders).toEqual([{ item: 'first' }]);
    await idle();

    const two = (await (await post(`${t.url}/uow/ok/second`)).json()) as Created;
    await idle();
    expect(two.orderTrx).toBe(two.activityTrx);
    expect(new Set([one.orderTrx, two.orderTrx]).size).toBe(2);
    expect(await activities(one.orderId)).toEqual([
      { type: 'in_request', request_id: 'uow-req-1' },
      { type: 'in_task', request_id: 'uow-req-1' },
    ]);
  });

  it("is committed before the request's background task starts, which gets its own", async () => {
    expect((await post(`${t.url}/uow/ok/teardown`)).status).toBe(201);
    await idle();
    expect(state.journal).toEqual([
      'task teardown: request trx committed=true rolledBack=false',
      'task teardown: own trx different',
    ]);
  });

  it('rolls back when the handler throws: nothing of the request is persisted', async () => {
    const before = await kysely().selectFrom('orders').select('id').execute();
    const res = await post(`${t.url}/uow/throw/doomed`);
    await expectProblem(res, 422, 'UOW_REFUSED', {
      title: 'Unprocessable',
      detail: 'Refused after writing.',
    });
    expect(await kysely().selectFrom('orders').select('id').execute()).toEqual(before);
    expect(
      await kysely().selectFrom('orders').select('id').where('item', '=', 'doomed').execute(),
    ).toEqual([]);
    expect(await kysely().selectFrom('activities').select('id').execute()).toEqual([]);
    // The connection was given back: the next request commits normally.
    expect((await post(`${t.url}/uow/ok/after`)).status).toBe(201);
    await idle();
    expect(
      await kysely().selectFrom('orders').select('item').where('item', '=', 'after').execute(),
    ).toEqual([{ item: 'after' }]);
  });

  it('concurrent requests each commit their own transaction', async () => {
    const created = await Promise.all(
      ['c1', 'c2', 'c3', 'c4'].map(async (item) => {
        const res = await post(`${t.url}/uow/ok/${item}`);
        expect(res.status).toBe(201);
        return (await res.json()) as Created;
      }),
    );
    await idle();
    for (const c of created) expect(c.orderTrx).toBe(c.activityTrx);
    expect(new Set(created.map((c) => c.orderTrx)).size).toBe(4);
    const rows = await kysely().selectFrom('activities').select('type').execute();
    expect(rows).toHaveLength(8);
  });

  if (variant.name === 'postgres') {
    it('fresh() is a second transaction, committed with the request', async () => {
      const res = await post(`${t.url}/uow/fresh/f`);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { orderId: string; orderTrx: number; freshTrx: number };
      expect(body.freshTrx).not.toBe(body.orderTrx);
      expect(await activities(body.orderId)).toEqual([
        { type: 'fresh', request_id: expect.any(String) },
      ]);
    });
  } else {
    it('fresh() fails at once on SQLite (one connection) instead of waiting forever, and rolls back', async () => {
      const res = await post(`${t.url}/uow/fresh/f-sqlite`);
      await expectProblem(res, 500, 'INTERNAL_ERROR');
      expect(
        t.logs.lines.some(
          (l) => l.msg === 'request failed' && JSON.stringify(l).includes('UOW_NESTED_TRANSACTION'),
        ),
      ).toBe(true);
      expect(
        await kysely().selectFrom('orders').select('id').where('item', '=', 'f-sqlite').execute(),
      ).toEqual([]);
    });
  }
});

describe.each(databaseVariants())('unit of work on $name at shutdown', (variant) => {
  // Whatever the import order: Nest runs the shutdown hooks of global modules in reverse import
  // order, so the order must not be what keeps the database open for the tasks.
  it.each([
    ['LifespanModule before TasksModule', false],
    ['TasksModule before LifespanModule', true],
  ])(
    'with %s, a task still running at close finishes before the database closes',
    async (_, tasksFirst) => {
      const db = await variant.create('tasks_uow_close');
      const state = new UowFixtureState();
      let t: TestApp | undefined;
      try {
        t = await createTestApp(UowFixtureModule.forRoot(state, db.url, { tasksFirst }));
        const app = t;
        const res = await post(`${app.url}/uow/ok/gated-close`, 'closing-req');
        expect(res.status).toBe(201);
        const { orderId } = (await res.json()) as Created;
        await waitFor(() => state.journal.length > 0, {
          timeoutMs: 5_000,
          description: 'the task to start',
        });
        // Close while the task still waits; it writes only once shutdown has begun.
        const closing = app.close();
        await waitFor(() => !app.app.get(TaskRunner).isAccepting, {
          timeoutMs: 5_000,
          description: 'shutdown to begin',
        });
        state.openGate();
        await closing;
        expect(app.logs.lines.filter((l) => l.context === 'BackgroundTasks')).toEqual([]);
        expect(state.journal).toEqual([
          'task gated-close: waiting',
          'task gated-close: request trx committed=true rolledBack=false',
          'task gated-close: own trx different',
        ]);
        // Reopen the same database: the task's write is there.
        const again = await createTestApp(UowFixtureModule.forRoot(new UowFixtureState(), db.url));
        try {
          const rows = await again.app
            .get<Kysely<Schema>>(KYSELY)
            .selectFrom('activities')
            .select(['type', 'request_id'])
            .where('order_id', '=', orderId)
            .orderBy('type')
            .execute();
          expect(rows).toEqual([
            { type: 'in_request', request_id: 'closing-req' },
            { type: 'in_task', request_id: 'closing-req' },
          ]);
        } finally {
          await again.close();
        }
      } finally {
        state.openGate();
        await t?.close();
        await db.drop();
      }
    },
  );
});
