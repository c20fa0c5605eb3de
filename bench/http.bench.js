'use strict';
// `npm run bench`: bare Fastify vs bare Nest+Fastify vs the reference service with the full
// @kit/http stack, interleaved over several rounds; see bench/README.md.
const { execFileSync, execSync } = require('node:child_process');
const { isDeepStrictEqual, parseArgs } = require('node:util');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { startServer, killAllNow } = require('./lib/server');
const { interleave } = require('./lib/interleave');
const { summarise, table, writeResult } = require('./lib/report');
const { clockTicksPerSecond } = require('./lib/proc');
const { measure } = require('./lib/measure');
const {
  PRELOAD,
  profileServer,
  summariseProfile,
  formatSummary,
  readProfile,
} = require('./lib/cpu-profile');

const ROOT = join(__dirname, '..');
const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const TARGET = 1.15; // issue 2: full @kit/http stack ≤ 1.15× bare Nest+Fastify CPU per request
const BASELINE = 'nest-fastify';
const LIVE = { path: '/health/live' };
const OK_BODY = { status: 'ok' };
const KIT_HEADERS = ['x-request-id', 'x-process-time-ms', 'server-timing'];

/** An error whose message says it all (no stack trace printed). */
function expected(message) {
  return Object.assign(new Error(message), { expected: true });
}

/** Server factories by name; `nodeArgs` lets the profiler preload itself. */
const SERVERS = {
  fastify: (nodeArgs) =>
    startServer({
      name: 'fastify',
      args: [...nodeArgs, join(__dirname, 'servers', 'fastify-bare.js')],
      portPattern: LISTENING,
      ipc: nodeArgs.length > 0,
    }),
  'nest-fastify': (nodeArgs) =>
    startServer({
      name: 'nest-fastify',
      args: [...nodeArgs, join(__dirname, 'servers', 'nest-fastify-bare.js')],
      portPattern: LISTENING,
      ipc: nodeArgs.length > 0,
    }),
  'kit-http-warn': (nodeArgs) =>
    startServer({
      name: 'kit-http-warn',
      args: [...nodeArgs, join(__dirname, 'servers', 'kit-http-bare.js')],
      env: { LOG_LEVEL: 'warn', NODE_OPTIONS: undefined },
      portPattern: LISTENING,
      ipc: nodeArgs.length > 0,
    }),
  'kit-info': (nodeArgs) => startReferenceService('info', nodeArgs),
  'kit-warn': (nodeArgs) => startReferenceService('warn', nodeArgs),
};

/** What is measured; later benchmarks add entries (another server, path or headers). */
const SCENARIOS = [
  { name: 'fastify', label: 'bare Fastify 5', server: 'fastify', request: LIVE },
  { name: 'nest-fastify', label: 'bare Nest 12 + Fastify', server: 'nest-fastify', request: LIVE },
  {
    name: 'kit-http-warn',
    label: '@kit/http alone: createHttpApp + HttpKitModule + one controller, LOG_LEVEL=warn',
    server: 'kit-http-warn',
    request: LIVE,
    expectHeaders: KIT_HEADERS,
    target: TARGET,
  },
  {
    name: 'kit-info',
    label: 'reference service, full @kit/http, LOG_LEVEL=info (stdout piped)',
    server: 'kit-info',
    request: LIVE,
    expectHeaders: KIT_HEADERS,
    target: TARGET,
  },
  {
    name: 'kit-warn',
    label: 'reference service, full @kit/http, LOG_LEVEL=warn',
    server: 'kit-warn',
    request: LIVE,
    expectHeaders: KIT_HEADERS,
    target: TARGET,
  },
];

/**
 * `node dist/src/main.js` on port 0 with a fresh DATA_DIR (SQLite) and none of the optional
 * services. At info the port comes from pino's "Server listening at" line; at warn that line is
 * not logged, so it is read from /proc.
 */
async function startReferenceService(level, nodeArgs) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kit-bench-'));
  return startServer({
    name: `kit-${level}`,
    args: [...nodeArgs, join(ROOT, 'dist', 'src', 'main.js')],
    cwd: ROOT,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: level,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      CORS_ORIGINS: undefined,
      JWT_SECRET: undefined,
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      NODE_OPTIONS: undefined,
    },
    portPattern: level === 'info' ? LISTENING : undefined,
    ipc: nodeArgs.length > 0,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  });
}

function options() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      build: { type: 'boolean', default: true },
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      pipelining: { type: 'string', default: '1' },
      'reconnect-rate': { type: 'string', default: '1000' },
      only: { type: 'string' },
      profile: { type: 'string' },
      'profile-duration': { type: 'string', default: '10' },
    },
  });
  const int = (name, min, max) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw expected(`--${name} must be an integer in ${min}..${max}, got "${values[name]}"`);
    }
    return v;
  };
  const only = values.only?.split(',').map((s) => s.trim());
  for (const name of [...(only ?? []), ...(values.profile ? [values.profile] : [])]) {
    if (!SCENARIOS.some((s) => s.name === name)) {
      throw expected(
        `unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
      );
    }
  }
  return {
    rounds: int('rounds', 1, 20),
    load: {
      duration: int('duration', 1, 30),
      connections: int('connections', 1, 1000),
      pipelining: int('pipelining', 1, 100),
      reconnectRate: int('reconnect-rate', 0, 1_000_000),
    },
    warmupSeconds: int('warmup', 0, 30),
    only,
    profile: values.profile,
    profileSeconds: int('profile-duration', 1, 60),
    build: values.build,
  };
}

/** The reference service runs from dist/: rebuild it when a source is newer (`--no-build` skips). */
function buildIfNeeded() {
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch {
    throw expected(
      'the build failed (output above); fix it, or bench the current dist/ with --no-build',
    );
  }
}

/** One real request: the scenario answers 200 {status:'ok'} (and the kit's headers) before load. */
async function verify(scenario, server) {
  const res = await fetch(server.url + scenario.request.path, {
    headers: scenario.request.headers,
    signal: AbortSignal.timeout(5_000),
  });
  const body = await res.json();
  if (res.status !== 200 || !isDeepStrictEqual(body, OK_BODY)) {
    throw expected(
      `${scenario.name}: expected 200 ${JSON.stringify(OK_BODY)}, got ${res.status} ${JSON.stringify(body)}`,
    );
  }
  for (const header of scenario.expectHeaders ?? []) {
    if (!res.headers.has(header)) throw expected(`${scenario.name}: response lacks ${header}`);
  }
}

async function startAll(scenarios, nodeArgs = []) {
  const servers = {};
  for (const scenario of scenarios) {
    if (servers[scenario.server]) continue;
    servers[scenario.server] = await SERVERS[scenario.server](nodeArgs);
    const s = servers[scenario.server];
    process.stdout.write(`started ${scenario.server}: pid ${s.pid}, ${s.url}\n`);
  }
  return servers;
}

async function stopAll(servers) {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
}

function meta(opts) {
  let commit = null;
  let dirty = null;
  try {
    commit = execSync('git rev-parse HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execSync('git status --porcelain -- src libs', { cwd: ROOT, encoding: 'utf8' }) !== '';
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
    uncommittedChangesInSrcOrLibs: dirty,
    options: opts,
  };
}

/** Other work on the machine skews every figure; say so up front instead of hiding it. */
function warnIfBusy() {
  const [load1] = os.loadavg();
  const cpus = os.cpus().length;
  if (load1 > cpus / 2) {
    process.stdout.write(
      `warning: 1-minute load average is ${load1.toFixed(2)} on ${cpus} CPUs; other work will ` +
        `skew the figures (the per-round ratios suffer least)\n`,
    );
  }
}

async function runBench(opts) {
  warnIfBusy();
  const scenarios = opts.only
    ? SCENARIOS.filter((s) => s.name === BASELINE || opts.only.includes(s.name))
    : SCENARIOS;
  const loadBefore = os.loadavg().map((v) => Math.round(v * 100) / 100);
  const servers = await startAll(scenarios);
  try {
    const bound = scenarios.map((s) => ({ ...s, server: servers[s.server] }));
    for (const s of bound) await verify(s, s.server);
    const planned = scenarios.length * (opts.warmupSeconds + opts.rounds * opts.load.duration);
    process.stdout.write(
      `load: ${opts.load.connections} connections, pipelining ${opts.load.pipelining}, ` +
        `reconnect every ${opts.load.reconnectRate || '∞'} requests, ` +
        `${opts.rounds} rounds × ${opts.load.duration} s per scenario after ${opts.warmupSeconds} s warmup (~${planned} s)\n`,
    );
    const samples = await interleave({
      scenarios: bound,
      rounds: opts.rounds,
      warmupSeconds: opts.warmupSeconds,
      load: opts.load,
      onSample: (s, x) =>
        process.stdout.write(
          `round ${x.round}/${opts.rounds}  ${s.name.padEnd(13)} ${String(x.rps).padStart(6)} req/s  ` +
            `${String(x.cpuUsPerRequest).padStart(6)} µs CPU/req  server ${Math.round(x.serverCpuShare * 100)}% CPU` +
            (x.clean
              ? ''
              : `  NOT CLEAN (non2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts})`) +
            '\n',
        ),
    });
    const summary = summarise(scenarios, samples, BASELINE);
    process.stdout.write(
      `\nmedians over clean rounds; ratios to ${BASELINE}\n${table(summary, BASELINE)}\n\n`,
    );
    for (const row of summary.filter((r) => r.target !== null)) {
      process.stdout.write(
        `${row.verdict}: ${row.name} CPU/request is ${row.cpuRatio}× ${BASELINE} (target ≤ ${row.target}×)\n`,
      );
    }
    const file = writeResult('http', {
      ...meta(opts),
      loadAverageAtStart: loadBefore,
      baseline: BASELINE,
      summary,
      samples,
    });
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    await stopAll(servers);
  }
}

async function runProfile(opts) {
  const scenario = SCENARIOS.find((s) => s.name === opts.profile);
  const servers = await startAll([scenario], ['-r', PRELOAD]);
  try {
    const server = servers[scenario.server];
    await verify(scenario, server);
    if (opts.warmupSeconds > 0) {
      await measure(server, scenario.request, { ...opts.load, duration: opts.warmupSeconds });
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(__dirname, 'results', `${scenario.name}-${stamp}.cpuprofile`);
    require('node:fs').mkdirSync(join(__dirname, 'results'), { recursive: true });
    const sample = await profileServer(
      server,
      scenario.request,
      { ...opts.load, duration: opts.profileSeconds },
      file,
    );
    process.stdout.write(
      `${scenario.name} under profile: ${sample.rps} req/s, ${sample.cpuUsPerRequest} µs CPU/req ` +
        `(the profiler adds overhead)\n\n`,
    );
    const summary = summariseProfile(readProfile(file));
    process.stdout.write(`${formatSummary(summary)}\n\nprofile: ${file}\n`);
    writeResult(`profile-${scenario.name}`, {
      ...meta(opts),
      scenario: scenario.name,
      sample,
      summary,
    });
  } finally {
    await stopAll(servers);
  }
}

async function main() {
  const opts = options();
  if (opts.build) buildIfNeeded();
  if (opts.profile) await runProfile(opts);
  else await runBench(opts);
}

main().catch((err) => {
  const known = err.expected || String(err.code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`bench failed: ${known ? err.message : (err.stack ?? err)}\n`);
  killAllNow();
  process.exitCode = 1;
});
