'use strict';
// Client side of the realtime benchmark's large-room case: `count` raw `ws` clients join ONE
// room, `concurrency` connecting at a time, within a deadline. Measures how long until every
// client is open and until the room is quiet again (no frame for `quietMs`), and counts the
// frames the clients received meanwhile (presence, for the kit).
const { WebSocket } = require('ws');

/**
 * Connects `count` clients to `<url>/ws/<room>` (token i % tokens.length when given). Never
 * throws on a slow server: past `deadlineMs` it stops and reports how many were open.
 * Returns { clients, opened, connectSeconds, quietSeconds, frames, bytes, failed, timedOut }.
 */
async function fillRoom({ url, room, tokens, count, concurrency, deadlineMs, quietMs = 500 }) {
  const base = `${url.replace(/^http/, 'ws')}/ws/${room}`;
  const clients = [];
  const stats = { frames: 0, bytes: 0, lastFrameAt: 0 };
  const started = performance.now();
  const deadline = started + deadlineMs;
  let next = 0;
  let opened = 0;
  let failed = 0;
  let lastOpenAt = started;
  const connectOne = (i) =>
    new Promise((resolve) => {
      const token = tokens ? tokens[i % tokens.length] : undefined;
      const socket = new WebSocket(token ? `${base}?token=${token}` : base, {
        perMessageDeflate: false,
      });
      clients.push(socket);
      const left = Math.max(1, deadline - performance.now());
      const timer = setTimeout(() => finish(false), left);
      function finish(ok) {
        clearTimeout(timer);
        socket.off('open', onOpen);
        if (ok) {
          opened++;
          lastOpenAt = performance.now();
        } else failed++;
        resolve();
      }
      function onOpen() {
        finish(true);
      }
      socket.once('open', onOpen);
      socket.once('unexpected-response', () => finish(false));
      socket.once('error', () => finish(false));
      socket.on('error', () => undefined);
      socket.on('message', (data) => {
        stats.frames++;
        stats.bytes += data.length;
        stats.lastFrameAt = performance.now();
      });
    });
  const worker = async () => {
    while (next < count && performance.now() < deadline) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const timedOut = opened < count;
  const connectSeconds = (lastOpenAt - started) / 1000;
  let quietSeconds = null;
  if (!timedOut) {
    // Quiet: no frame for quietMs, at most until the deadline.
    while (performance.now() < deadline) {
      const since = performance.now() - Math.max(stats.lastFrameAt, lastOpenAt);
      if (since >= quietMs) {
        quietSeconds = (Math.max(stats.lastFrameAt, lastOpenAt) - started) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, quietMs - since + 1)));
    }
  }
  return {
    clients,
    opened,
    failed,
    timedOut,
    connectSeconds,
    quietSeconds,
    frames: stats.frames,
    bytes: stats.bytes,
  };
}

/** Closes (or, past 2 s, terminates) every client, 500 at a time. */
async function emptyRoom(clients) {
  for (let i = 0; i < clients.length; i += 500) {
    await Promise.all(
      clients.slice(i, i + 500).map(
        (socket) =>
          new Promise((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 2_000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
            else socket.close();
          }),
      ),
    );
  }
}

module.exports = { emptyRoom, fillRoom };
