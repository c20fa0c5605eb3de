'use strict';
// `npm run bench:faults`: replays the outage, crash and shutdown scenarios of issue 14 against the
// built reference service (dist/src/main.js on the pinned Node) with a redis-server and a
// throwaway PostgreSQL cluster of its own (SQLite when PostgreSQL cannot be started), all on
// 127.0.0.1. Per scenario it prints acknowledged (2xx) vs stored (DB) vs processed (jobs done)
// batches, the status counts and the time to recover. Bounded: each scenario runs its load for
// --load-seconds (12) and waits at most --drain-seconds (40) for the backlog.
const { spawn, execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { chownSync, existsSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { ROOT, buildIfNeeded, intOptions, runMain } = require('./lib/harness');

const HOST = '127.0.0.1';
const ADMIN = { email: 'faults@example.com', password: 'Faults-Bench-Pa55word' };
const PG_BIN = '/usr/lib/postgresql/15/bin';
const children = new Set();
const tempDirs = [];

/** Every child still running is killed, every temp dir removed, however the bench ends. */
function cleanupNow() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.once('exit', cleanupNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanupNow();
    process.exit(130);
  });
}

function tempDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `kit-faults-${label}-`));
  tempDirs.push(dir);
  return dir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child process with its output kept (last 8 KB) and its exit awaitable. */
function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-8192));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => output };
}

async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(probe, ms, what, everyMs = 100) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(everyMs);
  }
}

// ---- Redis of its own: append-only file in a temp dir, so a stop loses no job ----

async function startRedis(port, dir) {
  const redis = start('redis-server', [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
  ]);
  await until(
    async () => redis.output().includes('Ready to accept connections'),
    10_000,
    'redis-server ready',
  );
  return redis;
}

async function stopGracefully(proc, signal, ms) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await within(proc.exited, ms, `${signal} of pid ${proc.child.pid}`).catch(() => {
    proc.child.kill('SIGKILL');
    return proc.exited;
  });
}

// ---- the database: a throwaway PostgreSQL cluster, or SQLite ----

async function startPostgres() {
  if (!existsSync(join(PG_BIN, 'initdb')) || process.getuid?.() !== 0) {
    return { why: `needs root and ${PG_BIN}` };
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  const dir = tempDir('pg');
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres'], {
    uid,
    gid,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, LANG: 'C' },
  });
  const port = await freePort();
  // fsync off: the scenarios crash the service, never the database.
  const pg = start(
    join(PG_BIN, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'fsync=off',
    ],
    { uid, gid },
  );
  const url = `postgres://postgres@${HOST}:${port}/postgres`;
  const { Client } = require('pg');
  await until(
    async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.end();
      return true;
    },
    20_000,
    'PostgreSQL ready',
    200,
  );
  return {
    url,
    async counts(type) {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        return counted((await c.query(COUNT_SQL.replace('?', '$1'), [type])).rows[0]);
      } finally {
        await c.end();
      }
    },
    stop: () => stopGracefully(pg, 'SIGINT', 10_000),
  };
}

const COUNT_SQL =
  "SELECT count(DISTINCT batch_id) AS stored, count(DISTINCT CASE WHEN status = 'processed' THEN batch_id END) AS processed FROM events WHERE type = ?";

function counted(row) {
  return { stored: Number(row?.stored ?? 0), processed: Number(row?.processed ?? 0) };
}

function sqliteDatabase() {
  const file = join(tempDir('sqlite'), 'app.db');
  return {
    url: `sqlite:${file}`,
    counts(type) {
      const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return Promise.resolve(counted(db.prepare(COUNT_SQL).get(type)));
      } finally {
        db.close();
      }
    },
    stop: () => Promise.resolve(),
  };
}

// ---- the service ----

class Service {
  constructor(env) {
    this.env = env;
    this.url = `http://${HOST}:${env.PORT}`;
  }

  async start() {
    this.proc = start(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...this.env },
    });
    await until(
      async () => {
        if (this.proc.child.exitCode !== null)
          throw new Error(`service exited:\n${this.proc.output()}`);
        return (await fetch(`${this.url}/health/ready`)).status === 200;
      },
      30_000,
      'service ready',
    );
  }

  kill() {
    this.proc.child.kill('SIGKILL');
    return this.proc.exited;
  }

  /** SIGTERM; resolves with the exit and how long it took. */
  async terminate() {
    const started = performance.now();
    this.proc.child.kill('SIGTERM');
    const exit = await within(this.proc.exited, 30_000, 'SIGTERM exit');
    return { ...exit, ms: Math.round(performance.now() - started) };
  }

  stop() {
    return this.proc ? stopGracefully(this.proc, 'SIGTERM', 15_000) : Promise.resolve();
  }
}

async function apiKey(url) {
  const token = await fetch(`${url}/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      username: ADMIN.email,
      password: ADMIN.password,
    }),
  }).then((r) => r.json());
  const res = await fetch(`${url}/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'faults bench' }),
  });
  if (res.status !== 201) throw new Error(`API key: ${res.status} ${await res.text()}`);
  return (await res.json()).key;
}

// ---- load: closed-loop clients that retry an unanswered batch with its Idempotency-Key ----

function load({ url, key, type, clients, seconds, pauseMs, timeoutMs }) {
  const stats = { statuses: {}, acked: new Set(), requests: 0, firstAckAfter: [] };
  const note = (label) => (stats.statuses[label] = (stats.statuses[label] ?? 0) + 1);
  const end = Date.now() + seconds * 1000;
  const send = async (body, idempotencyKey) => {
    stats.requests++;
    try {
      const res = await fetch(`${url}/ingest/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': key,
          'idempotency-key': idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      note(String(res.status));
      return res.status;
    } catch (err) {
      note(err.name === 'TimeoutError' ? 'timeout' : 'conn-error');
      return 0;
    }
  };
  const client = async () => {
    while (Date.now() < end) {
      const idempotencyKey = randomUUID();
      const body = JSON.stringify({ events: [{ type, payload: { k: idempotencyKey } }] });
      // A batch without an answer (or a 5xx) is retried under its key until the load ends.
      for (let attempt = 0; Date.now() < end + 5_000; attempt++) {
        const status = await send(body, idempotencyKey);
        if (status >= 200 && status < 300) {
          stats.acked.add(idempotencyKey);
          break;
        }
        if (status >= 400 && status < 500) break;
        await sleep(Math.min(100 * 2 ** attempt, 1_000));
      }
      await sleep(pauseMs);
    }
  };
  return {
    stats,
    done: Promise.all(Array.from({ length: clients }, client)).then(() => stats),
  };
}

/** The first moment after `since` at which an ingest request is answered 202 again. */
async function serving(url, key, since) {
  await until(
    async () => {
      const res = await fetch(`${url}/ingest/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ events: [{ type: 'faults-probe', payload: {} }] }),
        signal: AbortSignal.timeout(2_000),
      });
      return res.status === 202;
    },
    60_000,
    'serving again',
    50,
  );
  return Math.round(performance.now() - since);
}

// ---- scenarios ----

const SCENARIOS = {
  /** Redis stopped (SIGTERM) mid-load, restarted 5 s later on the same port and data. */
  async 'redis-outage'(ctx) {
    await sleep(3_000);
    await stopGracefully(ctx.redis, 'SIGTERM', 10_000);
    await sleep(5_000);
    ctx.redis = await startRedis(ctx.redisPort, ctx.redisDir);
    return { faultEnd: performance.now(), note: 'Redis down 5 s' };
  },
  /** The instance SIGKILLed mid-load and started again at once. */
  async 'sigkill-instance'(ctx) {
    await sleep(4_000);
    await ctx.service.kill();
    const faultEnd = performance.now();
    await ctx.service.start();
    return { faultEnd, note: 'killed, restarted at once' };
  },
  /** SIGTERM mid-load (graceful shutdown), then started again. */
  async 'sigterm-instance'(ctx) {
    await sleep(4_000);
    const exit = await ctx.service.terminate();
    const faultEnd = performance.now();
    await ctx.service.start();
    return { faultEnd, note: `exit ${exit.code ?? exit.signal} after ${exit.ms} ms` };
  },
};

async function runScenario(name, ctx, opts) {
  const type = `faults-${name}-${randomUUID().slice(0, 8)}`;
  const traffic = load({
    url: ctx.service.url,
    key: ctx.key,
    type,
    clients: opts.clients,
    seconds: opts['load-seconds'],
    pauseMs: opts['pause-ms'],
    timeoutMs: 10_000,
  });
  const fault = await SCENARIOS[name](ctx);
  const servingMs = await serving(ctx.service.url, ctx.key, fault.faultEnd);
  const stats = await traffic.done;
  const loadEnd = performance.now();
  let counts = await ctx.db.counts(type);
  let drainedMs = null;
  try {
    counts = await until(
      async () => {
        const c = await ctx.db.counts(type);
        return c.processed === c.stored ? c : undefined;
      },
      opts['drain-seconds'] * 1000,
      'backlog processed',
      250,
    );
    drainedMs = Math.round(performance.now() - loadEnd);
  } catch {
    counts = await ctx.db.counts(type);
  }
  return {
    name,
    note: fault.note,
    stats,
    counts,
    servingMs,
    drainedMs,
    drainBound: opts['drain-seconds'],
  };
}

function report(results, dbName) {
  const lines = [
    `database: ${dbName}`,
    'serving again: from the end of the fault (Redis back; instance killed or exited) to the next 202',
    'all processed: from the end of the load until every stored batch is processed',
  ];
  lines.push(
    [
      'scenario',
      'requests',
      'acknowledged',
      'stored',
      'processed',
      'stored-not-acked',
      'acked-not-stored',
      'serving again',
      'all processed',
      'statuses',
      'note',
    ].join(' | '),
  );
  for (const r of results) {
    const acked = r.stats.acked.size;
    lines.push(
      [
        r.name,
        r.stats.requests,
        acked,
        r.counts.stored,
        r.counts.processed,
        Math.max(0, r.counts.stored - acked),
        Math.max(0, acked - r.counts.stored),
        `${r.servingMs} ms`,
        r.drainedMs === null ? `NOT within ${r.drainBound} s` : `${r.drainedMs} ms`,
        Object.entries(r.stats.statuses)
          .map(([k, v]) => `${k}:${v}`)
          .join(' '),
        r.note,
      ].join(' | '),
    );
  }
  return lines.join('\n');
}

async function main() {
  const opts = intOptions({
    clients: [4, 1, 32],
    'load-seconds': [12, 9, 30],
    'drain-seconds': [40, 5, 60],
    'pause-ms': [20, 0, 1000],
  });
  buildIfNeeded();
  let db;
  let dbName = 'PostgreSQL (throwaway cluster)';
  try {
    db = await startPostgres();
  } catch (err) {
    db = { why: err.message.split('\n')[0] };
  }
  if (db.why) {
    dbName = `SQLite (PostgreSQL could not be started: ${db.why})`;
    db = sqliteDatabase();
  }
  const redisPort = await freePort();
  const redisDir = tempDir('redis');
  const ctx = { db, redisPort, redisDir, redis: await startRedis(redisPort, redisDir) };
  ctx.service = new Service({
    HOST,
    PORT: String(await freePort()),
    DATA_DIR: tempDir('data'),
    DATABASE_URL: db.url,
    REDIS_URL: `redis://${HOST}:${redisPort}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    INGEST_SWEEP_INTERVAL: '1s',
    INGEST_SWEEP_AFTER: '2s',
  });
  try {
    await ctx.service.start();
    ctx.key = await apiKey(ctx.service.url);
    const results = [];
    for (const name of Object.keys(SCENARIOS)) {
      process.stderr.write(`scenario ${name}…\n`);
      results.push(await runScenario(name, ctx, opts));
    }
    process.stdout.write(`${report(results, dbName)}\n`);
  } finally {
    await ctx.service.stop();
    await stopGracefully(ctx.redis, 'SIGTERM', 10_000);
    await db.stop();
    cleanupNow();
  }
}

runMain(main);
