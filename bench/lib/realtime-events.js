'use strict';
// The realtime benchmark's `events` part: server CPU per *received* event through a
// `@SubscribeMessage('typing')` handler with a validated DTO — the reference service's
// `typing` (the kit: token checked at the upgrade, rate limit, request context per event,
// guards, ValidationPipe, relay to the room through RealtimeService) against the same event on
// bare Nest + `@nestjs/platform-ws` (servers/realtime-nest-ws.js). --event-senders (250) rooms
// of two: a sender and a receiver. Each tick (1 s) every sender sends 16 events (`typing`
// true/false alternating; below the kit's default rate limit of 20/s with a burst of 40, which
// the reference service keeps), and the tick ends once every receiver got its 16 relays.
// A round is --event-ticks (5) ticks; rounds alternate anchor and kit, --event-rounds (3).
// CPU per event = change in utime+stime of the server over the round / events received.
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { WebSocket } = require('ws');
const { clockTicksPerSecond } = require('./proc');
const { median } = require('./report');
const { kitTokens, startKit, startNestWsAnchor, ticks } = require('./realtime-servers');

const PER_TICK = 16;
const TICK_MS = 1_000;
const TYPING = Buffer.from('"type":"typing"');
const CONNECT_MS = 30_000;
const TICK_TIMEOUT_MS = 30_000;

/** Opens one socket; `onFrame(buffer)` sees every text frame. */
function open(url, onFrame) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data, isBinary) => {
    if (!isBinary) onFrame(data);
  });
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`connect ${url}: no answer within ${CONNECT_MS} ms`));
    }, CONNECT_MS);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`connect ${url}: upgrade refused with HTTP ${res.statusCode}`));
    });
  });
}

/** The URL of room i on a server: the kit's `/ws/{room}?token=`, the anchor's `/ws?room=`. */
function roomUrl(server, room, token) {
  const base = server.url.replace(/^http/, 'ws');
  return server.kind === 'kit' ? `${base}/ws/${room}?token=${token}` : `${base}/ws?room=${room}`;
}

function tokenOf(tokens, k) {
  return tokens ? tokens[k % tokens.length] : undefined;
}

/** Connects the pairs; `state.relays` counts `typing` frames at the receivers. */
async function connectPairs(server, senders, tokens) {
  const state = { relays: 0, waiter: null, want: 0 };
  const onReceiver = (data) => {
    if (data.indexOf(TYPING) < 0) return;
    state.relays++;
    if (state.waiter && state.relays >= state.want) {
      const done = state.waiter;
      state.waiter = null;
      done();
    }
  };
  const pairs = [];
  for (let i = 0; i < senders; i += 25) {
    const batch = Array.from({ length: Math.min(25, senders - i) }, async (_, j) => {
      const room = `ev-${i + j}`;
      const k = 2 * (i + j);
      const receiver = await open(roomUrl(server, room, tokenOf(tokens, k)), onReceiver);
      const sender = await open(roomUrl(server, room, tokenOf(tokens, k + 1)), () => undefined);
      return { sender, receiver };
    });
    pairs.push(...(await Promise.all(batch)));
  }
  return { pairs, state };
}

function untilRelays(state, count) {
  if (state.relays >= count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`only ${state.relays} of ${count} relays within ${TICK_TIMEOUT_MS} ms`)),
      TICK_TIMEOUT_MS,
    );
    state.want = count;
    state.waiter = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

const FRAMES = [true, false].map((typing) => JSON.stringify({ event: 'typing', data: { typing } }));

/** One tick: every sender sends PER_TICK events; resolves once every relay arrived. */
async function tick(session) {
  const target = session.state.relays + session.pairs.length * PER_TICK;
  for (let k = 0; k < PER_TICK; k++) {
    for (const { sender } of session.pairs) sender.send(FRAMES[k & 1]);
  }
  await untilRelays(session.state, target);
}

async function round(session, tickCount) {
  const pid = session.server.pid;
  const relays0 = session.state.relays;
  const cpu0 = ticks([pid]);
  const started = performance.now();
  for (let t = 0; t < tickCount; t++) {
    const tickStart = performance.now();
    await tick(session);
    const rest = TICK_MS - (performance.now() - tickStart);
    if (t < tickCount - 1 && rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  const events = session.state.relays - relays0;
  const cpuSeconds = (ticks([pid]) - cpu0) / clockTicksPerSecond();
  return {
    events,
    seconds: round3((performance.now() - started) / 1000),
    cpuUsPerEvent: round3((cpuSeconds * 1e6) / events),
  };
}

/** Proof that both servers validate the DTO: a bad `typing` gets an error back, not a relay. */
async function verifyValidation(session) {
  const { sender } = session.pairs[0];
  const refusal =
    session.server.kind === 'kit' ? /"error":"VALIDATION_FAILED"/ : /"event":"exception"/;
  const relays = session.state.relays;
  const refused = await new Promise((resolve) => {
    const timer = setTimeout(() => done(false), 5_000);
    function onMessage(data) {
      if (refusal.test(data.toString('utf8'))) done(true);
    }
    function done(ok) {
      clearTimeout(timer);
      sender.off('message', onMessage);
      resolve(ok);
    }
    sender.on('message', onMessage);
    sender.send(JSON.stringify({ event: 'typing', data: { typing: 'yes' } }));
  });
  if (!refused || session.state.relays !== relays) {
    throw Object.assign(
      new Error(`${session.server.name} did not refuse an invalid typing event with an error`),
      { expected: true },
    );
  }
}

async function closePairs(pairs) {
  for (const { sender, receiver } of pairs) {
    sender.terminate();
    receiver.terminate();
  }
}

/** Runs the part; returns { rounds, summary, verdicts }. */
async function eventsCase(opts, targets) {
  const anchor = await startNestWsAnchor('nest-ws-events');
  anchor.kind = 'anchor';
  let kit;
  const sessions = [];
  try {
    kit = await startKit(
      'kit-events',
      mkdtempSync(join(os.tmpdir(), 'kit-rt-bench-ev-')),
      undefined,
      true,
    );
    kit.kind = 'kit';
    const tokens = await kitTokens(kit.url, opts.users);
    for (const server of [anchor, kit]) {
      const session = {
        server,
        ...(await connectPairs(
          server,
          opts.eventSenders,
          server.kind === 'kit' ? tokens : undefined,
        )),
      };
      await verifyValidation(session);
      await round(session, 1); // warmup: JIT, buffers, every pair relays
      sessions.push(session);
      process.stdout.write(
        `events ${server.name}: ${session.pairs.length} pairs connected, warm\n`,
      );
    }
    const rounds = { anchor: [], kit: [] };
    for (let r = 1; r <= opts.eventRounds; r++) {
      for (const session of sessions) {
        const result = await round(session, opts.eventTicks);
        rounds[session.server.kind].push(result);
        process.stdout.write(
          `events ${r}/${opts.eventRounds}  ${session.server.name.padEnd(15)} ${result.events} events in ${result.seconds} s, ${result.cpuUsPerEvent} µs CPU per event\n`,
        );
      }
    }
    for (const session of sessions) await closePairs(session.pairs);
    const perRound = rounds.kit.map((k, i) => k.cpuUsPerEvent / rounds.anchor[i].cpuUsPerEvent);
    const summary = {
      pairs: opts.eventSenders,
      eventsPerRound: opts.eventSenders * PER_TICK * opts.eventTicks,
      anchorCpuUsPerEvent: median(rounds.anchor.map((x) => x.cpuUsPerEvent)),
      kitCpuUsPerEvent: median(rounds.kit.map((x) => x.cpuUsPerEvent)),
      medianPerRoundRatio: round3(median(perRound)),
    };
    summary.ratio = round3(summary.kitCpuUsPerEvent / summary.anchorCpuUsPerEvent);
    const verdicts = [
      [
        `kit CPU per received typing event ${summary.ratio}× bare Nest + @nestjs/platform-ws (${summary.kitCpuUsPerEvent} vs ${summary.anchorCpuUsPerEvent} µs, per-round ${summary.medianPerRoundRatio}×; target ≤ ${targets.eventCpu}×)`,
        summary.ratio <= targets.eventCpu,
      ],
    ];
    return { rounds, summary, verdicts };
  } finally {
    await Promise.all([anchor.stop(), kit?.stop()]);
  }
}

function round3(v) {
  return v === null || Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
}

module.exports = { eventsCase };
