import { Closer, databaseVariants, expectProblem, waitFor } from '@kit/testing';
import { randomUUID } from 'node:crypto';
import { TaskRunner } from '@kit/tasks';
import {
  ADMIN,
  bootTasksService,
  call,
  ISO_DATE,
  login,
  newUser,
  type TasksService,
  UUID,
} from './fixtures/tasks-service';
import type { ActivityView as Activity, OrderView as Order } from '../src/orders/order.dto';

// The reference flow: POST /orders → 201, and after the response a background task records an
// order_created activity carrying the originating request's X-Request-ID.

describe.each(databaseVariants())('orders on $name', (variant) => {
  let s: TasksService;
  let admin: string;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootTasksService(variant, 'orders'));
    admin = await login(s, ADMIN.email, ADMIN.password);
  });
  afterAll(() => closer.closeAll());

  async function activityFor(orderId: string): Promise<Activity> {
    return waitFor(
      async () => {
        const res = await call(s, '/admin/activity', { token: admin });
        expect(res.status).toBe(200);
        const list = (await res.json()) as Activity[];
        return list.find((a) => a.order_id === orderId);
      },
      { timeoutMs: 10_000, description: `the activity of order ${orderId}` },
    );
  }

  it('POST /orders → 201; the order_created activity carries the request id', async () => {
    const user = await newUser(s);
    const res = await call(s, '/orders', {
      token: user.token,
      json: { item: 'coffee beans', quantity: 2 },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(UUID);
    const order = (await res.json()) as Order;
    expect(order).toEqual({
      id: expect.stringMatching(UUID),
      item: 'coffee beans',
      quantity: 2,
      user_id: user.id,
      created_at: expect.stringMatching(ISO_DATE),
    });

    const activity = await activityFor(order.id);
    expect(activity).toEqual({
      id: expect.stringMatching(UUID),
      type: 'order_created',
      order_id: order.id,
      user_id: user.id,
      request_id: requestId,
      created_at: expect.stringMatching(ISO_DATE),
    });
    expect(Date.parse(activity.created_at)).toBeGreaterThanOrEqual(Date.parse(order.created_at));
    // The task's log line carries the same request id.
    const line = s.t.logs.lines.find(
      (l) => l.context === 'Orders' && l.msg === `recorded order_created for order ${order.id}`,
    );
    expect(line?.reqId).toBe(requestId);
  });

  it('an incoming X-Request-ID is the activity request_id', async () => {
    const user = await newUser(s);
    const requestId = `client-${randomUUID()}`;
    const res = await call(s, '/orders', {
      token: user.token,
      requestId,
      json: { item: 'tea', quantity: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const order = (await res.json()) as Order;
    expect((await activityFor(order.id)).request_id).toBe(requestId);
  });

  it('the order is committed before the response: GET /orders sees it at once, newest first', async () => {
    const user = await newUser(s);
    const other = await newUser(s);
    const created: Order[] = [];
    for (const [item, quantity] of [
      ['first', 1],
      ['second', 5],
    ] as const) {
      const res = await call(s, '/orders', { token: user.token, json: { item, quantity } });
      expect(res.status).toBe(201);
      created.push((await res.json()) as Order);
      const list = await call(s, '/orders', { token: user.token });
      expect(list.status).toBe(200);
      expect(((await list.json()) as Order[]).map((o) => o.id)).toContain(created.at(-1)?.id);
    }
    const res = await call(s, '/orders', { token: user.token });
    const list = (await res.json()) as Order[];
    expect(list).toHaveLength(2);
    expect(new Set(list.map((o) => o.id))).toEqual(new Set(created.map((o) => o.id)));
    expect(list.map((o) => o.created_at)).toEqual(
      list
        .map((o) => o.created_at)
        .toSorted()
        .toReversed(),
    );
    expect(list.find((o) => o.item === 'second')).toEqual(created[1]);
    // Another user sees none of them.
    expect(await (await call(s, '/orders', { token: other.token })).json()).toEqual([]);
  });

  it('GET /admin/activity lists activities newest first', async () => {
    const user = await newUser(s);
    const ids: string[] = [];
    for (const item of ['a', 'b', 'c']) {
      const res = await call(s, '/orders', { token: user.token, json: { item, quantity: 1 } });
      const order = (await res.json()) as Order;
      ids.push(order.id);
      await activityFor(order.id);
    }
    const list = (await (await call(s, '/admin/activity', { token: admin })).json()) as Activity[];
    const mine = list.filter((a) => a.user_id === user.id);
    expect(mine.map((a) => a.order_id)).toEqual(ids.toReversed());
    expect(list.map((a) => a.created_at)).toEqual(
      list
        .map((a) => a.created_at)
        .toSorted()
        .toReversed(),
    );
  });

  it('an invalid order is 400 and stores nothing; no task is queued', async () => {
    const user = await newUser(s);
    const runner = s.t.app.get(TaskRunner);
    const queued = runner.snapshot().queued;
    const res = await call(s, '/orders', { token: user.token, json: { item: '', quantity: 0 } });
    await expectProblem(res, 400, 'VALIDATION_FAILED', {
      title: expect.any(String),
      detail: expect.any(String),
      extensions: { errors: expect.any(Array) },
    });
    expect(await (await call(s, '/orders', { token: user.token })).json()).toEqual([]);
    expect(runner.snapshot().queued).toBe(queued);
  });

  it('POST /orders without a token is 401; GET /admin/activity as a user is 403', async () => {
    const res = await call(s, '/orders', { json: { item: 'x', quantity: 1 } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const user = await newUser(s);
    const forbidden = await call(s, '/admin/activity', { token: user.token });
    expect(forbidden.status).toBe(403);
  });
});

describe.each(databaseVariants())('orders on $name at shutdown', (variant) => {
  it('an activity whose task is queued when the app closes is still recorded', async () => {
    const s = await bootTasksService(variant, 'orders_close');
    const user = await newUser(s);
    const res = await call(s, '/orders', {
      token: user.token,
      json: { item: 'late', quantity: 3 },
    });
    expect(res.status).toBe(201);
    const order = (await res.json()) as Order;
    const requestId = res.headers.get('x-request-id');
    // Close at once: the task may not have started yet. It must finish before the database closes.
    await s.t.close();
    const failures = s.t.logs.lines.filter((l) => l.context === 'BackgroundTasks');
    expect(failures).toEqual([]);
    const reopened = await bootTasksService(variant, 'orders_close', { db: s.db });
    try {
      const rows = await reopened.kysely
        .selectFrom('activities')
        .selectAll()
        .where('order_id', '=', order.id)
        .execute();
      expect(rows.map((r) => [r.type, r.request_id])).toEqual([['order_created', requestId]]);
    } finally {
      await reopened.close();
      await s.close();
    }
  });
});
