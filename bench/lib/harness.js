'use strict';
// What every *.bench.js does around its own servers and scenarios: option parsing, the build of
// dist/, the busy-machine warning, the per-round sample line, run metadata, the profile mode and
// the top-level error handling.
const { execFileSync, execSync } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { killAllNow } = require('./server');
const { writeResult } = require('./report');
const { clockTicksPerSecond } = require('./proc');
const { measure } = require('./measure');
const { buildRef } = require('./git-ref');
const { profileServer, summariseProfile, formatSummary, readProfile } = require('./cpu-profile');

const ROOT = join(__dirname, '..', '..');
const RESULTS = join(__dirname, '..', 'results');

/** An error whose message says it all (no stack trace printed). */
function expected(message) {
  return Object.assign(new Error(message), { expected: true });
}

/** Reads `--name` from parsed `values` as an integer in min..max, or throws naming the option. */
function intReader(values) {
  return (name, min, max) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw expected(`--${name} must be an integer in ${min}..${max}, got "${values[name]}"`);
    }
    return v;
  };
}

/**
 * Integer options `--name=N`, each given as `[default, min, max]`; every value is range-checked.
 * Returns `{ name: N }`.
 */
function intOptions(spec) {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(spec).map(([name, [fallback]]) => [
        name,
        { type: 'string', default: String(fallback) },
      ]),
    ),
  });
  const int = intReader(values);
  return Object.fromEntries(
    Object.entries(spec).map(([name, [, min, max]]) => [name, int(name, min, max)]),
  );
}

/** How a balancer drives a service (`--balancer`): many connections, each recycled. */
const BALANCER = Object.freeze({ connections: 64, reconnectRate: 1000 });
const REF_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * The options of the CPU-per-request benches (see bench/README.md): --[no-]build --rounds
 * --duration --warmup --connections --pipelining --reconnect-rate --balancer --only=a,b
 * --ref=name=<git ref> (repeatable) --profile=<scenario> --profile-duration; scenario names are
 * checked against `scenarios` and, per `--ref`, `<name>@<ref name>` for each of `refable`.
 */
function benchOptions(scenarios, { refable = [] } = {}) {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      build: { type: 'boolean', default: true },
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string' },
      pipelining: { type: 'string', default: '1' },
      'reconnect-rate': { type: 'string', default: '1000' },
      balancer: { type: 'boolean', default: false },
      ref: { type: 'string', multiple: true, default: [] },
      only: { type: 'string' },
      profile: { type: 'string' },
      'profile-duration': { type: 'string', default: '10' },
    },
  });
  const int = intReader(values);
  const refs = values.ref.map(parseRef);
  const only = values.only?.split(',').map((s) => s.trim());
  const known = [
    ...scenarios.map((s) => s.name),
    ...refs.flatMap((r) => refable.map((name) => `${name}@${r.name}`)),
  ];
  for (const name of [...(only ?? []), ...(values.profile ? [values.profile] : [])]) {
    if (!known.includes(name)) {
      throw expected(`unknown scenario "${name}"; known: ${known.join(', ')}`);
    }
  }
  if (
    values.balancer &&
    (values.connections !== undefined || values['reconnect-rate'] !== '1000')
  ) {
    throw expected('--balancer sets --connections=64 --reconnect-rate=1000; give one or the other');
  }
  values.connections ??= String(values.balancer ? BALANCER.connections : 10);
  return {
    rounds: int('rounds', 1, 20),
    load: {
      duration: int('duration', 1, 30),
      connections: int('connections', 1, 1000),
      pipelining: int('pipelining', 1, 100),
      reconnectRate: int('reconnect-rate', 0, 1_000_000),
    },
    balancer: values.balancer,
    refs,
    warmupSeconds: int('warmup', 0, 30),
    only,
    profile: values.profile,
    profileSeconds: int('profile-duration', 1, 60),
    build: values.build,
  };
}

/** `--ref=name=<git ref>`: another commit benched alongside (see lib/git-ref.js). */
function parseRef(spec) {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, Math.max(eq, 0));
  if (eq < 1 || eq === spec.length - 1 || !REF_NAME.test(name)) {
    throw expected(`--ref must be name=<git ref> with name matching ${REF_NAME}, got "${spec}"`);
  }
  return { name, ref: spec.slice(eq + 1) };
}

/**
 * Builds each `--ref` (cached) and returns the scenarios with one copy of each `refable`
 * scenario per ref: named `<name>@<ref name>`, on server `<server>@<ref name>`, whose factory
 * `serverFor(baseServer, root)` starts the server from that commit's checkout `root`.
 */
function withRefScenarios(scenarios, opts, refable, serverFor, servers) {
  const out = [...scenarios];
  for (const spec of opts.refs) {
    const ref = buildRef(ROOT, `${spec.name}=${spec.ref}`, expected);
    for (const base of scenarios.filter((s) => refable.includes(s.name))) {
      const server = `${base.server}@${ref.name}`;
      servers[server] ??= serverFor(base.server, ref.root, server);
      out.push({
        ...base,
        name: `${base.name}@${ref.name}`,
        label: `${base.label}; built from ${ref.ref} (${ref.sha.slice(0, 7)})`,
        server,
        ref: { name: ref.name, ref: ref.ref, sha: ref.sha },
        judged: false,
      });
    }
  }
  return out;
}

/** The scenarios `--only` names, plus the baseline; all of them without `--only`. */
function selectScenarios(scenarios, opts, baseline) {
  return opts.only
    ? scenarios.filter((s) => s.name === baseline || opts.only.includes(s.name))
    : scenarios;
}

/**
 * The servers run from dist/: rebuild it when a source is newer (`--no-build` skips), with
 * `node` (default: this one).
 */
function buildIfNeeded({ node = process.execPath, timeout } = {}) {
  try {
    execFileSync(node, [join(ROOT, 'scripts', 'build-if-needed.js')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout,
    });
  } catch {
    throw expected(
      'the build failed (output above); fix it, or bench the current dist/ with --no-build',
    );
  }
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

const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

/** The closed-loop plan, one line. */
function describeLoad(opts, plannedSeconds) {
  return (
    (opts.balancer ? 'balancer mode: ' : '') +
    `load: ${opts.load.connections} connections, pipelining ${opts.load.pipelining}, ` +
    `reconnect every ${opts.load.reconnectRate || '∞'} requests, ` +
    `${opts.rounds} rounds × ${opts.load.duration} s per scenario after ${opts.warmupSeconds} s warmup (~${plannedSeconds} s)\n`
  );
}

/**
 * An `onSample` for `interleave` printing one line per scenario and round; `detail(x)` is what
 * follows the CPU figure (default: the server's CPU share).
 */
function sampleLogger(
  rounds,
  {
    nameWidth = 16,
    cpuWidth = 7,
    detail = (x) => `server ${Math.round(x.serverCpuShare * 100)}% CPU`,
  } = {},
) {
  return (s, x) =>
    process.stdout.write(
      `round ${x.round}/${rounds}  ${s.name.padEnd(nameWidth)} ${String(x.rps).padStart(6)} req/s  ` +
        `${String(x.cpuUsPerRequest).padStart(cpuWidth)} µs CPU/req  ${detail(x)}` +
        (x.clean
          ? ''
          : `  NOT CLEAN (non2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts})`) +
        '\n',
    );
}

/** Machine, Node and commit of a run, with its options: the head of every result file. */
function runMeta(opts) {
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
    loadAverageAtEnd: loadAverage(),
    commit,
    uncommittedChangesInSrcOrLibs: dirty,
    options: opts,
  };
}

/**
 * `--profile`: warms `server` up on `request`, records a CPU profile of it under load for
 * `opts.profileSeconds` (the server was started with the profiler preloaded), prints its summary
 * and writes it next to the result files, headed by `meta()` taken at the end.
 */
async function profileScenario({ name, server, request, opts, meta }) {
  if (opts.warmupSeconds > 0) {
    await measure(server, request, { ...opts.load, duration: opts.warmupSeconds });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}-${stamp}.cpuprofile`);
  const sample = await profileServer(
    server,
    request,
    { ...opts.load, duration: opts.profileSeconds },
    file,
  );
  process.stdout.write(
    `${name} under profile: ${sample.rps} req/s, ${sample.cpuUsPerRequest} µs CPU/req ` +
      `(the profiler adds overhead)\n\n`,
  );
  const summary = summariseProfile(readProfile(file));
  process.stdout.write(`${formatSummary(summary)}\n\nprofile: ${file}\n`);
  writeResult(`profile-${name}`, { ...meta(), scenario: name, sample, summary });
}

/** The issuer and audience of the harness-minted tokens the auth anchors verify. */
const BENCH_JWT = Object.freeze({ issuer: 'kit-bench', audience: 'kit-bench-api' });

/** The environment an auth anchor (bench/servers/auth-anchor-env.js) reads its JWT settings from. */
function anchorJwtEnv(secret) {
  return {
    BENCH_JWT_SECRET: secret,
    BENCH_JWT_ISSUER: BENCH_JWT.issuer,
    BENCH_JWT_AUDIENCE: BENCH_JWT.audience,
  };
}

/** Runs `main`; on failure prints why (the message alone for expected errors), kills every server. */
function runMain(main) {
  main().catch((err) => {
    const known = err.expected || String(err.code).startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`bench failed: ${known ? err.message : (err.stack ?? err)}\n`);
    killAllNow();
    process.exitCode = 1;
  });
}

module.exports = {
  BENCH_JWT,
  ROOT,
  anchorJwtEnv,
  benchOptions,
  buildIfNeeded,
  describeLoad,
  expected,
  intOptions,
  loadAverage,
  profileScenario,
  runMain,
  runMeta,
  sampleLogger,
  selectScenarios,
  warnIfBusy,
  withRefScenarios,
};
