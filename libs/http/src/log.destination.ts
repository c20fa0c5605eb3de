import { writeSync } from 'node:fs';

/** Worst case of UTF-8 bytes per UTF-16 code unit (a lone surrogate becomes U+FFFD). */
const MAX_BYTES_PER_UNIT = 3;
const EAGAIN_WAIT_MS = 1;

/**
 * A synchronous, buffered destination for log lines on a file descriptor (stdout): lines are
 * encoded into one preallocated buffer as they come and written out once `minLength` bytes are
 * buffered (or on `flushSync()`), with partial writes completed and `EAGAIN` (a non-blocking
 * pipe that is full) waited out.
 *
 * Why not pino's `SonicBoom`: its `write()` measures the UTF-8 length of the whole pending chunk
 * (and so flattens it) on every line, which at 4 KiB chunks cost more than encoding the line
 * itself. Here each line is encoded exactly once.
 *
 * When the descriptor fails for good (EPIPE: the reader is gone), the lines are dropped and one
 * notice goes to stderr: losing logs must not take the service down with it.
 */
export class FdLogDestination {
  private readonly buffer: Buffer;
  private used = 0;
  private broken = false;
  private readonly waiter = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly fd: number,
    private readonly minLength: number,
    capacity = 16 * 1024,
    private readonly notify: (message: string) => void = toStderr,
  ) {
    if (!(minLength > 0 && capacity >= minLength)) {
      throw new RangeError('FdLogDestination needs 0 < minLength <= capacity');
    }
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Buffers one line (pino calls this with each serialized line). */
  write(line: string): boolean {
    if (this.broken) return true;
    const worst = line.length * MAX_BYTES_PER_UNIT;
    if (this.used + worst > this.buffer.length) {
      this.flushSync();
      if (worst > this.buffer.length) {
        this.writeOut(Buffer.from(line, 'utf8'));
        return true;
      }
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    if (this.used >= this.minLength) this.flushSync();
    return true;
  }

  /** Writes out what is buffered, now. */
  flushSync(): void {
    if (this.used === 0) return;
    const length = this.used;
    this.used = 0;
    this.writeOut(this.buffer.subarray(0, length));
  }

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    try {
      this.flushSync();
      cb?.();
    } catch (err) {
      cb?.(err as Error);
    }
  }

  private writeOut(data: Buffer): void {
    let offset = 0;
    while (offset < data.length && !this.broken) {
      try {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(this.waiter, 0, 0, EAGAIN_WAIT_MS);
          continue;
        }
        this.broken = true;
        this.notify(
          `log destination fd ${this.fd} failed (${errorCode(err)}): log lines are dropped from now on\n`,
        );
      }
    }
  }
}

/** Synchronous, and silent when stderr is gone too (an async stream would emit 'error'). */
function toStderr(message: string): void {
  try {
    writeSync(2, message);
  } catch {
    // Nothing left to tell it to.
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'unknown error';
}
