'use strict';
// `node bench/realtime.bench.js`: room WebSockets through the reference service (@kit/realtime
// with every feature on: token + user checked at the upgrade, envelope, rate limit, send-buffer
// cap, pings) against a raw `ws` room server and socket.io 4, each in its own child process,
// in one run, rounds interleaved (ws, socket.io, kit, kit-redis, ws, …).
//
// Per round and scenario, with --clients (500) members in one room:
// - load: --broadcasts (2000) broadcasts, each from the next member in turn, at most --window (32)
//   in flight; a broadcast is done when every member has it. Server CPU per delivery = change in
//   utime+stime of the server process(es) (/proc, CLK_TCK ticks) / (broadcasts × members);
//   deliveries/s over the same span. kit-redis: two instances on one Redis, members split evenly,
//   CPU of both instances (redis-server's own CPU reported beside it).
// - latency: --latency-broadcasts (200) broadcasts one at a time; time from send until the last
//   member received it; p50/p99 over all rounds.
// Idle memory, measured first on fresh servers: --idle (5000) connections in 100 rooms, RSS after
// a full GC (servers run with --expose-gc and bench/lib/ws-gc.preload.js) minus RSS before, per
// connection.
// Large room (first, own fresh servers): --large-room (5000) clients into ONE room, raw ws vs kit,
// connect time and idle kB per connection (bench/lib/realtime-large-room.js). Events: CPU per
// received `typing` event, kit vs bare Nest + @nestjs/platform-ws (bench/lib/realtime-events.js).
// --parts picks parts.
// Targets (issue 4): kit CPU/delivery ≤ 1.1× ws; ≤ 12 kB per idle connection; unloaded p99 ≤ 1.2× ws;
// kit-redis deliveries/s ≥ 0.7× kit; (issue 11) large room connect ≤ 2× ws, ≤ 12 kB; CPU per
// event ≤ 1.0× the platform-ws anchor. Verdicts are printed; the run exits 0 either way.
// Results: bench/results/realtime-<timestamp>.json. Needs Redis at --redis-url (or --no-redis).
const { execFileSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { killAllNow } = require('./lib/server');
const { clockTicksPerSecond } = require('./lib/proc');
const {
  kitTokens,
  redisPid,
  startAnchor,
  startKit,
  ticks,
  verifyKitRefusesAnonymous,
} = require('./lib/realtime-servers');
const { eventsCase } = require('./lib/realtime-events');
const { largeRoomCase } = require('./lib/realtime-large-room');
const { median, writeResult } = require('./lib/report');
const {
  BroadcastTracker,
  closeClients,
  openClients,
  percentile,
  runBroadcasts,
  serverMemory,
} = require('./lib/ws-load');

const ROOT = join(__dirname, '..');
const TARGETS = {
  cpu: 1.1,
  idleKb: 12,
  p99: 1.2,
  redisThroughput: 0.7,
  largeConnect: 2,
  largeIdleKb: 12,
  eventCpu: 1,
};
/** What a run measures (`--parts`), in this order. */
const PARTS = ['large-room', 'events', 'idle', 'rooms'];

function parts(list) {
  const chosen = list.split(',').map((p) => p.trim());
  for (const p of chosen) {
    if (!PARTS.includes(p)) {
      throw Object.assign(new Error(`--parts: unknown part "${p}"; known: ${PARTS.join(', ')}`), {
        expected: true,
      });
    }
  }
  return new Set(chosen);
}

function options() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '500' },
      broadcasts: { type: 'string', default: '2000' },
      'latency-broadcasts': { type: 'string', default: '200' },
      window: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      idle: { type: 'string', default: '5000' },
      users: { type: 'string', default: '20' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'no-redis': { type: 'boolean', default: false },
      'large-room': { type: 'string', default: '5000' },
      'large-rounds': { type: 'string', default: '2' },
      'large-seconds': { type: 'string', default: '60' },
      'event-senders': { type: 'string', default: '250' },
      'event-rounds': { type: 'string', default: '3' },
      'event-ticks': { type: 'string', default: '5' },
      parts: { type: 'string', default: PARTS.join(',') },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const int = (name, min, max) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw Object.assign(
        new Error(`--${name} must be an integer in ${min}..${max}, got "${values[name]}"`),
        {
          expected: true,
        },
      );
    }
    return v;
  };
  return {
    clients: int('clients', 2, 2_000),
    broadcasts: int('broadcasts', 10, 20_000),
    latencyBroadcasts: int('latency-broadcasts', 10, 5_000),
    window: int('window', 1, 64),
    rounds: int('rounds', 1, 10),
    idle: int('idle', 100, 10_000),
    users: int('users', 1, 200),
    largeRoom: int('large-room', 100, 10_000),
    largeRounds: int('large-rounds', 1, 5),
    largeSeconds: int('large-seconds', 5, 600),
    eventSenders: int('event-senders', 1, 2_000),
    eventRounds: int('event-rounds', 1, 10),
    eventTicks: int('event-ticks', 1, 60),
    parts: parts(values.parts),
    redisUrl: values['no-redis'] ? undefined : values['redis-url'],
    build: !values['skip-build'],
  };
}

function buildIfNeeded() {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** Scenario descriptions: how clients connect and which processes' CPU counts. */
function scenarios(servers, tokens, opts) {
  const list = [
    { name: 'ws', label: 'raw ws room server (anchor)', protocol: 'ws', servers: [servers.ws] },
    {
      name: 'socket.io',
      label: 'socket.io 4 rooms (anchor)',
      protocol: 'socket.io',
      servers: [servers['socket.io']],
    },
    {
      name: 'kit',
      label: 'reference service, @kit/realtime in-process',
      protocol: 'ws',
      servers: [servers.kit],
      tokens: tokens.kit,
    },
  ];
  if (servers['kit-redis-a']) {
    list.push({
      name: 'kit-redis',
      label: 'two reference-service instances over Redis, clients split evenly',
      protocol: 'ws',
      servers: [servers['kit-redis-a'], servers['kit-redis-b']],
      tokens: tokens.redis,
      redisPid: redisPid(),
    });
  }
  return list.map((s) => ({
    ...s,
    target: (i, room) => ({
      protocol: s.protocol,
      url: s.servers[i % s.servers.length].url,
      room,
      token: s.tokens ? s.tokens[i % s.tokens.length] : undefined,
    }),
    clientCount: opts.clients,
  }));
}

let seqCounter = 1;

async function broadcastRound(scenario, opts, count, window) {
  const pids = scenario.servers.map((s) => s.pid);
  const before = ticks(pids);
  const redisBefore = scenario.redisPid ? ticks([scenario.redisPid]) : 0;
  const seqStart = seqCounter;
  seqCounter += count;
  const result = await runBroadcasts({
    clients: scenario.clients,
    senders: scenario.senders,
    recipients: scenario.clients.length,
    tracker: scenario.tracker,
    count,
    window,
    seqStart,
    timeoutMs: 30_000,
  });
  const tck = clockTicksPerSecond();
  const deliveries = count * scenario.clients.length;
  const used = ticks(pids) - before;
  const redisUsed = scenario.redisPid ? ticks([scenario.redisPid]) - redisBefore : null;
  return {
    deliveries,
    seconds: round(result.seconds, 3),
    deliveriesPerSecond: Math.round(deliveries / result.seconds),
    cpuUsPerDelivery: round(((used / tck) * 1e6) / deliveries, 3),
    redisCpuUsPerDelivery:
      redisUsed === null ? null : round(((redisUsed / tck) * 1e6) / deliveries, 3),
    latencyMs: { p50: percentile(result.latenciesMs, 50), p99: percentile(result.latenciesMs, 99) },
    latenciesMs: result.latenciesMs,
  };
}

async function idleMemory(server, protocol, tokens, count) {
  const tracker = new BroadcastTracker();
  const mem0 = await serverMemory(server);
  const target = (i) => ({
    protocol,
    url: server.url,
    room: `idle-${i % 100}`,
    token: tokens ? tokens[i % tokens.length] : undefined,
  });
  const clients = await openClients(count, target, tracker, 100);
  await settle(tracker);
  const mem1 = await serverMemory(server);
  await closeClients(clients);
  return {
    connections: count,
    rssKbPerConnection: round((mem1.rss - mem0.rss) / count / 1024, 2),
    heapKbPerConnection: round((mem1.heapUsed - mem0.heapUsed) / count / 1024, 2),
    externalKbPerConnection: round(
      (mem1.external + mem1.arrayBuffers - mem0.external - mem0.arrayBuffers) / count / 1024,
      2,
    ),
    rssMbBefore: round(mem0.rss / 1048576, 1),
    rssMbAfter: round(mem1.rss / 1048576, 1),
  };
}

/** Waits until clients received nothing (presence fan-out included) for 500 ms, at most 20 s. */
async function settle(tracker) {
  const deadline = Date.now() + 20_000;
  let last = -1;
  while (Date.now() < deadline) {
    const seen = tracker.stray + tracker.deliveries;
    if (seen === last) return;
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function round(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function ratio(a, b) {
  return a === null || b === null || !b ? null : round(a / b, 3);
}

function verdict(ok) {
  if (ok === null) return 'NO DATA';
  return ok ? 'PASS' : 'FAIL';
}

function table(rows) {
  const header = [
    'scenario',
    'deliveries/s',
    'CPU µs/delivery',
    'CPU × ws',
    'per-round ×',
    'p50 ms',
    'p99 ms',
    'p99 × ws',
    'idle kB/conn',
  ];
  const body = rows.map((r) => [
    r.name,
    String(r.deliveriesPerSecond ?? '-'),
    String(r.cpuUsPerDelivery ?? '-'),
    String(r.cpuRatio ?? '-'),
    String(r.medianPerRoundCpuRatio ?? '-'),
    String(r.latencyP50Ms ?? '-'),
    String(r.latencyP99Ms ?? '-'),
    String(r.p99Ratio ?? '-'),
    String(r.idle?.rssKbPerConnection ?? '-'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function startAll(opts) {
  const servers = {};
  servers.ws = await startAnchor('ws', 'realtime-ws-anchor.js');
  servers['socket.io'] = await startAnchor('socket.io', 'realtime-socketio-anchor.js');
  servers.kit = await startKit(
    'kit',
    mkdtempSync(join(os.tmpdir(), 'kit-rt-bench-')),
    undefined,
    true,
  );
  if (opts.redisUrl && opts.parts.has('rooms')) {
    const shared = mkdtempSync(join(os.tmpdir(), 'kit-rt-bench-redis-'));
    servers['kit-redis-a'] = await startKit('kit-redis-a', shared, opts.redisUrl, true);
    servers['kit-redis-b'] = await startKit('kit-redis-b', shared, opts.redisUrl, false);
  }
  for (const s of Object.values(servers))
    process.stdout.write(`started ${s.name}: pid ${s.pid}, ${s.url}\n`);
  return servers;
}

/** Idle memory (`idle`) and the broadcast rounds (`rooms`) on long-lived servers. */
async function roomsCase(opts) {
  const servers = await startAll(opts);
  const all = [];
  try {
    await verifyKitRefusesAnonymous(servers.kit.url);
    const tokens = {
      kit: await kitTokens(servers.kit.url, opts.users),
      redis: servers['kit-redis-a']
        ? await kitTokens(servers['kit-redis-a'].url, opts.users)
        : undefined,
    };
    // Idle memory first, on servers that have served nothing else yet.
    const idle = {};
    const idleServers = opts.parts.has('idle')
      ? [
          ['ws', 'ws', undefined],
          ['socket.io', 'socket.io', undefined],
          ['kit', 'ws', tokens.kit],
        ]
      : [];
    for (const [name, protocol, tokenList] of idleServers) {
      idle[name] = await idleMemory(servers[name], protocol, tokenList, opts.idle);
      process.stdout.write(
        `idle ${name}: ${idle[name].rssKbPerConnection} kB RSS, ${idle[name].heapKbPerConnection} kB heap per connection (${opts.idle} connections)\n`,
      );
    }
    if (!opts.parts.has('rooms')) {
      return Object.entries(idle).map(([name, value]) => ({ name, idle: value, rounds: null }));
    }
    const list = scenarios(servers, tokens, opts);
    for (const s of list) {
      s.tracker = new BroadcastTracker();
      s.clients = await openClients(s.clientCount, (i) => s.target(i, 'bench'), s.tracker);
      s.senders = Array.from({ length: s.clients.length }, (_, i) => i);
      await settle(s.tracker);
      // Warmup: JIT, buffers, and proof that every member receives.
      await broadcastRound(s, opts, 200, opts.window);
      process.stdout.write(`${s.name}: ${s.clients.length} clients connected, warm\n`);
    }
    const rounds = Object.fromEntries(list.map((s) => [s.name, { load: [], latency: [] }]));
    for (let r = 1; r <= opts.rounds; r++) {
      for (const s of list) {
        const load = await broadcastRound(s, opts, opts.broadcasts, opts.window);
        const latency = await broadcastRound(s, opts, opts.latencyBroadcasts, 1);
        rounds[s.name].load.push({ ...load, latenciesMs: undefined });
        rounds[s.name].latency.push(latency);
        process.stdout.write(
          `round ${r}/${opts.rounds}  ${s.name.padEnd(10)} ${String(load.deliveriesPerSecond).padStart(8)} deliveries/s  ` +
            `${String(load.cpuUsPerDelivery).padStart(6)} µs CPU/delivery` +
            (load.redisCpuUsPerDelivery === null
              ? ''
              : ` (+${load.redisCpuUsPerDelivery} µs in redis-server)`) +
            `  one-at-a-time p50 ${latency.latencyMs.p50} ms p99 ${latency.latencyMs.p99} ms\n`,
        );
      }
    }
    for (const s of list) await closeClients(s.clients);
    for (const s of list) {
      const loads = rounds[s.name].load;
      const latencies = rounds[s.name].latency.flatMap((x) => x.latenciesMs);
      all.push({
        name: s.name,
        label: s.label,
        servers: s.servers.length,
        clients: s.clients.length,
        deliveriesPerSecond: median(loads.map((x) => x.deliveriesPerSecond)),
        cpuUsPerDelivery: median(loads.map((x) => x.cpuUsPerDelivery)),
        redisCpuUsPerDelivery: median(loads.map((x) => x.redisCpuUsPerDelivery)),
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        idle: idle[s.name] ?? null,
        rounds: {
          load: loads,
          latency: rounds[s.name].latency.map((x) => ({ ...x, latenciesMs: undefined })),
        },
      });
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  return all;
}

/** Ratios to raw ws and the verdicts of the idle and rooms parts; prints their table. */
function roomVerdicts(opts, rows) {
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  if (!opts.parts.has('rooms')) {
    const kb = by.kit?.idle?.rssKbPerConnection;
    process.stdout.write(`\n${table(rows)}\n\n`);
    return [
      [
        `kit idle memory ${kb} kB per connection at ${opts.idle} (target ≤ ${TARGETS.idleKb} kB)`,
        kb === undefined ? null : kb <= TARGETS.idleKb,
      ],
    ];
  }
  const ws = by.ws;
  for (const r of rows) {
    r.cpuRatio = ratio(r.cpuUsPerDelivery, ws.cpuUsPerDelivery);
    r.p99Ratio = ratio(r.latencyP99Ms, ws.latencyP99Ms);
    r.throughputRatioToKit = ratio(r.deliveriesPerSecond, by.kit.deliveriesPerSecond);
  }
  for (const r of rows) {
    const perRound = r.rounds.load
      .map((x, i) => x.cpuUsPerDelivery / (ws.rounds.load[i]?.cpuUsPerDelivery ?? Number.NaN))
      .filter((v) => Number.isFinite(v));
    r.medianPerRoundCpuRatio = round(median(perRound), 3);
  }
  const kit = by.kit;
  const verdicts = [
    [
      `kit CPU per delivery ${kit.cpuRatio}× raw ws (target ≤ ${TARGETS.cpu}×)`,
      kit.cpuRatio === null ? null : kit.cpuRatio <= TARGETS.cpu,
    ],
    [
      `kit idle memory ${kit.idle?.rssKbPerConnection} kB per connection at ${opts.idle} (target ≤ ${TARGETS.idleKb} kB)`,
      kit.idle ? kit.idle.rssKbPerConnection <= TARGETS.idleKb : null,
    ],
    [
      `kit unloaded p99 ${kit.p99Ratio}× raw ws (target ≤ ${TARGETS.p99}×)`,
      kit.p99Ratio === null ? null : kit.p99Ratio <= TARGETS.p99,
    ],
  ];
  if (by['kit-redis']) {
    const r = by['kit-redis'].throughputRatioToKit;
    verdicts.push([
      `two instances over Redis deliver ${r}× the single instance's deliveries/s (target ≥ ${TARGETS.redisThroughput}×)`,
      r === null ? null : r >= TARGETS.redisThroughput,
    ]);
  }
  process.stdout.write(
    `\nmedians over ${opts.rounds} rounds; ${opts.clients} clients in one room\n${table(rows)}\n\n`,
  );
  return verdicts;
}

async function run(opts) {
  const loadBefore = os.loadavg().map((v) => round(v, 2));
  const verdicts = [];
  let large = null;
  let events = null;
  let rows = [];
  if (opts.parts.has('large-room')) {
    large = await largeRoomCase(opts, TARGETS);
    verdicts.push(...large.verdicts);
  }
  if (opts.parts.has('events')) {
    events = await eventsCase(opts, TARGETS);
    verdicts.push(...events.verdicts);
  }
  if (opts.parts.has('idle') || opts.parts.has('rooms')) {
    rows = await roomsCase(opts);
    verdicts.push(...roomVerdicts(opts, rows));
  }
  process.stdout.write('\n');
  for (const [text, ok] of verdicts) process.stdout.write(`${verdict(ok)}: ${text}\n`);
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const file = writeResult('realtime', {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    clkTck: clockTicksPerSecond(),
    loadAverageAtStart: loadBefore,
    loadAverageAtEnd: os.loadavg().map((v) => round(v, 2)),
    commit,
    options: { ...opts, parts: [...opts.parts] },
    targets: TARGETS,
    verdicts: verdicts.map(([text, ok]) => ({ text, verdict: verdict(ok) })),
    scenarios: rows,
    largeRoom: large && { summary: large.summary, rounds: large.rounds },
    events: events && { summary: events.summary, rounds: events.rounds },
  });
  process.stdout.write(`\nwritten ${file}\n`);
}

async function main() {
  const opts = options();
  if (opts.build) buildIfNeeded();
  await run(opts);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.expected ? err.message : (err.stack ?? err)}\n`);
  killAllNow();
  process.exitCode = 1;
});
