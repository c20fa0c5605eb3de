'use strict';
// `node bench/tasks-inject.bench.js`: the CPU that @Background() and a task add to a request,
// measured in process, without the network. bench/tasks.bench.js measures the same over real
// HTTP, where the kernel and the load generator share the machine and a few µs drown in noise;
// here the app (bench/servers/tasks-app.js, TasksModule on) answers Fastify's inject() in
// batches, the routes alternate batch by batch, and the figure is this process's CPU time
// (process.cpuUsage) per request. Inject's own cost is the same on every route, so the
// differences between routes are what the kit adds.
//
//   --rounds (default 30)  --batch (requests per route per round, default 2000)
//   --concurrency (requests in flight, default 16)
process.env.BENCH_TASKS = '1';
process.env.LOG_LEVEL ??= 'error'; // the fixture's boot warnings (no decorator metadata in plain JS) are not the point
const { median } = require('./lib/report');
const { buildIfNeeded, intOptions, runMain, warnIfBusy } = require('./lib/harness');

const CPU_TARGET_US = 5; // issue 5: context + task machinery ≤ 5 µs of server CPU per request
const BODY = JSON.stringify({ item: 'coffee beans', quantity: 2 });
const ROUTES = [
  { name: 'plain', path: '/orders', label: 'POST /orders, no custom parameter' },
  {
    name: 'custom-param',
    path: '/orders/custom-param',
    label: "a trivial custom parameter that is not the kit's (Nest's cost)",
  },
  { name: 'background-param', path: '/orders/no-task', label: '@Background(), no task' },
  { name: 'noop-task', path: '/orders/noop-task', label: '@Background() + one no-op task' },
];

function options() {
  return intOptions({
    rounds: [30, 3, 100],
    batch: [2000, 100, 100_000],
    concurrency: [16, 1, 256],
  });
}

/** `count` injected requests, `concurrency` at a time; CPU µs per request of this process. */
async function batch(fastify, path, count, concurrency) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fastify.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json' },
        payload: BODY,
      });
      if (res.statusCode !== 201) failures++;
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  if (failures > 0) throw new Error(`${path}: ${failures} of ${count} requests were not 201`);
  return (used.user + used.system) / count;
}

const fmt = (v) => (Math.round(v * 100) / 100).toFixed(2);

/** Waits (bounded) until the task runner has nothing outstanding. */
async function drained(runner) {
  const deadline = Date.now() + 30_000;
  while (runner.outstanding > 0) {
    if (Date.now() > deadline) throw new Error(`${runner.outstanding} tasks still outstanding`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main() {
  const opts = options();
  buildIfNeeded();
  warnIfBusy();
  const { createTasksApp } = require('./servers/tasks-app');
  const { TaskRunner } = require('../dist/libs/tasks/src/index.js');
  const app = await createTasksApp();
  const fastify = app.getHttpAdapter().getInstance();
  const runner = app.get(TaskRunner);
  try {
    process.stdout.write(
      `in process: ${opts.rounds} rounds × ${opts.batch} requests per route, ${opts.concurrency} in flight, routes alternating\n`,
    );
    for (const route of ROUTES) await batch(fastify, route.path, opts.batch, opts.concurrency);
    const samples = Object.fromEntries(ROUTES.map((r) => [r.name, []]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const route of ROUTES) {
        samples[route.name].push(await batch(fastify, route.path, opts.batch, opts.concurrency));
      }
      await drained(runner);
    }
    const stats = runner.snapshot();
    const delta = (name, base) => median(samples[name].map((v, i) => v - samples[base][i]));
    const lines = ROUTES.map(
      (r) =>
        `  ${r.name.padEnd(17)} ${fmt(median(samples[r.name])).padStart(7)} µs/request  ${r.label}`,
    );
    // Judged like tasks.bench.js: what @Background() with a no-op task costs a route, Nest's
    // parameter handling included (the other app there, without TasksModule, cannot run here).
    const judged = delta('noop-task', 'plain');
    process.stdout.write(
      [
        'CPU per request (median over rounds; inject() included, the same on every route):',
        ...lines,
        'differences (median of per-round differences):',
        `  custom parameter over plain (Nest):        ${fmt(delta('custom-param', 'plain'))} µs`,
        `  @Background(), no task, over custom param: ${fmt(delta('background-param', 'custom-param'))} µs`,
        `  @Background() + no-op task over plain:     ${fmt(delta('noop-task', 'plain'))} µs`,
        `  @Background() + no-op task over custom:    ${fmt(delta('noop-task', 'custom-param'))} µs (the kit's share, informational)`,
        `${judged <= CPU_TARGET_US ? 'PASS' : 'FAIL'}: context + task machinery ≤ ${CPU_TARGET_US} µs/request (no-op task over the plain route)`,
        `tasks: ${stats.completed} completed, ${stats.failed} failed, ${stats.refused} refused`,
      ].join('\n') + '\n',
    );
    if (stats.failed > 0 || stats.refused > 0)
      throw new Error('background tasks failed or were refused');
  } finally {
    await app.close();
  }
}

runMain(main);
