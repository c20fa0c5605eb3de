'use strict';
// Client side of the realtime benchmark: many room clients (raw `ws` or socket.io-client) in the
// harness process, broadcasts tracked by sequence number until every member has received them.
const { WebSocket } = require('ws');
const { io } = require('socket.io-client');

const SEQ = Buffer.from('"seq":');

/** The `seq` of a broadcast in raw JSON text, without parsing the whole envelope; -1 if none. */
function seqOf(buffer) {
  const at = buffer.indexOf(SEQ);
  if (at < 0) return -1;
  let n = 0;
  let digits = 0;
  for (let i = at + SEQ.length; i < buffer.length; i++) {
    const c = buffer[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : -1;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A raw RFC 6455 client (`ws`) on `<base>/ws/<room>?token=…`. */
function connectWs(baseUrl, room, token, onSeq) {
  const url = `${baseUrl.replace(/^http/, 'ws')}/ws/${room}${token ? `?token=${token}` : ''}`;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data, isBinary) => {
    if (!isBinary) onSeq(seqOf(data));
  });
  const opened = new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
    );
  });
  socket.on('error', () => undefined);
  return withTimeout(opened, 30_000, `connect ${url}`).then(() => ({
    send: (value) => socket.send(JSON.stringify(value)),
    close: () => closeWs(socket),
  }));
}

function closeWs(socket) {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, 2_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close();
  });
}

/** A socket.io client, WebSocket transport only, joined to `room` through the handshake query. */
function connectSocketIo(baseUrl, room, _token, onSeq) {
  const socket = io(baseUrl, {
    transports: ['websocket'],
    query: { room },
    forceNew: true,
    reconnection: false,
    perMessageDeflate: false,
  });
  socket.on('message', (envelope) => onSeq(envelope?.data?.seq ?? -1));
  const opened = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return withTimeout(opened, 30_000, `connect socket.io ${baseUrl}`).then(() => ({
    send: (value) => socket.emit('message', value),
    close: () => {
      socket.disconnect();
      return Promise.resolve();
    },
  }));
}

const CONNECT = { ws: connectWs, 'socket.io': connectSocketIo };

/**
 * Opens `count` clients; client i connects to `targets[i % targets.length]` ({ url, protocol,
 * room(i), token(i) }), `concurrency` at a time. Every client reports received sequence numbers
 * to `tracker.receive(seq)`.
 */
async function openClients(count, target, tracker, concurrency = 50) {
  const clients = Array.from({ length: count });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = target(i);
      clients[i] = await CONNECT[t.protocol](t.url, t.room, t.token, (seq) => tracker.receive(seq));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return clients;
}

async function closeClients(clients) {
  for (let i = 0; i < clients.length; i += 200) {
    await Promise.all(clients.slice(i, i + 200).map((c) => c?.close()));
  }
}

/**
 * Counts, per broadcast sequence number, the members still to receive it; resolves the
 * broadcast's promise once all have. Records the time from send to the last delivery.
 */
class BroadcastTracker {
  constructor() {
    this.pending = new Map();
    this.deliveries = 0;
    this.stray = 0;
  }

  expect(seq, recipients) {
    return new Promise((resolve) => {
      this.pending.set(seq, { left: recipients, started: performance.now(), resolve });
    });
  }

  receive(seq) {
    const entry = this.pending.get(seq);
    if (!entry) {
      if (seq >= 0) this.stray++;
      return;
    }
    this.deliveries++;
    if (--entry.left === 0) {
      this.pending.delete(seq);
      entry.resolve(performance.now() - entry.started);
    }
  }
}

/**
 * Sends `count` broadcasts (sender i of `senders` in turn), at most `window` in flight, each
 * complete once `recipients` members got it. Returns { seconds, latenciesMs }.
 */
async function runBroadcasts({
  clients,
  senders,
  recipients,
  tracker,
  count,
  window,
  seqStart,
  timeoutMs,
}) {
  const latencies = [];
  let sent = 0;
  const started = performance.now();
  const lane = async () => {
    while (sent < count) {
      const seq = seqStart + sent;
      const sender = clients[senders[sent % senders.length]];
      sent++;
      const done = tracker.expect(seq, recipients);
      sender.send({ seq, pad: 'x'.repeat(16) });
      latencies.push(await withTimeout(done, timeoutMs, `broadcast ${seq}`));
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { seconds: (performance.now() - started) / 1000, latenciesMs: latencies };
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, rank)] * 100) / 100;
}

/** Asks a server started with `-r ws-gc.preload.js` and IPC to GC and report its memory. */
function serverMemory(server) {
  const id = Math.random();
  return withTimeout(
    new Promise((resolve) => {
      const onMessage = (msg) => {
        if (msg?.type !== 'ws-bench:memory' || msg.id !== id) return;
        server.child.off('message', onMessage);
        resolve(msg);
      };
      server.child.on('message', onMessage);
      server.child.send({ type: 'ws-bench:memory', id });
    }),
    10_000,
    `memory of ${server.name}`,
  );
}

module.exports = {
  BroadcastTracker,
  closeClients,
  openClients,
  percentile,
  runBroadcasts,
  seqOf,
  serverMemory,
};
