import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdLogDestination } from './fd-log.destination';

let dir: string;
let file: string;
let fd: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kit-log-'));
  file = join(dir, 'out.log');
  fd = openSync(file, 'w');
});

afterEach(() => {
  if (fd >= 0) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

const written = () => readFileSync(file, 'utf8');

function eio(): never {
  throw Object.assign(new Error('i/o error'), { code: 'EIO' });
}

describe('FdLogDestination', () => {
  describe('with minLength 100', () => {
    it('holds lines while fewer than minLength bytes are buffered', () => {
      const out = new FdLogDestination(fd, { minLength: 100 });
      out.write('a'.repeat(40) + '\n');
      out.write('b'.repeat(40) + '\n');
      expect(written()).toBe('');
    });

    it('writes everything buffered, in order, once minLength is reached', () => {
      const out = new FdLogDestination(fd, { minLength: 100 });
      for (const c of 'abc') out.write(c.repeat(40) + '\n');
      expect(written()).toBe(`${'a'.repeat(40)}\n${'b'.repeat(40)}\n${'c'.repeat(40)}\n`);
    });
  });

  describe('with isUrgent', () => {
    it('writes an urgent line out at once, after what was buffered before it', () => {
      const out = new FdLogDestination(fd, {
        minLength: 4096,
        isUrgent: (line) => line.startsWith('!'),
      });
      out.write('held\n');
      expect(written()).toBe('');
      out.write('!urgent\n');
      expect(written()).toBe('held\n!urgent\n');
      out.write('held again\n');
      expect(written()).toBe('held\n!urgent\n');
    });
  });

  describe('with minLength 4096', () => {
    it('flushSync() writes out what is buffered', () => {
      const out = new FdLogDestination(fd, { minLength: 4096 });
      out.write('one\n');
      out.flushSync();
      expect(written()).toBe('one\n');
    });

    it("flush(cb) (pino's) writes out what is buffered, then calls back", () => {
      const out = new FdLogDestination(fd, { minLength: 4096 });
      out.write('two\n');
      const done = jest.fn(() => expect(written()).toBe('two\n'));
      out.flush(done);
      expect(done).toHaveBeenCalledWith();
    });

    it('encodes UTF-8 exactly: accents, emoji, and a lone surrogate as U+FFFD', () => {
      const out = new FdLogDestination(fd, { minLength: 4096 });
      const line = 'café ☕ 😀 \ud800 end\n';
      out.write(line);
      out.flushSync();
      expect(readFileSync(file)).toEqual(Buffer.from(line, 'utf8'));
    });

    it('close() writes out what is buffered, and later lines go out at once', () => {
      const out = new FdLogDestination(fd, { minLength: 4096 });
      out.write('before\n');
      out.close();
      expect(written()).toBe('before\n');
      out.write('after\n');
      expect(written()).toBe('before\nafter\n');
      expect(() => out.close()).not.toThrow();
    });
  });

  describe('with a flush interval', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('writes out buffered lines when the interval passes', () => {
      const out = new FdLogDestination(fd, { minLength: 4096, flushEveryMs: 250 });
      out.write('idle line\n');
      jest.advanceTimersByTime(249);
      expect(written()).toBe('');
      jest.advanceTimersByTime(1);
      expect(written()).toBe('idle line\n');
      out.close();
    });

    it('stops the interval on close()', () => {
      const out = new FdLogDestination(fd, { minLength: 4096, flushEveryMs: 250 });
      out.close();
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('with a 128-byte buffer', () => {
    it('writes a line longer than the buffer whole, after what was buffered', () => {
      const out = new FdLogDestination(fd, { minLength: 64, capacity: 128 });
      out.write('first\n');
      const long = 'é'.repeat(1000) + '\n';
      out.write(long);
      out.write('last\n');
      out.flushSync();
      expect(written()).toBe(`first\n${long}last\n`);
    });

    it('never overruns its buffer, whatever the mix of line lengths', () => {
      const out = new FdLogDestination(fd, { minLength: 100, capacity: 128 });
      let expected = '';
      for (let i = 0; i < 500; i++) {
        const line = `${i}:${'ü'.repeat(i % 97)}\n`;
        expected += line;
        out.write(line);
      }
      out.flushSync();
      expect(written()).toBe(expected);
    });
  });

  it.each([
    ['above its capacity', 4096],
    ['of 0', 0],
    ['below 0', -1],
  ])('refuses a minLength %s with HTTP_INVALID_OPTION', (_case, minLength) => {
    expect(() => new FdLogDestination(fd, { minLength, capacity: 1024 })).toThrow(
      expect.objectContaining({
        code: 'HTTP_INVALID_OPTION',
        message: expect.stringContaining('FdLogDestination minLength must be above 0'),
      }),
    );
  });

  describe('when the descriptor fails for good (EBADF)', () => {
    it('drops lines without throwing and tells once', () => {
      const notices: string[] = [];
      const out = new FdLogDestination(fd, { minLength: 1, notify: (m) => notices.push(m) });
      closeSync(fd);
      fd = -1; // closed here: afterEach must not close a number that may be reused
      expect(() => out.write('lost\n')).not.toThrow();
      expect(() => out.write('lost too\n')).not.toThrow();
      out.close();
      expect(notices).toEqual([
        expect.stringContaining('(EBADF): log lines are dropped from now on'),
      ]);
    });
  });

  describe('when the reader of its pipe is gone (EPIPE)', () => {
    it('drops lines without throwing or retrying, tells once, and flushes and closes at once', () => {
      // A FIFO whose only reader closes: every write gets EPIPE (Node ignores SIGPIPE).
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const readerFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const pipeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      closeSync(readerFd);
      const notices: string[] = [];
      const out = new FdLogDestination(pipeFd, { minLength: 64, notify: (m) => notices.push(m) });
      try {
        out.write('held\n');
        expect(() => out.flushSync()).not.toThrow();
        for (let i = 0; i < 100; i++) expect(out.write(`${'x'.repeat(100)}\n`)).toBe(true);
        out.close();
        out.write('after close\n');
      } finally {
        closeSync(pipeFd);
      }
      expect(notices).toEqual([
        expect.stringContaining('(EPIPE): log lines are dropped from now on'),
      ]);
    });
  });

  describe('when a write fails for now (EIO)', () => {
    // An I/O error cannot be staged on a real descriptor here: the first write is made to fail.
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    afterEach(() => jest.restoreAllMocks());

    it('drops that chunk, tells once, and writes the next lines once writing works', () => {
      jest.spyOn(fs, 'writeSync').mockImplementationOnce(eio);
      const notices: string[] = [];
      const out = new FdLogDestination(fd, { minLength: 1, notify: (m) => notices.push(m) });
      out.write('lost\n');
      out.write('kept\n');
      expect(written()).toBe('kept\n');
      expect(notices).toEqual([
        expect.stringContaining('(EIO): log lines are dropped until a write succeeds'),
      ]);
    });

    it('tells again when writing fails again after it worked', () => {
      jest.spyOn(fs, 'writeSync').mockImplementationOnce(eio).mockImplementationOnce(eio);
      const notices: string[] = [];
      const out = new FdLogDestination(fd, { minLength: 1, notify: (m) => notices.push(m) });
      out.write('lost 1\n'); // fails: told
      out.write('lost 2\n'); // fails again in the same streak: not told
      out.write('kept\n');
      expect(notices).toHaveLength(1);
      jest.spyOn(fs, 'writeSync').mockImplementationOnce(eio);
      out.write('lost 3\n'); // a new streak: told
      expect(notices).toHaveLength(2);
      expect(written()).toBe('kept\n');
    });
  });

  it('waits out EAGAIN on a full non-blocking pipe, losing nothing', async () => {
    // A FIFO whose reader holds it open but reads only once the writer first has to wait: the
    // pipe fills, the non-blocking write gets EAGAIN, and the wait hook lets the reader go.
    const data = join(dir, 'data');
    const go = join(dir, 'go');
    execFileSync('mkfifo', [data, go]);
    // Read-write: opening never waits for the reader, and the descriptor is non-blocking.
    const pipeFd = openSync(data, constants.O_RDWR | constants.O_NONBLOCK);
    const reader = spawn('sh', ['-c', 'exec 3<"$0"; read -r _ < "$1"; wc -c <&3', data, go], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let counted = '';
    reader.stdout.on('data', (chunk: Buffer) => (counted += chunk.toString()));
    const exited = new Promise((resolve) => reader.on('close', resolve));
    let waits = 0;
    const out = new FdLogDestination(pipeFd, {
      minLength: 4096,
      waitForDrain: () => {
        if (waits++ === 0) {
          const signal = openSync(go, 'w'); // meets the reader's open of `go`
          writeSync(signal, 'go\n');
          closeSync(signal);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      },
    });
    try {
      const line = 'x'.repeat(1023) + '\n';
      for (let i = 0; i < 512; i++) out.write(line); // 512 KiB, far more than a pipe holds
      out.flushSync();
    } finally {
      closeSync(pipeFd);
    }
    await exited;
    expect(waits).toBeGreaterThan(0);
    expect(Number(counted.trim())).toBe(512 * 1024);
  });
});
