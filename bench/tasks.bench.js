'use strict';
// `node bench/tasks.bench.js`: what @kit/tasks costs a request, in one interleaved run.
//
// 1. Response latency: POST /orders with a 50 ms background task vs the same route without one,
//    on the same server (closed loop at full load, and open loop at a fixed request rate).
// 2. Per-request server CPU of the request context + task machinery: the same app with and
//    without TasksModule (RequestScopeInterceptor on every request), and with a no-op task
//    added per request; µs from /proc/<pid>/stat.
// The servers are bench/servers/tasks-app.js on the libs built in dist/.
const { execFileSync, execSync } = require('node:child_process');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');
const { startServer, killAllNow } = require('./lib/server');
const { interleave } = require('./lib/interleave');
const { median, summarise, table, writeResult } = require('./lib/report');
const { clockTicksPerSecond } = require('./lib/proc');

const ROOT = join(__dirname, '..');
const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const BASELINE = 'no-tasks-module';
const CPU_TARGET_US = 5; // issue 5: context + task machinery ≤ 5 µs of server CPU per request
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
    label: 'with TasksModule (RequestScopeInterceptor): POST /orders, no task',
    server: 'tasks',
    request: post('/orders'),
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
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '7' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      'reconnect-rate': { type: 'string', default: '1000' },
      rate: { type: 'string', default: '2000' },
      'rate-duration': { type: 'string', default: '5' },
    },
  });
  const int = (name, min, max) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`--${name} must be an integer in ${min}..${max}, got "${values[name]}"`);
    }
    return v;
  };
  return {
    rounds: int('rounds', 1, 50),
    warmupSeconds: int('warmup', 0, 30),
    load: {
      duration: int('duration', 1, 30),
      connections: int('connections', 1, 1000),
      pipelining: 1,
      reconnectRate: int('reconnect-rate', 0, 1_000_000),
    },
    rate: int('rate', 0, 100_000),
    rateSeconds: int('rate-duration', 1, 60),
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

/** Open loop: `rate` requests/s for `seconds`, latency as the client sees it. */
async function fixedRate(server, request, rate, seconds) {
  const result = await autocannon({
    url: server.url + request.path,
    method: request.method,
    headers: request.headers,
    body: request.body,
    connections: 50,
    overallRate: rate,
    duration: seconds,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  };
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

function meta(opts) {
  let commit = null;
  try {
    commit = execSync('git rev-parse HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    clkTck: clockTicksPerSecond(),
    loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    commit,
    options: opts,
  };
}

async function run(opts) {
  const [load1] = os.loadavg();
  if (load1 > os.cpus().length / 2) {
    process.stdout.write(`warning: load average ${load1.toFixed(2)}; figures will be noisy\n`);
  }
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
      onSample: (s, x) =>
        process.stdout.write(
          `round ${x.round}/${opts.rounds}  ${s.name.padEnd(16)} ${String(x.rps).padStart(6)} req/s  ` +
            `${String(x.cpuUsPerRequest).padStart(7)} µs CPU/req  p99 ${x.latencyMs.p99} ms` +
            (x.clean ? '' : `  NOT CLEAN (non2xx ${x.non2xx}, errors ${x.errors})`) +
            '\n',
        ),
    });
    const afterClosedLoop = await drained(servers.tasks);

    const open = {};
    if (opts.rate > 0) {
      process.stdout.write(
        `open loop: ${opts.rate} req/s for ${opts.rateSeconds} s, alternating\n`,
      );
      for (const name of ['tasks-module', '50ms-task', 'tasks-module', '50ms-task']) {
        const scenario = bound.find((s) => s.name === name);
        const r = await fixedRate(scenario.server, scenario.request, opts.rate, opts.rateSeconds);
        (open[name] ??= []).push(r);
        process.stdout.write(
          `  ${name.padEnd(16)} ${r.requests} requests, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non2xx ${r.non2xx}\n`,
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
                withoutTask: median(open['tasks-module'].map((r) => r.latencyMs.p99)),
                with50msTask: median(open['50ms-task'].map((r) => r.latencyMs.p99)),
              }
            : null,
      },
      cpuUsPerRequestOverBaseline: {
        tasksModule: medianDelta(samples, 'tasks-module', BASELINE),
        tasksModuleAndNoopTask: medianDelta(samples, 'noop-task', BASELINE),
        tasksModuleAnd50msTask: medianDelta(samples, '50ms-task', BASELINE),
      },
      taskRunner: { afterClosedLoop, final },
    };
    const cpu = figures.cpuUsPerRequestOverBaseline;
    const lat = figures.latencyP99Ms;
    process.stdout.write(
      [
        '',
        `response p99, closed loop: ${lat.closedLoop.withoutTask} ms without a task, ${lat.closedLoop.with50msTask} ms with a 50 ms task`,
        lat.openLoop
          ? `response p99 at ${lat.openLoop.rate} req/s: ${lat.openLoop.withoutTask} ms without a task, ${lat.openLoop.with50msTask} ms with a 50 ms task`
          : 'open loop skipped (--rate 0)',
        `server CPU per request over ${BASELINE} (median of per-round differences, min–max):`,
        `  TasksModule, no task:       ${cpu.tasksModule.median} µs (${cpu.tasksModule.min}–${cpu.tasksModule.max})`,
        `  TasksModule + no-op task:   ${cpu.tasksModuleAndNoopTask.median} µs (${cpu.tasksModuleAndNoopTask.min}–${cpu.tasksModuleAndNoopTask.max})`,
        `  TasksModule + 50 ms task:   ${cpu.tasksModuleAnd50msTask.median} µs (${cpu.tasksModuleAnd50msTask.min}–${cpu.tasksModuleAnd50msTask.max})`,
        `${cpu.tasksModuleAndNoopTask.median <= CPU_TARGET_US ? 'PASS' : 'FAIL'}: context + task machinery ≤ ${CPU_TARGET_US} µs/request (no-op task case)`,
        `tasks: ${final.completed} completed, ${final.failed} failed, ${final.refused} refused`,
      ].join('\n') + '\n',
    );
    if (final.failed > 0 || final.refused > 0) {
      throw new Error(`background tasks failed or were refused: ${JSON.stringify(final)}`);
    }
    const file = writeResult('tasks', {
      ...meta(opts),
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
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  await run(opts);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  killAllNow();
  process.exit(1);
});
