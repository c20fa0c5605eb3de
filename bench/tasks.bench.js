'use strict';
// `node bench/tasks.bench.js`: what @kit/tasks costs a request, in one interleaved run.
//
// 1. Response latency: POST /orders with a 50 ms background task vs the same route without one,
//    on the same server: closed loop at full load (interleaved rounds), and open loop at a fixed
//    request rate with the two routes alternating request by request (judged: see
//    latencyVerdict()).
// 2. Per-request server CPU (µs from /proc/<pid>/stat) of the request context + task machinery,
//    against the same app without TasksModule: a route of an app with TasksModule that takes no
//    tasks, a route with a @Background() parameter that adds none, one that adds a no-op task,
//    and one that adds the 50 ms task; and, to separate Nest's cost of a custom parameter from
//    the kit's, a route with a trivial custom parameter that is not the kit's.
// The servers are bench/servers/tasks-app.js on the libs built in dist/.
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Pool } = require('undici');
const { startServer } = require('./lib/server');
const { interleave } = require('./lib/interleave');
const { median, summarise, table, writeResult } = require('./lib/report');
const {
  ROOT,
  buildIfNeeded,
  intOptions,
  runMain,
  runMeta,
  sampleLogger,
  warnIfBusy,
} = require('./lib/harness');

const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const BASELINE = 'no-tasks-module';
const CPU_TARGET_US = 5; // issue 5: context + task machinery ≤ 5 µs of server CPU per request
const OPEN_PATHS = ['/orders', '/orders/with-task'];
const BODY = JSON.stringify({ item: 'coffee beans', quantity: 2 });
const post = (path) => ({
  path,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: BODY,
});

const SERVERS = {
  plain: () => startTasksApp('plain', '0'),
  tasks: () => startTasksApp('tasks', '1'),
};

const SCENARIOS = [
  {
    name: BASELINE,
    label: 'kit http stack without TasksModule: POST /orders',
    server: 'plain',
    request: post('/orders'),
  },
  {
    name: 'tasks-module',
    label: 'with TasksModule: POST /orders, a route without @Background()',
    server: 'tasks',
    request: post('/orders'),
  },
  {
    name: 'custom-param',
    label: "with TasksModule: POST /orders/custom-param, a trivial custom parameter (Nest's cost)",
    server: 'tasks',
    request: post('/orders/custom-param'),
  },
  {
    name: 'background-param',
    label: 'with TasksModule: POST /orders/no-task, a @Background() parameter but no task',
    server: 'tasks',
    request: post('/orders/no-task'),
  },
  {
    name: 'noop-task',
    label: 'with TasksModule: POST /orders/noop-task, one task that does nothing',
    server: 'tasks',
    request: post('/orders/noop-task'),
  },
  {
    name: '50ms-task',
    label: 'with TasksModule: POST /orders/with-task, one 50 ms task',
    server: 'tasks',
    request: post('/orders/with-task'),
  },
];

function startTasksApp(name, withTasks) {
  return startServer({
    name,
    args: [join(__dirname, 'servers', 'tasks-app.js')],
    cwd: ROOT,
    env: { BENCH_TASKS: withTasks, LOG_LEVEL: 'warn', NODE_OPTIONS: undefined },
    portPattern: LISTENING,
  });
}

function options() {
  const o = intOptions({
    rounds: [7, 1, 50],
    duration: [3, 1, 30],
    warmup: [2, 0, 30],
    connections: [10, 1, 1000],
    'reconnect-rate': [1000, 0, 1_000_000],
    rate: [500, 0, 100_000],
    'rate-duration': [5, 1, 60],
  });
  return {
    rounds: o.rounds,
    warmupSeconds: o.warmup,
    load: {
      duration: o.duration,
      connections: o.connections,
      pipelining: 1,
      reconnectRate: o['reconnect-rate'],
    },
    rate: o.rate,
    rateSeconds: o['rate-duration'],
  };
}

/** One real request per scenario: 201 with the order, before any load. */
async function verify(scenario, server) {
  const res = await fetch(server.url + scenario.request.path, {
    method: 'POST',
    headers: scenario.request.headers,
    body: scenario.request.body,
    signal: AbortSignal.timeout(5_000),
  });
  const body = await res.json();
  if (res.status !== 201 || body.item !== 'coffee beans' || body.quantity !== 2) {
    throw new Error(`${scenario.name}: expected 201 with the order, got ${res.status}`);
  }
}

async function stats(server) {
  const res = await fetch(`${server.url}/stats`, { signal: AbortSignal.timeout(5_000) });
  return res.json();
}

/** Waits (bounded) until every background task accepted so far has finished. */
async function drained(server) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await stats(server);
    if (s.outstanding === 0) return s;
    if (Date.now() > deadline) throw new Error(`tasks still outstanding: ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Open loop on one server: `rate` requests/s for `seconds`, alternating between `paths` request
 * by request, so both see the same moment of the machine. Latency counts from the moment a
 * request was due, not from when a late one was sent (no coordinated omission).
 */
async function openLoop(server, paths, rate, seconds) {
  const pool = new Pool(server.url, { connections: 64 });
  const latencies = Object.fromEntries(paths.map((p) => [p, []]));
  let non2xx = 0;
  let errors = 0;
  const inflight = [];
  const start = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const path = paths[i % paths.length];
    const request = post(path);
    // From when it was due, or sent if that was earlier (the sleep rounds to 1 ms).
    const from = Math.min(due, performance.now());
    inflight.push(
      pool.request({ ...request, path }).then(
        async (res) => {
          await res.body.text();
          if (res.statusCode !== 201) non2xx++;
          latencies[path].push(performance.now() - from);
        },
        () => errors++,
      ),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  const out = { non2xx, errors };
  for (const [path, values] of Object.entries(latencies)) out[path] = percentiles(values);
  // Kept for the pooled percentiles; not part of the result file.
  Object.defineProperty(out, 'latencies', { value: latencies, enumerable: false });
  return out;
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (f) => round(sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]);
  return { requests: sorted.length, p50: q(0.5), p99: q(0.99), max: q(1) };
}

/**
 * Whether the 50 ms task leaves the response p99 "the same within noise" (issue 5), judged on
 * the open loop, where both routes share every moment of the machine:
 * - pooled: the p99 over all rounds' requests of the route with the task is within the range
 *   the route without it showed round by round (no worse than a round without a task already
 *   is), and
 * - paired: the task's route did not have the higher p99 in significantly many rounds (one-sided
 *   sign test, 5%).
 */
function latencyVerdict(open) {
  const [without, withTask] = OPEN_PATHS;
  const pool = (path) => percentiles(open.flatMap((r) => r.latencies[path]));
  const pooled = { withoutTask: pool(without), with50msTask: pool(withTask) };
  const perRoundWithout = open.map((r) => r[without].p99);
  const higher = open.filter((r) => r[withTask].p99 > r[without].p99).length;
  const signTestP = binomialTail(open.length, higher);
  const withinRange = pooled.with50msTask.p99 <= Math.max(...perRoundWithout);
  return {
    pooledP99Ms: { withoutTask: pooled.withoutTask.p99, with50msTask: pooled.with50msTask.p99 },
    pooledP50Ms: { withoutTask: pooled.withoutTask.p50, with50msTask: pooled.with50msTask.p50 },
    withoutTaskP99RangeMs: { min: Math.min(...perRoundWithout), max: Math.max(...perRoundWithout) },
    roundsWithTaskHigher: higher,
    rounds: open.length,
    signTestP: round(signTestP * 1000) / 1000,
    pass: withinRange && signTestP >= 0.05,
  };
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2). */
function binomialTail(n, k) {
  let sum = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= n; i++) {
    if (i >= k) sum += c;
    c = (c * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

/** Per-round difference of CPU µs/request between two scenarios, median over the rounds. */
function medianDelta(samples, name, base) {
  const deltas = samples[name]
    .filter((s) => s.clean)
    .map((s) => {
      const b = samples[base].find((x) => x.round === s.round && x.clean);
      return b ? s.cpuUsPerRequest - b.cpuUsPerRequest : null;
    })
    .filter((v) => v !== null);
  return {
    median: round(median(deltas)),
    min: round(Math.min(...deltas)),
    max: round(Math.max(...deltas)),
  };
}

const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
const p99 = (samples, name) =>
  median(samples[name].filter((s) => s.clean).map((s) => s.latencyMs.p99));

function openLoopLines(o) {
  const v = o.verdict;
  return [
    `response p99 at ${o.rate} req/s, median of ${v.rounds} rounds: ${o.withoutTask} ms without a task, ${o.with50msTask} ms with a 50 ms task`,
    `  pooled over all rounds: p99 ${v.pooledP99Ms.withoutTask} / ${v.pooledP99Ms.with50msTask} ms, p50 ${v.pooledP50Ms.withoutTask} / ${v.pooledP50Ms.with50msTask} ms (without / with the task)`,
    `  without a task, p99 ranged ${v.withoutTaskP99RangeMs.min}–${v.withoutTaskP99RangeMs.max} ms over the rounds; the task's route was higher in ${v.roundsWithTaskHigher} of ${v.rounds} rounds (sign test p = ${v.signTestP})`,
    `${v.pass ? 'PASS' : 'FAIL'}: response p99 with a 50 ms task is the same as without one, within the noise of the run`,
  ];
}

async function run(opts) {
  warnIfBusy();
  const servers = { plain: await SERVERS.plain(), tasks: await SERVERS.tasks() };
  try {
    for (const s of Object.values(servers)) {
      process.stdout.write(`started ${s.name}: pid ${s.pid}, ${s.url}\n`);
    }
    const bound = SCENARIOS.map((s) => ({ ...s, server: servers[s.server] }));
    for (const s of bound) await verify(s, s.server);
    process.stdout.write(
      `closed loop: ${opts.load.connections} connections, ${opts.rounds} rounds × ${opts.load.duration} s per scenario, interleaved\n`,
    );
    const samples = await interleave({
      scenarios: bound,
      rounds: opts.rounds,
      warmupSeconds: opts.warmupSeconds,
      load: opts.load,
      onSample: sampleLogger(opts.rounds, { detail: (x) => `p99 ${x.latencyMs.p99} ms` }),
    });
    const afterClosedLoop = await drained(servers.tasks);

    const open = [];
    if (opts.rate > 0) {
      process.stdout.write(
        `open loop: ${opts.rate} req/s for ${opts.rateSeconds} s, POST /orders and /orders/with-task alternating request by request, ${opts.rounds} rounds\n`,
      );
      for (let r = 1; r <= opts.rounds; r++) {
        const result = await openLoop(servers.tasks, OPEN_PATHS, opts.rate, opts.rateSeconds);
        open.push(result);
        process.stdout.write(
          `round ${r}/${opts.rounds}  p99 ${result[OPEN_PATHS[0]].p99} ms without a task, ` +
            `${result[OPEN_PATHS[1]].p99} ms with a 50 ms task (p50 ${result[OPEN_PATHS[0]].p50} / ` +
            `${result[OPEN_PATHS[1]].p50} ms)` +
            (result.non2xx || result.errors
              ? `  non2xx ${result.non2xx}, errors ${result.errors}`
              : '') +
            '\n',
        );
      }
    }
    const final = await drained(servers.tasks);

    const summary = summarise(SCENARIOS, samples, BASELINE);
    process.stdout.write(
      `\nmedians over clean rounds; ratios to ${BASELINE}\n${table(summary, BASELINE)}\n`,
    );
    const figures = {
      latencyP99Ms: {
        closedLoop: {
          withoutTask: p99(samples, 'tasks-module'),
          with50msTask: p99(samples, '50ms-task'),
        },
        openLoop:
          opts.rate > 0
            ? {
                rate: opts.rate,
                withoutTask: median(open.map((r) => r[OPEN_PATHS[0]].p99)),
                with50msTask: median(open.map((r) => r[OPEN_PATHS[1]].p99)),
                verdict: latencyVerdict(open),
              }
            : null,
      },
      cpuUsPerRequestOverBaseline: {
        tasksModule: medianDelta(samples, 'tasks-module', BASELINE),
        customParam: medianDelta(samples, 'custom-param', BASELINE),
        backgroundParamNoTask: medianDelta(samples, 'background-param', BASELINE),
        tasksModuleAndNoopTask: medianDelta(samples, 'noop-task', BASELINE),
        tasksModuleAnd50msTask: medianDelta(samples, '50ms-task', BASELINE),
      },
      // The kit's own share: the same routes against one with a custom parameter that is not
      // the kit's, so Nest's parameter pipeline is on both sides.
      cpuUsPerRequestOverCustomParam: {
        backgroundParamNoTask: medianDelta(samples, 'background-param', 'custom-param'),
        noopTask: medianDelta(samples, 'noop-task', 'custom-param'),
      },
      taskRunner: { afterClosedLoop, final },
    };
    const cpu = figures.cpuUsPerRequestOverBaseline;
    const own = figures.cpuUsPerRequestOverCustomParam;
    const lat = figures.latencyP99Ms;
    process.stdout.write(
      [
        '',
        `response p99, closed loop at full load (autocannon counts whole milliseconds; informational): ${lat.closedLoop.withoutTask} ms without a task, ${lat.closedLoop.with50msTask} ms with a 50 ms task`,
        ...(lat.openLoop ? openLoopLines(lat.openLoop) : ['open loop skipped (--rate 0)']),
        `server CPU per request over ${BASELINE} (median of per-round differences, min–max):`,
        `  TasksModule, plain route:   ${cpu.tasksModule.median} µs (${cpu.tasksModule.min}–${cpu.tasksModule.max})`,
        `  @Background(), no task:     ${cpu.backgroundParamNoTask.median} µs (${cpu.backgroundParamNoTask.min}–${cpu.backgroundParamNoTask.max})`,
        `  TasksModule + no-op task:   ${cpu.tasksModuleAndNoopTask.median} µs (${cpu.tasksModuleAndNoopTask.min}–${cpu.tasksModuleAndNoopTask.max})`,
        `  TasksModule + 50 ms task:   ${cpu.tasksModuleAnd50msTask.median} µs (${cpu.tasksModuleAnd50msTask.min}–${cpu.tasksModuleAnd50msTask.max})`,
        `  a custom parameter (Nest):  ${cpu.customParam.median} µs (${cpu.customParam.min}–${cpu.customParam.max})`,
        `the kit's share, over the custom-parameter route (median of per-round differences, min–max):`,
        `  @Background(), no task:     ${own.backgroundParamNoTask.median} µs (${own.backgroundParamNoTask.min}–${own.backgroundParamNoTask.max})`,
        `  @Background() + no-op task: ${own.noopTask.median} µs (${own.noopTask.min}–${own.noopTask.max})`,
        `${cpu.tasksModuleAndNoopTask.median <= CPU_TARGET_US ? 'PASS' : 'FAIL'}: context + task machinery ≤ ${CPU_TARGET_US} µs/request (no-op task case)`,
        `tasks: ${final.completed} completed, ${final.failed} failed, ${final.refused} refused`,
      ].join('\n') + '\n',
    );
    if (final.failed > 0 || final.refused > 0) {
      throw new Error(`background tasks failed or were refused: ${JSON.stringify(final)}`);
    }
    const file = writeResult('tasks', {
      ...runMeta(opts),
      baseline: BASELINE,
      figures,
      summary,
      samples,
      open,
    });
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

async function main() {
  const opts = options();
  buildIfNeeded();
  await run(opts);
}

runMain(main);
