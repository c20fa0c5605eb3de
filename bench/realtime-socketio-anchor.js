'use strict';
// Anchor: socket.io 4 rooms, WebSocket transport only, no per-message deflate. A client joins
// the room named in its handshake query; every `message` event is re-emitted to the room as the
// kit's envelope with `io.to(room).emit` (socket.io encodes a broadcast once).
const { randomUUID } = require('node:crypto');
const { createServer } = require('node:http');
const { Server } = require('socket.io');

function main() {
  const server = createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    maxHttpBufferSize: 65_536,
  });
  let users = 0;
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room ?? 'lobby');
    const userId = `user-${++users}`;
    void socket.join(room);
    socket.on('message', (data) => {
      io.to(room).emit('message', {
        type: 'message',
        room,
        id: randomUUID(),
        from: { id: userId },
        data,
        ts: new Date().toISOString(),
      });
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
  });
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
}

function exit() {
  process.exit(0);
}

main();
