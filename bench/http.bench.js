'use strict';
// `npm run bench`: bare Fastify vs bare Nest+Fastify vs the reference service with the full
// @kit/http stack, interleaved over several rounds; see bench/README.md.
const { randomBytes } = require('node:crypto');
const { isDeepStrictEqual } = require('node:util');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { startServer } = require('./lib/server');
const { interleave } = require('./lib/interleave');
const {
  cpuOver,
  formatRefComparison,
  refComparison,
  summarise,
  table,
  writeResult,
} = require('./lib/report');
const { PRELOAD } = require('./lib/cpu-profile');
const {
  ROOT,
  anchorJwtEnv,
  benchOptions,
  buildIfNeeded,
  describeLoad,
  expected,
  loadAverage,
  profileScenario,
  runMain,
  runMeta,
  sampleLogger,
  selectScenarios,
  warnIfBusy,
  withRefScenarios,
} = require('./lib/harness');

const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const TARGET = 1.15; // issue 2: full @kit/http stack ≤ 1.15× bare Nest+Fastify CPU per request
const BASELINE = 'nest-fastify';
const GUARDED = 'nest-guard';
const LIVE = { path: '/health/live' };
const OK_BODY = { status: 'ok' };
const KIT_HEADERS = ['x-request-id', 'x-process-time-ms', 'server-timing'];
/** The scenarios `--ref` adds from another commit: the reference service's. */
const REFABLE = ['kit-info', 'kit-warn'];

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
  [GUARDED]: (nodeArgs) =>
    startServer({
      name: GUARDED,
      args: [...nodeArgs, join(__dirname, 'servers', 'nest-guard-floor.js')],
      env: { NODE_OPTIONS: undefined, ...anchorJwtEnv(randomBytes(36).toString('base64url')) },
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
  'glue-info': (nodeArgs) => startGlueStack('info', nodeArgs),
  'glue-warn': (nodeArgs) => startGlueStack('warn', nodeArgs),
  'kit-info': (nodeArgs) => startReferenceService('info', nodeArgs),
  'kit-warn': (nodeArgs) => startReferenceService('warn', nodeArgs),
};

/** What is measured; later benchmarks add entries (another server, path or headers). */
const SCENARIOS = [
  { name: 'fastify', label: 'bare Fastify 5', server: 'fastify', request: LIVE },
  { name: 'nest-fastify', label: 'bare Nest 12 + Fastify', server: 'nest-fastify', request: LIVE },
  {
    // Diagnostic, no target; see bench/README.md.
    name: GUARDED,
    label: 'bare Nest 12 + Fastify + one sync global guard, public route',
    server: GUARDED,
    request: LIVE,
  },
  {
    // Anchor, no target: what users glue together instead of the kit; see bench/README.md.
    name: 'glue-info',
    label:
      'glue stack (Nest + nestjs-pino + nestjs-cls + passport-jwt + ValidationPipe), public route, LOG_LEVEL=info',
    server: 'glue-info',
    request: LIVE,
  },
  {
    name: 'glue-warn',
    label: 'the same glue stack at LOG_LEVEL=warn',
    server: 'glue-warn',
    request: LIVE,
  },
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

/** The glue-stack anchor (servers/glue-stack.js) at `level`, stdout piped and discarded. */
function startGlueStack(level, nodeArgs) {
  return startServer({
    name: `glue-${level}`,
    args: [...nodeArgs, join(__dirname, 'servers', 'glue-stack.js')],
    env: {
      LOG_LEVEL: level,
      NODE_OPTIONS: undefined,
      ...anchorJwtEnv(randomBytes(36).toString('base64url')),
    },
    portPattern: LISTENING,
    ipc: nodeArgs.length > 0,
  });
}

/**
 * `node dist/src/main.js` on port 0 with a fresh DATA_DIR (SQLite) and none of the optional
 * services. At info the port comes from pino's "Server listening at" line; at warn that line is
 * not logged, so it is read from /proc.
 */
async function startReferenceService(level, nodeArgs, root = ROOT, name = `kit-${level}`) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kit-bench-'));
  return startServer({
    name,
    args: [...nodeArgs, join(root, 'dist', 'src', 'main.js')],
    cwd: root,
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

/** A `--ref` copy of `kit-info` / `kit-warn`: the same service built from another commit. */
const refServer = (base, root, name) => (nodeArgs) =>
  startReferenceService(base === 'kit-info' ? 'info' : 'warn', nodeArgs, root, name);

async function runBench(opts) {
  warnIfBusy();
  const all = withRefScenarios(SCENARIOS, opts, REFABLE, refServer, SERVERS);
  const scenarios = selectScenarios(all, opts, BASELINE);
  const loadBefore = loadAverage();
  const servers = await startAll(scenarios);
  try {
    const bound = scenarios.map((s) => ({ ...s, server: servers[s.server] }));
    for (const s of bound) await verify(s, s.server);
    const planned = scenarios.length * (opts.warmupSeconds + opts.rounds * opts.load.duration);
    process.stdout.write(describeLoad(opts, planned));
    const samples = await interleave({
      scenarios: bound,
      rounds: opts.rounds,
      warmupSeconds: opts.warmupSeconds,
      load: opts.load,
      onSample: sampleLogger(opts.rounds, { nameWidth: 13, cpuWidth: 6 }),
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
    const refs = refComparison(scenarios, samples);
    process.stdout.write(formatRefComparison(refs));
    const overGuarded = cpuOver(summary, 'kit-warn', GUARDED);
    if (overGuarded !== null) {
      process.stdout.write(
        `${GUARDED} (Nest with a global guard, no kit) is ` +
          `${summary.find((r) => r.name === GUARDED).cpuRatio}× ${BASELINE}; ` +
          `kit-warn costs ${overGuarded.toFixed(3)}× it\n`,
      );
    }
    const file = writeResult('http', {
      ...runMeta(opts),
      loadAverageAtStart: loadBefore,
      baseline: BASELINE,
      summary,
      refs,
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
    await profileScenario({
      name: scenario.name,
      server,
      request: scenario.request,
      opts,
      meta: () => runMeta(opts),
    });
  } finally {
    await stopAll(servers);
  }
}

async function main() {
  const opts = benchOptions(SCENARIOS, { refable: REFABLE });
  if (opts.build) buildIfNeeded();
  if (opts.profile) await runProfile(opts);
  else await runBench(opts);
}

runMain(main);
