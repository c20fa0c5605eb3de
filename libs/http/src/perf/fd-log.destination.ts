import { writeSync } from 'node:fs';
import { HttpKitConfigError } from '../http.errors';

/** Worst case of UTF-8 bytes per UTF-16 code unit (a lone surrogate becomes U+FFFD). */
const MAX_BYTES_PER_UNIT = 3;
/** Errors after which the descriptor cannot be written again. */
const FATAL_CODES: ReadonlySet<string> = new Set(['EPIPE', 'EBADF']);

export interface FdLogDestinationOptions {
  /** Bytes buffered before they are written out. */
  minLength: number;
  /** Size of the buffer; a longer line is written on its own. @default 16 KiB */
  capacity?: number;
  /** Writes out what is buffered at least this often; 0 = only when full. @default 0 */
  flushEveryMs?: number;
  /** Told once when writing fails (and once more each time it fails again after working). */
  notify?: (message: string) => void;
  /** Waits for a full non-blocking pipe to drain before retrying. @default 1 ms sleep */
  waitForDrain?: () => void;
  /**
   * Lines written out at once, with everything buffered before them (errors: the process may
   * die right after them). @default none
   */
  isUrgent?: (line: string) => boolean;
}

/**
 * A synchronous, buffered destination for log lines on a file descriptor (stdout): lines are
 * encoded into one preallocated buffer as they come and written out once `minLength` bytes are
 * buffered, on `flushSync()` and every `flushEveryMs`, with partial writes completed and `EAGAIN`
 * (a full non-blocking pipe) waited out.
 *
 * Why not pino's `SonicBoom`: its `write()` measures the UTF-8 length of the whole pending chunk
 * (and so flattens it) on every line, which at 4 KiB chunks cost more than encoding the line
 * itself. Here each line is encoded exactly once.
 *
 * Losing logs must not take the service down: a failed write never throws. After EPIPE or EBADF
 * (the reader or the descriptor is gone) lines are dropped from then on; after another error
 * (ENOSPC, EIO, …) that chunk is dropped and the next write tries again. Each failure streak is
 * reported once through `notify` (stderr by default). `pino.destination()`'s `flushSync()`, by
 * contrast, retries a write that failed with EPIPE forever.
 *
 * Why hand-written (issue 12 keeps one only at >= 3% of a request's server CPU): the library
 * path (`pino.destination()` + the `request completed` line through `logger.info()`, a2040ef)
 * against this destination and the hand-built line (`request-line.ts`) together (31b33ff),
 * `npm run bench -- --ref=pre=31b33ff --ref=dest=p-swap-pino-destination
 * --ref=line=p-swap-pino-request-line ... --rounds=8 --duration=3`, two runs: `kit-info` +13.6%
 * and +13.2% CPU/request per round, `kit-warn` +8.7% / +6.0%. Alone, the destination and the
 * line cannot be told apart within the noise. See bench/README.md, "Library or hand-written".
 * This code against the library path (d94bae0), `npm run bench -- --ref=lib=d94bae0
 * --only=kit-info,kit-warn,kit-info@lib,kit-warn@lib --rounds=8 --duration=3 --no-build`, one
 * run, load 1.5-4.8: the library −2.5% CPU/request at `kit-info` (per round −12.3%), but also
 * −9.3% (−9.8%) at `kit-warn`, where both run the same code (no line logged): that run did not
 * separate the two, so the saving rests on the two runs above.
 */
export class FdLogDestination {
  private readonly buffer: Buffer;
  private readonly minLength: number;
  private readonly notify: (message: string) => void;
  private readonly waitForDrain: () => void;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly isUrgent: ((line: string) => boolean) | undefined;
  private used = 0;
  private broken = false;
  private failing = false;
  private closed = false;

  constructor(
    private readonly fd: number,
    options: FdLogDestinationOptions,
  ) {
    const capacity = options.capacity ?? 16 * 1024;
    if (!(options.minLength > 0 && capacity >= options.minLength)) {
      throw new HttpKitConfigError(
        'FdLogDestination minLength',
        `must be above 0 and at most capacity (${capacity}); got ${options.minLength}`,
      );
    }
    this.minLength = options.minLength;
    this.buffer = Buffer.allocUnsafe(capacity);
    this.notify = options.notify ?? toStderr;
    this.waitForDrain = options.waitForDrain ?? sleepOneMs;
    this.isUrgent = options.isUrgent;
    if (options.flushEveryMs) {
      this.timer = setInterval(() => this.flushSync(), options.flushEveryMs);
      this.timer.unref();
    }
  }

  /** Buffers one line (pino calls this with each serialized line); after `close()`, writes it. */
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
    if (this.closed || this.used >= this.minLength || this.isUrgent?.(line)) this.flushSync();
    return true;
  }

  /** Writes out what is buffered, now. */
  flushSync(): void {
    if (this.used === 0) return;
    if (this.broken) {
      this.used = 0;
      return;
    }
    const length = this.used;
    this.used = 0;
    this.writeOut(this.buffer.subarray(0, length));
  }

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /**
   * Writes out what is buffered and stops the flush timer; lines written later go out at once,
   * unbuffered, so nothing logged during the rest of a shutdown is held back. Idempotent.
   */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.flushSync();
  }

  private writeOut(data: Buffer): void {
    let offset = 0;
    let failure: string | undefined;
    while (offset < data.length) {
      try {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        if (code === 'EAGAIN') {
          this.waitForDrain();
          continue;
        }
        failure = code;
        break;
      }
    }
    if (failure === undefined) {
      this.failing = false;
      return;
    }
    this.broken = FATAL_CODES.has(failure);
    if (this.failing && !this.broken) return;
    this.failing = true;
    // Told after the loop: a `notify` that logs must not write into the buffer being written.
    this.notify(
      this.broken
        ? `log destination fd ${this.fd} failed (${failure}): log lines are dropped from now on\n`
        : `log destination fd ${this.fd} failed (${failure}): log lines are dropped until a write succeeds\n`,
    );
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepOneMs(): void {
  Atomics.wait(sleeper, 0, 0, 1);
}

/** Synchronous, and silent when stderr is gone too (an async stream would emit 'error'). */
function toStderr(message: string): void {
  try {
    writeSync(2, message);
  } catch {
    // Nothing left to tell it to.
  }
}
