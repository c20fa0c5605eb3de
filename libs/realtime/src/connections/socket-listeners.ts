import type { WebSocket } from 'ws';
import type { RoomConnection } from './room-connection';

const CONNECTION = Symbol('kit.realtime.connection');

type TaggedSocket = WebSocket & { [CONNECTION]?: RoomConnection };

/** Routes a socket's events to its connection's owner, with listeners shared by every socket. */
export function listenTo(ws: WebSocket, conn: RoomConnection): void {
  (ws as TaggedSocket)[CONNECTION] = conn;
  ws.on('message', onSocketMessage);
  ws.on('pong', onSocketPong);
  ws.on('close', onSocketClose);
  ws.on('error', onSocketError);
}

// Shared listeners (no closure per socket): the socket carries its connection.
function onSocketMessage(this: TaggedSocket, data: Buffer, isBinary: boolean): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onMessage(conn, data, isBinary);
}
function onSocketPong(this: TaggedSocket): void {
  const conn = this[CONNECTION];
  if (conn) conn.alive = true;
}
function onSocketClose(this: TaggedSocket, code: number, reason: Buffer): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onClose(conn, code, reason.toString('utf8'));
}
function onSocketError(this: TaggedSocket, err: Error): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onError(conn, err);
}
/** The expiry timer's callback (shared too: the timer carries the connection). */
export function onExpiry(conn: RoomConnection): void {
  conn.owner.expire(conn);
}
