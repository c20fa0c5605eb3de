import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_TIMEOUT_MS, buildIfNeeded, ROOT } from './support/service-process';

/**
 * The built service whose stdout reader goes away (a log shipper that died): log lines are
 * dropped, told once on stderr, and the service neither hangs nor dies; it still serves and
 * exits 0 on SIGTERM.
 */
describe('the built reference service when its stdout pipe closes', () => {
  let dir: string;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-log-pipe-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps serving, tells EPIPE once on stderr, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening:\n${stdout}`)), 30_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
        void exited.then(() => reject(new Error(`exited:\n${stdout}\n${stderr}`)));
      });
      // The reader goes away: every later write to the pipe fails with EPIPE.
      child.stdout.destroy();
      // 200 request lines, far more than the 4 KiB the destination buffers.
      for (let i = 0; i < 200; i++) {
        const res = await fetch(`${url}/health/live`);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        exited,
        new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), 15_000))),
      ]);
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stderr.match(/log destination fd 1 failed \(EPIPE\)/g)).toEqual([
        'log destination fd 1 failed (EPIPE)',
      ]);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});
