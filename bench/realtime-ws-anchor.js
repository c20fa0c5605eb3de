'use strict';
// Anchor: a raw `ws` room server, the least a team would write by hand. `GET /ws/{room}` on
// one HTTP port (noServer), every JSON text message broadcast to the room as the kit's envelope
// (parsed to validate it, serialized once, sent to each member), join/leave bookkeeping. No auth,
// no Origin check, no rate limit, no backpressure, no pings.
const { randomUUID } = require('node:crypto');
const { createServer } = require('node:http');
const { WebSocketServer } = require('ws');

const ROOM = /^\/ws\/([A-Za-z0-9_-]{1,64})(?:\?|$)/;

function main() {
  const rooms = new Map();
  let users = 0;
  const server = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 65_536, clientTracking: false });
  server.on('upgrade', (req, socket, head) => {
    const match = ROOM.exec(req.url ?? '');
    if (!match) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => join(rooms, match[1], ws, `user-${++users}`));
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
  });
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
}

function join(rooms, room, ws, userId) {
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let value;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    const text = JSON.stringify({
      type: 'message',
      room,
      id: randomUUID(),
      from: { id: userId },
      data: value,
      ts: new Date().toISOString(),
    });
    for (const member of members) member.send(text);
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    members.delete(ws);
    if (members.size === 0) rooms.delete(room);
  });
}

function exit() {
  process.exit(0);
}

main();
