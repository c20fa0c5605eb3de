'use strict';
// Bench fixture for bench/tasks.bench.js: the kit's HTTP stack from dist/ (as another service
// would install it), with TasksModule (BENCH_TASKS=1) or without (BENCH_TASKS=0). Plain JS: the
// decorators are applied with Reflect.decorate, as tsc would emit.
//
//   POST /orders             build an order and answer 201: no task (both modes)
//   POST /orders/no-task     the same with a @Background() parameter but no task added
//                            (tasks mode)
//   POST /orders/custom-param the same with a trivial custom parameter that is not the kit's
//                            (Nest's own cost of one more custom parameter) (tasks mode)
//   POST /orders/noop-task   the same, plus a task that does nothing (tasks mode)
//   POST /orders/with-task   the same, plus a task that takes BENCH_TASK_MS (50) ms of wall time,
//                            awaiting a timer like a task awaiting I/O (tasks mode)
//   GET  /stats              the task runner's counters (tasks mode)
const {
  Body,
  Controller,
  createParamDecorator,
  Get,
  HttpCode,
  Module,
  Post,
} = require('@nestjs/common');
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const DIST = join(__dirname, '..', '..', 'dist', 'libs');
const { createHttpApp, HttpKitModule } = require(join(DIST, 'http', 'src', 'index.js'));
const { Background, TaskRunner, TasksModule } = require(join(DIST, 'tasks', 'src', 'index.js'));

const WITH_TASKS = process.env.BENCH_TASKS === '1';
const TASK_MS = Number(process.env.BENCH_TASK_MS ?? '50');
let runner;

function order(body) {
  return {
    id: randomUUID(),
    item: String(body?.item ?? ''),
    quantity: Number(body?.quantity ?? 0),
    created_at: new Date().toISOString(),
  };
}

async function recordActivity() {
  await sleep(TASK_MS);
}

function noop() {}

/** A custom parameter that is not the kit's: what Nest charges for one more such parameter. */
const RequestIdParam = createParamDecorator((_data, ctx) => ctx.switchToHttp().getRequest().id);

const param = (index, decorator) => (target, key) => decorator(target, key, index);
const method = (cls, name, decorators) =>
  Reflect.decorate(
    decorators,
    cls.prototype,
    name,
    Object.getOwnPropertyDescriptor(cls.prototype, name),
  );

class OrdersController {
  place(body) {
    return order(body);
  }
}
method(OrdersController, 'place', [Post('orders'), HttpCode(201), param(0, Body())]);
Reflect.decorate([Controller()], OrdersController);

class TaskOrdersController {
  placeWithTask(body, tasks) {
    const created = order(body);
    tasks.add(recordActivity, created);
    return created;
  }
  placeWithoutTask(body, _tasks) {
    return order(body);
  }
  placeWithCustomParam(body, _requestId) {
    return order(body);
  }
  placeWithNoopTask(body, tasks) {
    const created = order(body);
    tasks.add(noop, created);
    return created;
  }
  stats() {
    return { ...runner.snapshot(), outstanding: runner.outstanding };
  }
}
method(TaskOrdersController, 'placeWithTask', [
  Post('orders/with-task'),
  HttpCode(201),
  param(0, Body()),
  param(1, Background()),
]);
method(TaskOrdersController, 'placeWithoutTask', [
  Post('orders/no-task'),
  HttpCode(201),
  param(0, Body()),
  param(1, Background()),
]);
method(TaskOrdersController, 'placeWithCustomParam', [
  Post('orders/custom-param'),
  HttpCode(201),
  param(0, Body()),
  param(1, RequestIdParam()),
]);
method(TaskOrdersController, 'placeWithNoopTask', [
  Post('orders/noop-task'),
  HttpCode(201),
  param(0, Body()),
  param(1, Background()),
]);
method(TaskOrdersController, 'stats', [Get('stats')]);
Reflect.decorate([Controller()], TaskOrdersController);

class BenchModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        HttpKitModule.forRoot({ isGlobal: true, openapi: { enabled: false } }),
        // Enough room that a 50 ms task at full load is never refused: at ~15k req/s about 750
        // tasks are in flight.
        ...(WITH_TASKS
          ? [TasksModule.forRoot({ background: { concurrency: 1000, maxQueued: 100_000 } })]
          : []),
      ],
      controllers: WITH_TASKS ? [OrdersController, TaskOrdersController] : [OrdersController],
    }),
  ],
  BenchModule,
);

/** The app, initialised but not listening (`bench/tasks-inject.bench.js` drives it in process). */
async function createTasksApp() {
  const app = await createHttpApp(BenchModule, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  if (WITH_TASKS) runner = app.get(TaskRunner);
  return app;
}

async function main() {
  const app = await createTasksApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`Server listening at ${await app.getUrl()}\n`);
  const close = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

module.exports = { createTasksApp };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`tasks-app failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
