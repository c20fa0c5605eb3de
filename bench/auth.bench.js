'use strict';
// `npm run bench:auth` (`node bench/auth.bench.js`): what a bearer-token request costs through
// the kit, against the JWT stacks people would otherwise run, interleaved in one run.
//
//   nest-fastify     bare Nest 12 + Fastify, unguarded GET /health/live (the baseline)
//   nest-jwt         a Nest guard calling JwtService.verifyAsync (@nestjs/jwt → jsonwebtoken)
//   passport-jwt     @nestjs/passport + passport-jwt: AuthGuard('jwt') with a JwtStrategy
//   fastify-jwt      bare Fastify 5 + @fastify/jwt: request.jwtVerify()
//   nest-guard-floor Nest's own floor for this route shape, no target (servers/nest-guard-floor.js)
//   glue-whoami-*    the glue stack users assemble instead of the kit (servers/glue-stack.js):
//                    nestjs-pino + nestjs-cls + a global passport-jwt guard + ValidationPipe
//   kit-*-warn/info  the reference service (node dist/src/main.js, JWT_SECRET set) at
//                    LOG_LEVEL=warn and info: GET /auth/whoami and GET /users/me with a real
//                    token from POST /auth/token for a user registered through POST /users;
//                    kit-live-warn (public GET /health/live, no token) is the service's floor
//
// The anchors sign nothing: the harness mints one HS256 token (node:crypto) with the same secret,
// issuer and audience the anchors verify (HS256 only, iss, aud and exp checked), and checks that
// each anchor refuses alg none, HS512, a wrong iss, a wrong aud, an expired token and a bad
// signature before any load (the kit: the same, with its at+jwt token shape). Figures are server CPU µs per request
// from /proc/<pid>/stat, 5 interleaved rounds of 3 s after a 2 s warmup (~3.4 min); the kit's
// one token is verified once and then served from its bounded verified-token cache, as a client
// reusing its access token would be. Same options as http.bench.js (see bench/README.md):
//   --rounds --duration --warmup --connections --pipelining --reconnect-rate --balancer
//   --ref=name=<git ref> --only=a,b --no-build --profile=<scenario> [--profile-duration=10]
const { execFileSync } = require('node:child_process');
const { createHmac, randomBytes, randomUUID } = require('node:crypto');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { startServer, killAllNow } = require('./lib/server');
const { interleave } = require('./lib/interleave');
const {
  cpuOver,
  formatRefComparison,
  refComparison,
  median,
  summarise,
  table,
  writeResult,
} = require('./lib/report');
const { PRELOAD } = require('./lib/cpu-profile');
const {
  BENCH_JWT,
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

const SERVERS_DIR = join(__dirname, 'servers');
const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
const BASELINE = 'nest-fastify';
const PASSPORT = 'passport-jwt';
const FLOOR = 'nest-guard-floor';
// Issue 3, "Performance": whoami ≤ 1.3× and /users/me ≤ 1.6× the unguarded Nest+Fastify route,
// whoami ≥ 3× cheaper than the passport-jwt anchor. Judged on LOG_LEVEL=warn.
const WHOAMI_TARGET = 1.3;
const USERS_ME_TARGET = 1.6;
const CHEAPER_THAN_PASSPORT = 3;
const { issuer: ISSUER, audience: AUDIENCE } = BENCH_JWT;
const SECRET = randomBytes(36).toString('base64url'); // 48 chars: ≥ 32 bytes as UTF-8
const ANCHOR_SUB = 'bench-user';
const ANCHOR_PACKAGES = [
  '@nestjs/core',
  '@nestjs/platform-fastify',
  'fastify',
  '@nestjs/jwt',
  'jsonwebtoken',
  '@nestjs/passport',
  'passport',
  'passport-jwt',
  '@fastify/jwt',
  'fast-jwt',
  'jose',
];

// ---- tokens ---------------------------------------------------------------------------------

const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A compact HS256 JWS over `claims` with `header` (node:crypto; nothing else signs here). */
function signHs256(claims, header = { alg: 'HS256', typ: 'JWT' }, secret = SECRET) {
  return signHmac(claims, header, secret, 'sha256');
}

function signHmac(claims, header, secret, hash) {
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

function claimsFor(sub, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub,
    iat: now,
    exp: now + 3600, // outlives the run
    jti: randomUUID(),
    roles: ['user'],
    ...overrides,
  };
}

/** Tokens each guarded server must refuse with 401: proof it checks alg, iss, aud, exp and the MAC. */
function refusedTokens(sub, header = { alg: 'HS256', typ: 'JWT' }) {
  const good = signHs256(claimsFor(sub), header);
  return {
    'alg none': `${part({ ...header, alg: 'none' })}.${part(claimsFor(sub))}.`,
    HS512: signHmac(claimsFor(sub), { ...header, alg: 'HS512' }, SECRET, 'sha512'),
    'wrong iss': signHs256(claimsFor(sub, { iss: 'someone-else' }), header),
    'wrong aud': signHs256(claimsFor(sub, { aud: 'someone-else' }), header),
    expired: signHs256(claimsFor(sub, { iat: 1_000_000, exp: 1_000_600 }), header),
    'bad signature': good.slice(0, good.lastIndexOf('.') + 1) + 'A'.repeat(43),
    'other secret': signHs256(claimsFor(sub), header, randomBytes(36).toString('base64url')),
  };
}

// ---- servers --------------------------------------------------------------------------------

/**
 * The Node that runs the servers: Nest 12 is ESM-only and wants Node >= 24.9. Under an older
 * `node` (e.g. the machine's), use the repo's pinned runtime (`node_modules/.bin/node`).
 */
function serverNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 24 || (major === 24 && minor >= 9)) return process.execPath;
  const pinned = join(ROOT, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(pinned)) return pinned;
  throw expected(`Node ${process.versions.node} is too old for Nest 12 and no pinned node found`);
}

function startAnchor(name, file, nodeArgs, env = {}) {
  return startServer({
    name,
    command: serverNode(),
    args: [...nodeArgs, join(SERVERS_DIR, file)],
    env: { NODE_OPTIONS: undefined, ...anchorJwtEnv(SECRET), ...env },
    portPattern: LISTENING,
    ipc: nodeArgs.length > 0,
  });
}

/** Anchors accept the one harness-minted token. */
async function anchorContext(server) {
  return {
    server,
    token: signHs256(claimsFor(ANCHOR_SUB)),
    sub: ANCHOR_SUB,
    refused: refusedTokens(ANCHOR_SUB),
  };
}

/**
 * `node dist/src/main.js` on port 0 with a fresh DATA_DIR (SQLite), JWT_SECRET/ISSUER/AUDIENCE
 * set, no Redis, PostgreSQL, CORS or admin; then one user registered and logged in.
 */
async function startReferenceService(level, nodeArgs, root = ROOT, name = `kit-${level}`) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kit-auth-bench-'));
  const server = await startServer({
    name,
    command: serverNode(),
    args: [...nodeArgs, join(root, 'dist', 'src', 'main.js')],
    cwd: root,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: level,
      JWT_SECRET: SECRET,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      CORS_ORIGINS: undefined,
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      NODE_OPTIONS: undefined,
    },
    // At info the port is in pino's "Server listening at" line; at warn it is read from /proc.
    portPattern: level === 'info' ? LISTENING : undefined,
    ipc: nodeArgs.length > 0,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  });
  try {
    return await registerAndLogIn(server, level);
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function call(server, path, init, what) {
  const res = await fetch(server.url + path, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, what };
}

/** POST /users, then POST /auth/token (grant_type=password, form-encoded): a real bearer token. */
async function registerAndLogIn(server, level) {
  const email = `bench-${level}@example.com`;
  const password = randomBytes(18).toString('base64url');
  const created = await call(server, '/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Bench' }),
  });
  if (created.status !== 201 || created.body.email !== email) {
    throw expected(
      `${server.name}: POST /users: ${created.status} ${JSON.stringify(created.body)}`,
    );
  }
  const issued = await call(server, '/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: email, password }).toString(),
  });
  if (issued.status !== 200 || typeof issued.body.access_token !== 'string') {
    throw expected(
      `${server.name}: POST /auth/token: ${issued.status} ${JSON.stringify(issued.body)}`,
    );
  }
  const sub = created.body.id;
  return {
    server,
    token: issued.body.access_token,
    sub,
    email,
    // The kit's access tokens are typ at+jwt (RFC 9068); refusals must fail on iss/aud/exp/MAC.
    refused: refusedTokens(sub, { alg: 'HS256', typ: 'at+jwt' }),
  };
}

/** Server factories by name → context `{ server, token?, sub?, email?, refused? }`. */
const SERVERS = {
  'nest-fastify': (nodeArgs) =>
    startAnchor('nest-fastify', 'nest-fastify-bare.js', nodeArgs).then((server) => ({ server })),
  'nest-jwt': (nodeArgs) =>
    startAnchor('nest-jwt', 'auth-nest-jwt.js', nodeArgs).then(anchorContext),
  'passport-jwt': (nodeArgs) =>
    startAnchor('passport-jwt', 'auth-nest-passport.js', nodeArgs).then(anchorContext),
  'fastify-jwt': (nodeArgs) =>
    startAnchor('fastify-jwt', 'auth-fastify-jwt.js', nodeArgs).then(anchorContext),
  'nest-guard-floor': (nodeArgs) =>
    startAnchor('nest-guard-floor', 'nest-guard-floor.js', nodeArgs).then(anchorContext),
  'glue-warn': (nodeArgs) =>
    startAnchor('glue-warn', 'glue-stack.js', nodeArgs, { LOG_LEVEL: 'warn' }).then(anchorContext),
  'glue-info': (nodeArgs) =>
    startAnchor('glue-info', 'glue-stack.js', nodeArgs, { LOG_LEVEL: 'info' }).then(anchorContext),
  'kit-warn': (nodeArgs) => startReferenceService('warn', nodeArgs),
  'kit-info': (nodeArgs) => startReferenceService('info', nodeArgs),
};

// ---- scenarios ------------------------------------------------------------------------------

const bearer = (path) => (ctx) => ({ path, headers: { authorization: `Bearer ${ctx.token}` } });
const claimsOf = (ctx, body) =>
  body.sub === ctx.sub && body.iss === ISSUER && body.aud === AUDIENCE && body.exp > 0;
const meOf = (ctx, body) => body.id === ctx.sub && body.email === ctx.email;

const SCENARIOS = [
  {
    name: BASELINE,
    label: 'bare Nest 12 + Fastify, unguarded GET /health/live',
    server: 'nest-fastify',
    request: () => ({ path: '/health/live' }),
    check: (_ctx, body) => isDeepStrictEqual(body, { status: 'ok' }),
  },
  {
    name: 'nest-jwt',
    label: 'Nest + Fastify, guard calling JwtService.verifyAsync (@nestjs/jwt, jsonwebtoken)',
    server: 'nest-jwt',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    name: PASSPORT,
    label: "Nest + Fastify, @nestjs/passport + passport-jwt, AuthGuard('jwt')",
    server: 'passport-jwt',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    name: 'fastify-jwt',
    label: 'bare Fastify 5 + @fastify/jwt, request.jwtVerify()',
    server: 'fastify-jwt',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    // Diagnostic, no target; see formatFloor().
    name: FLOOR,
    label:
      'Nest + Fastify, sync global guard with a verified-token Map, @Claims() param, ValidationPipe',
    server: 'nest-guard-floor',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    // Anchor, no target: what users glue together instead of the kit (servers/glue-stack.js).
    name: 'glue-whoami-warn',
    label:
      'glue stack (nestjs-pino + nestjs-cls + global passport-jwt guard + ValidationPipe), LOG_LEVEL=warn',
    server: 'glue-warn',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    name: 'glue-whoami-info',
    label: 'the same glue stack at LOG_LEVEL=info (stdout piped)',
    server: 'glue-info',
    request: bearer('/auth/whoami'),
    check: claimsOf,
  },
  {
    // Diagnostic, no target: the reference service's floor without a token (public route), so
    // the table separates what auth adds from what the rest of the stack costs.
    name: 'kit-live-warn',
    label: 'reference service GET /health/live (public, no token), LOG_LEVEL=warn',
    server: 'kit-warn',
    request: () => ({ path: '/health/live' }),
    check: (_ctx, body) => isDeepStrictEqual(body, { status: 'ok' }),
  },
  {
    name: 'kit-whoami-warn',
    label: 'reference service GET /auth/whoami, LOG_LEVEL=warn',
    server: 'kit-warn',
    request: bearer('/auth/whoami'),
    check: claimsOf,
    target: WHOAMI_TARGET,
    cheaperThanPassport: CHEAPER_THAN_PASSPORT,
    judged: true,
  },
  {
    name: 'kit-me-warn',
    label: 'reference service GET /users/me (user lookup), LOG_LEVEL=warn',
    server: 'kit-warn',
    request: bearer('/users/me'),
    check: meOf,
    target: USERS_ME_TARGET,
    judged: true,
  },
  {
    name: 'kit-whoami-info',
    label: 'reference service GET /auth/whoami, LOG_LEVEL=info (stdout piped)',
    server: 'kit-info',
    request: bearer('/auth/whoami'),
    check: claimsOf,
    target: WHOAMI_TARGET,
    cheaperThanPassport: CHEAPER_THAN_PASSPORT,
    judged: false,
  },
  {
    name: 'kit-me-info',
    label: 'reference service GET /users/me (user lookup), LOG_LEVEL=info (stdout piped)',
    server: 'kit-info',
    request: bearer('/users/me'),
    check: meOf,
    target: USERS_ME_TARGET,
    judged: false,
  },
];

/** The scenarios `--ref` adds from another commit: the reference service's. */
const REFABLE = SCENARIOS.filter((s) => s.server === 'kit-warn' || s.server === 'kit-info').map(
  (s) => s.name,
);

/** A `--ref` copy of `kit-warn` / `kit-info`: the same service built from another commit. */
const refServer = (base, root, name) => (nodeArgs) =>
  startReferenceService(base === 'kit-info' ? 'info' : 'warn', nodeArgs, root, name);

// ---- run ------------------------------------------------------------------------------------

/**
 * Starts each server the scenarios need, one at a time (started all at once, a dozen Nest
 * boots on a busy 2-core machine overran the start timeout); on any failure stops them all.
 */
async function startAll(scenarios, nodeArgs = []) {
  const names = [...new Set(scenarios.map((s) => s.server))];
  const contexts = {};
  for (const name of names) {
    try {
      contexts[name] = await SERVERS[name](nodeArgs);
    } catch (err) {
      await stopAll(contexts);
      throw err;
    }
    const { pid, url } = contexts[name].server;
    process.stdout.write(`started ${name}: pid ${pid}, ${url}\n`);
  }
  return contexts;
}

async function stopAll(contexts) {
  await Promise.all(Object.values(contexts).map((c) => c.server.stop()));
}

/** Before any load: the real token gets 200 with the right body; the refused ones get 401. */
async function verify(scenario, ctx) {
  const req = scenario.request(ctx);
  const ok = await call(ctx.server, req.path, { headers: req.headers });
  if (ok.status !== 200 || !scenario.check(ctx, ok.body)) {
    throw expected(
      `${scenario.name}: expected 200 with the right body, got ${ok.status} ` +
        JSON.stringify(ok.body),
    );
  }
  if (!req.headers) return;
  const none = await call(ctx.server, req.path, {});
  if (none.status !== 401) throw expected(`${scenario.name}: no token → ${none.status}, not 401`);
  for (const [what, token] of Object.entries(ctx.refused ?? {})) {
    const res = await call(ctx.server, req.path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 401) throw expected(`${scenario.name}: ${what} → ${res.status}, not 401`);
  }
}

/** `PASSPORT`'s CPU per request over the scenario's: median ratio and median per-round ratio. */
function passportComparison(row, samples) {
  const clean = (name) => (samples[name] ?? []).filter((s) => s.clean);
  const mine = clean(row.name);
  const theirs = clean(PASSPORT);
  const theirMedian = median(theirs.map((s) => s.cpuUsPerRequest));
  const ratio =
    theirMedian !== null && row.medianCpuUsPerRequest
      ? theirMedian / row.medianCpuUsPerRequest
      : null;
  const perRound = mine
    .map((s) => {
      const p = theirs.find((x) => x.round === s.round);
      return p ? p.cpuUsPerRequest / s.cpuUsPerRequest : null;
    })
    .filter((v) => v !== null);
  return { ratio: round2(ratio), perRound: round2(median(perRound)) };
}

function round2(v) {
  return v === null ? null : Math.round(v * 100) / 100;
}

function verdicts(scenarios, summary, samples) {
  const out = [];
  for (const scenario of scenarios.filter((s) => s.target !== undefined)) {
    const row = summary.find((r) => r.name === scenario.name);
    out.push({
      scenario: scenario.name,
      judged: scenario.judged,
      check: `CPU/request ≤ ${scenario.target}× ${BASELINE}`,
      value: row.cpuRatio,
      perRound: row.medianPerRoundCpuRatio,
      verdict: row.verdict,
    });
    if (scenario.cheaperThanPassport === undefined || !samples[PASSPORT]) continue;
    const cmp = passportComparison(row, samples);
    out.push({
      scenario: scenario.name,
      judged: scenario.judged,
      check: `${PASSPORT} CPU/request ≥ ${scenario.cheaperThanPassport}× this`,
      value: cmp.ratio,
      perRound: cmp.perRound,
      verdict:
        cmp.ratio === null
          ? 'NO DATA'
          : cmp.ratio >= scenario.cheaperThanPassport
            ? 'PASS'
            : 'FAIL',
    });
  }
  return out;
}

/**
 * What Nest itself costs for the route shape of whoami (FLOOR against the baseline), and what
 * the kit's whoami adds on top of it; null when either was not run.
 */
function floorComparison(summary) {
  const kitOverFloor = cpuOver(summary, 'kit-whoami-warn', FLOOR);
  if (kitOverFloor === null) return null;
  const floor = summary.find((r) => r.name === FLOOR);
  const kit = summary.find((r) => r.name === 'kit-whoami-warn');
  return {
    floorOverBaseline: floor.cpuRatio,
    floorOverBaselinePerRound: floor.medianPerRoundCpuRatio,
    kitOverFloor: round2(kitOverFloor),
    kitMinusFloorUs: round2(kit.medianCpuUsPerRequest - floor.medianCpuUsPerRequest),
  };
}

function formatPassport(summary) {
  const rows = summary.filter((r) => r.passportOverThis && r.name !== PASSPORT);
  if (rows.length === 0) return '';
  return (
    `${PASSPORT} CPU/request ÷ each (median, per round): ` +
    rows
      .map((r) => `${r.name} ${r.passportOverThis.ratio}×/${r.passportOverThis.perRound}×`)
      .join(', ') +
    '\n\n'
  );
}

function formatFloor(floor) {
  if (!floor) return '';
  return (
    `${FLOOR} (Nest's own floor for a guarded route with a param, no kit): ` +
    `${floor.floorOverBaseline}× ${BASELINE} (per round ${floor.floorOverBaselinePerRound}×); ` +
    `kit-whoami-warn costs ${floor.kitOverFloor}× it, +${floor.kitMinusFloorUs} µs/request\n\n`
  );
}

const verdictLine = (v) =>
  `  ${v.verdict.padEnd(4)}  ${v.scenario.padEnd(16)} ${v.check.padEnd(38)} ` +
  `${String(v.value).padStart(6)}× (per round ${v.perRound}×)`;

function formatVerdicts(list) {
  const judged = list.filter((v) => v.judged);
  const info = list.filter((v) => !v.judged);
  return [
    'targets (issue 3), judged on LOG_LEVEL=warn:',
    ...judged.map(verdictLine),
    ...(info.length
      ? ['same checks at LOG_LEVEL=info (informational):', ...info.map(verdictLine)]
      : []),
  ].join('\n');
}

function versions() {
  const out = {};
  for (const name of ANCHOR_PACKAGES) {
    try {
      out[name] = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ).version;
    } catch {
      out[name] = null;
    }
  }
  return out;
}

function meta(opts) {
  const { node, ...common } = runMeta(opts);
  return {
    ...common,
    harnessNode: node,
    serverNode: execFileSync(serverNode(), ['--version'], { encoding: 'utf8' }).trim(),
    packages: versions(),
    jwt: { alg: 'HS256', issuer: ISSUER, audience: AUDIENCE },
  };
}

/** Kills every server and exits if the run overruns its plan: the bench is always bounded. */
function watchdog(seconds) {
  const timer = setTimeout(() => {
    process.stderr.write(`bench failed: still running after ${seconds} s; servers killed\n`);
    killAllNow();
    process.exit(1);
  }, seconds * 1000);
  timer.unref();
  return () => clearTimeout(timer);
}

async function runBench(opts) {
  warnIfBusy();
  const all = withRefScenarios(SCENARIOS, opts, REFABLE, refServer, SERVERS);
  const scenarios = selectScenarios(all, opts, BASELINE);
  const planned = scenarios.length * (opts.warmupSeconds + opts.rounds * opts.load.duration);
  // Plus up to 30 s per server start (one at a time).
  const disarm = watchdog(planned + 120 + 30 * new Set(scenarios.map((s) => s.server)).size);
  const loadBefore = loadAverage();
  const contexts = await startAll(scenarios);
  try {
    for (const s of scenarios) await verify(s, contexts[s.server]);
    const bound = scenarios.map((s) => {
      const ctx = contexts[s.server];
      return { ...s, server: ctx.server, request: s.request(ctx) };
    });
    process.stdout.write(
      `verified: every scenario answers 200 with the right body; every guarded one refuses no ` +
        `token, alg none, HS512, wrong iss, wrong aud, expired, bad signature and another ` +
        `secret with 401\n` +
        describeLoad(opts, planned),
    );
    const samples = await interleave({
      scenarios: bound,
      rounds: opts.rounds,
      warmupSeconds: opts.warmupSeconds,
      load: opts.load,
      onSample: sampleLogger(opts.rounds),
    });
    const summary = summarise(scenarios, samples, BASELINE);
    for (const row of summary) {
      if (samples[PASSPORT]) row.passportOverThis = passportComparison(row, samples);
    }
    const refs = refComparison(scenarios, samples);
    process.stdout.write(formatRefComparison(refs));
    const checks = verdicts(scenarios, summary, samples);
    const floor = floorComparison(summary);
    process.stdout.write(
      `\nmedians over clean rounds; ratios to ${BASELINE}\n${table(summary, BASELINE)}\n\n` +
        formatPassport(summary) +
        formatFloor(floor) +
        `${formatVerdicts(checks)}\n`,
    );
    const file = writeResult('auth', {
      ...meta(opts),
      loadAverageAtStart: loadBefore,
      baseline: BASELINE,
      summary,
      checks,
      floor,
      refs,
      samples,
    });
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    await stopAll(contexts);
    disarm();
  }
}

async function runProfile(opts) {
  const scenario = SCENARIOS.find((s) => s.name === opts.profile);
  const disarm = watchdog(opts.warmupSeconds + opts.profileSeconds + 150);
  const contexts = await startAll([scenario], ['-r', PRELOAD]);
  try {
    const ctx = contexts[scenario.server];
    await verify(scenario, ctx);
    await profileScenario({
      name: scenario.name,
      server: ctx.server,
      request: scenario.request(ctx),
      opts,
      meta: () => meta(opts),
    });
  } finally {
    await stopAll(contexts);
    disarm();
  }
}

async function main() {
  const opts = benchOptions(SCENARIOS, { refable: REFABLE });
  if (opts.build) buildIfNeeded({ node: serverNode(), timeout: 300_000 });
  if (opts.profile) await runProfile(opts);
  else await runBench(opts);
}

runMain(main);
