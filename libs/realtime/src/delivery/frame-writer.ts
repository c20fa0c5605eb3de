import type { Duplex } from 'node:stream';

const OPEN = 1;

/**
 * One broadcast, framed once: the RFC 6455 text frame (server frames are unmasked, so every
 * recipient gets the same bytes) is built a single time and handed to each recipient's
 * `SendQueue` as is, instead of `ws.send()` re-framing it per recipient (options object, header
 * buffer, a corked two-chunk write).
 */
export class SharedFrame {
  private frame: Buffer | undefined;

  constructor(readonly payload: Buffer) {}

  /** The framed bytes, built on first use. */
  get bytes(): Buffer {
    return (this.frame ??= textFrame(this.payload));
  }
}

const QUEUE = Symbol('kit.realtime.sendQueue');
type TaggedSocket = Duplex & { [QUEUE]?: SendQueue };

/**
 * The outbound frames of one room socket, written to the TCP socket the upgrade came on (the
 * one `ws` writes to: with compression off, `ws` writes its frames synchronously, so ours and
 * its own never interleave within a frame).
 *
 * Frames go straight to the socket while it accepts them (`write()` returned true); after that
 * they wait here, in order, until the socket drains. So the socket never holds more than its
 * high-water mark plus one frame, and whatever `ws` writes next — a close frame for a slow
 * consumer — goes out right behind that, not behind the whole backlog, which stays here where
 * it can be dropped. Frames are only written while the WebSocket is open: nothing follows a
 * close frame.
 */
export class SendQueue {
  private frames: (Buffer | undefined)[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly ws: { readonly readyState: number },
  ) {
    (socket as TaggedSocket)[QUEUE] = this;
    socket.on('drain', onSocketDrain);
  }

  /** Bytes waiting here, not yet handed to the socket. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Bytes handed to the socket that the kernel has not taken yet. */
  get socketBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Writes or queues one frame; false (and nothing queued) when that would take the bytes held
   * for this socket — here and in the socket — past `capBytes`.
   */
  push(frame: Buffer, capBytes: number): boolean {
    if (this.bytes === 0 && !this.socket.writableNeedDrain) {
      this.socket.write(frame);
      return true;
    }
    if (this.bytes + this.socket.writableLength + frame.length > capBytes) return false;
    this.frames.push(frame);
    this.bytes += frame.length;
    return true;
  }

  /** Forgets every queued frame (the socket is being closed). Safe to call twice. */
  drop(): void {
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** @internal the socket drained: writes queued frames until it is full again. */
  flush(): void {
    if (this.ws.readyState !== OPEN || this.socket.destroyed) {
      this.drop();
      return;
    }
    while (this.head < this.frames.length) {
      const frame = this.frames[this.head] as Buffer;
      this.frames[this.head++] = undefined;
      this.bytes -= frame.length;
      if (!this.socket.write(frame)) break;
    }
    if (this.head === this.frames.length) this.drop();
  }
}

function onSocketDrain(this: TaggedSocket): void {
  this[QUEUE]?.flush();
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
