import type { WebSocket } from 'ws';

const SEND_TEXT = Object.freeze({ binary: false, compress: false, fin: true });
const OPEN = 1;
const SENDER_IDLE = 0;

/** The parts of a `ws` socket the fast path relies on (ws 8: `_socket`, `_sender._state`). */
interface WsInternals {
  readonly _socket?: { write(chunk: Buffer): boolean };
  readonly _sender?: { readonly _state?: number };
}

/**
 * One broadcast, framed once: the RFC 6455 text frame (server frames are unmasked, so every
 * recipient gets the same bytes) is built a single time and written to each socket as is,
 * instead of `ws.send()` re-framing it per recipient (options object, header buffer, a corked
 * two-chunk write). Sockets whose sender is busy (compressing, or holding queued data) go
 * through `ws.send()` so their order is kept.
 */
export class SharedFrame {
  private frame: Buffer | undefined;

  constructor(readonly payload: Buffer) {}

  /** Sends to one socket; false when the socket is not open. */
  sendTo(ws: WebSocket): boolean {
    if (ws.readyState !== OPEN) return false;
    const internals = ws as unknown as WsInternals;
    // ws is pinned exactly (package.json): its sender writes idle frames the same way.
    // oxlint-disable-next-line no-underscore-dangle
    const socket = internals._socket;
    // oxlint-disable-next-line no-underscore-dangle
    if (socket && internals._sender?._state === SENDER_IDLE) {
      socket.write((this.frame ??= textFrame(this.payload)));
    } else {
      ws.send(this.payload, SEND_TEXT);
    }
    return true;
  }

  /** Bytes one delivery adds to a socket's send buffer. */
  get length(): number {
    return this.payload.length + 10;
  }
}

/** An unmasked, final text frame carrying `payload` (RFC 6455 §5.2). */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
