'use strict';
// The realtime benchmark's large-room case: --large-room (5,000) clients join ONE room, 100
// connecting at a time, on a fresh server per round (raw `ws` anchor and the reference service
// alternating). Connect time = first connect to last open; quiet = until no frame reached any
// client for 500 ms (the kit's presence fan-out included); server CPU over the whole fill; idle
// kB per connection = RSS after a full GC, once quiet, minus RSS before, per client. A round is
// bounded by --large-seconds: past it the count of open clients is reported instead.
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { clockTicksPerSecond } = require('./proc');
const { median } = require('./report');
const { kitTokens, startAnchor, startKit, ticks } = require('./realtime-servers');
const { emptyRoom, fillRoom } = require('./ws-large-room');
const { serverMemory } = require('./ws-load');

const CONCURRENCY = 100;

async function startFresh(name) {
  if (name === 'ws') return startAnchor('ws-large', 'realtime-ws-anchor.js');
  return startKit(
    'kit-large',
    mkdtempSync(join(os.tmpdir(), 'kit-rt-bench-large-')),
    undefined,
    true,
  );
}

async function oneRound(name, opts) {
  const server = await startFresh(name);
  try {
    const tokens = name === 'kit' ? await kitTokens(server.url, opts.users) : undefined;
    const mem0 = await serverMemory(server);
    const cpu0 = ticks([server.pid]);
    const fill = await fillRoom({
      url: server.url,
      room: 'large',
      tokens,
      count: opts.largeRoom,
      concurrency: CONCURRENCY,
      deadlineMs: opts.largeSeconds * 1000,
    });
    const cpuSeconds = (ticks([server.pid]) - cpu0) / clockTicksPerSecond();
    // Past the deadline the server may still be busy with the backlog: memory is then read as
    // is (when it answers within 10 s), for the clients that were open.
    const mem1 = await serverMemory(server).catch(() => null);
    await emptyRoom(fill.clients);
    return {
      opened: fill.opened,
      failed: fill.failed,
      timedOut: fill.timedOut,
      connectSeconds: fill.timedOut ? null : round(fill.connectSeconds, 3),
      opensPerSecond: Math.round(fill.opened / Math.max(fill.connectSeconds, 0.001)),
      quietSeconds: fill.quietSeconds === null ? null : round(fill.quietSeconds, 3),
      framesReceived: fill.frames,
      mbReceived: round(fill.bytes / 1048576, 1),
      serverCpuSeconds: round(cpuSeconds, 2),
      rssKbPerConnection:
        mem1 && fill.opened > 0 ? round((mem1.rss - mem0.rss) / fill.opened / 1024, 2) : null,
      heapKbPerConnection:
        mem1 && fill.opened > 0
          ? round((mem1.heapUsed - mem0.heapUsed) / fill.opened / 1024, 2)
          : null,
    };
  } finally {
    await server.stop();
  }
}

function describe(name, r, opts) {
  const connect = r.timedOut
    ? `only ${r.opened}/${opts.largeRoom} open after ${opts.largeSeconds} s (${r.opensPerSecond}/s)`
    : `${r.opened} open in ${r.connectSeconds} s, quiet at ${r.quietSeconds ?? '>deadline'} s`;
  return (
    `${name.padEnd(4)} ${connect}; ${r.framesReceived} frames (${r.mbReceived} MB) to clients, ` +
    `server CPU ${r.serverCpuSeconds} s, ${r.rssKbPerConnection ?? '-'} kB RSS per connection\n`
  );
}

/** Runs the case; returns { rounds: { ws: [...], kit: [...] }, summary, verdicts }. */
async function largeRoomCase(opts, targets) {
  const rounds = { ws: [], kit: [] };
  for (let r = 1; r <= opts.largeRounds; r++) {
    for (const name of ['ws', 'kit']) {
      const result = await oneRound(name, opts);
      rounds[name].push(result);
      process.stdout.write(`large room ${r}/${opts.largeRounds}  ${describe(name, result, opts)}`);
    }
  }
  const perRound = rounds.kit.map((k, i) =>
    k.connectSeconds === null || !rounds.ws[i].connectSeconds
      ? null
      : k.connectSeconds / rounds.ws[i].connectSeconds,
  );
  const allConnected = perRound.every((x) => x !== null);
  const summary = {
    clients: opts.largeRoom,
    wsConnectSeconds: round(
      median(rounds.ws.map((x) => x.connectSeconds).filter((x) => x !== null)),
      3,
    ),
    kitConnectSeconds: allConnected
      ? round(median(rounds.kit.map((x) => x.connectSeconds)), 3)
      : null,
    kitQuietSeconds: allConnected ? round(median(rounds.kit.map((x) => x.quietSeconds)), 3) : null,
    connectRatio: allConnected ? round(median(perRound), 3) : null,
    kitRssKbPerConnection: allConnected
      ? round(median(rounds.kit.map((x) => x.rssKbPerConnection)), 2)
      : null,
    wsRssKbPerConnection: round(median(rounds.ws.map((x) => x.rssKbPerConnection)), 2),
  };
  const worst = rounds.kit.find((x) => x.timedOut);
  const verdicts = [
    [
      allConnected
        ? `kit connects ${opts.largeRoom} clients to one room in ${summary.connectRatio}× raw ws's time (${summary.kitConnectSeconds} s vs ${summary.wsConnectSeconds} s; target ≤ ${targets.largeConnect}×)`
        : `kit connected only ${worst.opened} of ${opts.largeRoom} clients to one room within ${opts.largeSeconds} s (raw ws: ${summary.wsConnectSeconds} s for all; target ≤ ${targets.largeConnect}×)`,
      allConnected ? summary.connectRatio <= targets.largeConnect : false,
    ],
    [
      allConnected
        ? `kit idle memory ${summary.kitRssKbPerConnection} kB per connection with ${opts.largeRoom} in one room (target ≤ ${targets.largeIdleKb} kB)`
        : `kit memory ${worst.rssKbPerConnection ?? '-'} kB per open connection at the deadline, still busy (not idle; target ≤ ${targets.largeIdleKb} kB at ${opts.largeRoom})`,
      allConnected ? summary.kitRssKbPerConnection <= targets.largeIdleKb : false,
    ],
  ];
  return { rounds, summary, verdicts };
}

function round(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

module.exports = { largeRoomCase };
