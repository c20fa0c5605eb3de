import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdLogDestination } from './log.destination';

describe('FdLogDestination', () => {
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

  it('holds lines until minLength bytes are buffered, then writes them in order', () => {
    const out = new FdLogDestination(fd, 100);
    out.write('a'.repeat(40) + '\n');
    out.write('b'.repeat(40) + '\n');
    expect(written()).toBe('');
    out.write('c'.repeat(40) + '\n');
    expect(written()).toBe(`${'a'.repeat(40)}\n${'b'.repeat(40)}\n${'c'.repeat(40)}\n`);
  });

  it('flushSync() and flush() write out what is buffered', () => {
    const out = new FdLogDestination(fd, 4096);
    out.write('one\n');
    out.flushSync();
    expect(written()).toBe('one\n');
    out.write('two\n');
    const done = jest.fn();
    out.flush(done);
    expect(written()).toBe('one\ntwo\n');
    expect(done).toHaveBeenCalledWith();
  });

  it('encodes UTF-8 exactly: accents, emoji, and a lone surrogate as U+FFFD', () => {
    const out = new FdLogDestination(fd, 4096);
    const line = 'café ☕ 😀 \ud800 end\n';
    out.write(line);
    out.flushSync();
    expect(readFileSync(file)).toEqual(Buffer.from(line, 'utf8'));
  });

  it('writes lines longer than its buffer whole, after what was buffered', () => {
    const out = new FdLogDestination(fd, 64, 128);
    out.write('first\n');
    const long = 'é'.repeat(1000) + '\n';
    out.write(long);
    out.write('last\n');
    out.flushSync();
    expect(written()).toBe(`first\n${long}last\n`);
  });

  it('never overruns its buffer, whatever the mix of line lengths', () => {
    const out = new FdLogDestination(fd, 100, 256);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      const line = `${i}:${'ü'.repeat(i % 97)}\n`;
      expected += line;
      out.write(line);
    }
    out.flushSync();
    expect(written()).toBe(expected);
  });

  it('refuses a minLength above its capacity', () => {
    expect(() => new FdLogDestination(fd, 4096, 1024)).toThrow(RangeError);
  });

  it('drops lines (once telling stderr) when the descriptor fails, instead of throwing', () => {
    const notices: string[] = [];
    const out = new FdLogDestination(fd, 1, 1024, (m) => notices.push(m));
    closeSync(fd);
    fd = -1; // closed here: afterEach must not close a number that may be reused
    expect(() => out.write('lost\n')).not.toThrow();
    expect(() => out.write('lost too\n')).not.toThrow();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('EBADF');
  });

  it('waits out EAGAIN on a full non-blocking pipe and loses nothing', async () => {
    // A FIFO whose reader opens it at once but reads only after a pause: the pipe fills and
    // the non-blocking writes get EAGAIN until it drains.
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('sh', ['-c', 'exec 3<"$0"; sleep 0.3; wc -c <&3', fifo], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let counted = '';
    reader.stdout.on('data', (chunk: Buffer) => (counted += chunk.toString()));
    const exited = new Promise((resolve) => reader.on('close', resolve));
    const pipeFd = await openWhenReaderIsThere(fifo);
    try {
      const out = new FdLogDestination(pipeFd, 4096);
      const line = 'x'.repeat(1023) + '\n';
      for (let i = 0; i < 512; i++) out.write(line); // 512 KiB, far more than a pipe holds
      out.flushSync();
    } finally {
      closeSync(pipeFd);
    }
    await exited;
    expect(Number(counted.trim())).toBe(512 * 1024);
  });
});

/** Opening a FIFO non-blocking for writing fails (ENXIO) until a reader has it open. */
async function openWhenReaderIsThere(fifo: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error('the FIFO reader never opened it');
}
