import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILD_TIMEOUT_MS,
  buildIfNeeded,
  type Exit,
  ROOT,
  ServiceProcess,
} from './support/service-process';
import { compileFixtureMain } from './support/shutdown-fixture-process';

/** The process-level contract of `node dist/src/main.js`: boot failures and zero configuration. */
describe('booting the built reference service', () => {
  let dir: string;
  let service: ServiceProcess | undefined;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-boot-'));
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the service with only `env` (and PATH), in a fresh directory. */
  const start = (env: Record<string, string>): ServiceProcess =>
    (service = new ServiceProcess({ DATA_DIR: join(dir, 'data'), ...env }, dir));

  describe('with a bad environment variable', () => {
    it.each([
      ['PORT', 'abc', 'PORT must be a port number from 0 to 65535; got "abc"'],
      ['HOST', 'not-an-ip', 'HOST must be an IP address or "localhost"; got "not-an-ip"'],
      [
        'LOG_LEVEL',
        'loud',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
      ],
      [
        'CORS_ORIGINS',
        '*',
        'CORS_ORIGINS must list exact origins, not "*": the service answers CORS with credentials',
      ],
    ])(
      '%s=%s exits 1 with a message naming the variable',
      async (name, value, message) => {
        const boot = start({ [name]: value });
        expect(await boot.exited(15_000)).toEqual({ code: 1, signal: null });
        expect(boot.stderr).toBe(`boot failed: ${message}\n`);
        expect(boot.stdout).toBe('');
        expect(existsSync(join(dir, 'data'))).toBe(false);
      },
      25_000,
    );
  });

  describe('with a database that cannot be reached', () => {
    it('exits non-zero naming the database resource and its target, password masked', async () => {
      const boot = start({
        DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/test',
        PORT: '0',
      });
      const exit = await boot.exited(30_000);
      expect(exit.signal).toBeNull();
      expect(exit.code).not.toBe(0);
      expect(boot.stderr).toContain(
        'boot failed: resource "database" could not open postgres://postgres:****@127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1',
      );
      expect(boot.stderr + boot.stdout).not.toContain('s3cret');
      expect(boot.stdout).not.toContain('Server listening');
      // The log lines still buffered when the process exits are written out, not lost.
      expect(boot.stdout).toContain('"msg":"Starting Nest application..."');
      expect(boot.stdout).toContain('"msg":"Mapped {/health/live, GET} route"');
    }, 40_000);
  });

  describe('with a database that cannot be reached, stdout and stderr in one stream', () => {
    it('writes the buffered log out first and ends with the reason', async () => {
      const output = await runMerged(
        join(ROOT, 'dist', 'src', 'main.js'),
        { DATA_DIR: join(dir, 'data'), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
        dir,
      );
      expect(output.exit).toEqual({ code: 1, signal: null });
      const lines = output.text.trimEnd().split('\n');
      expect(lines.at(-1)).toBe(
        'boot failed: resource "database" could not open postgres://postgres@127.0.0.1:1/test: connect ECONNREFUSED 127.0.0.1:1',
      );
      expect(lines.slice(0, -1).every((l) => l.startsWith('{"level":'))).toBe(true);
      expect(output.text).toContain('"msg":"Starting Nest application..."');
    }, 30_000);
  });

  describe('when the running service crashes', () => {
    it.each([
      ['exception', 'uncaught exception: fixture crash: the disk is on fire'],
      ['rejection', 'unhandled rejection: fixture rejection: the disk is on fire'],
    ])(
      'an uncaught %s: the last log lines, then the reason as a fatal line; exit 1',
      async (kind, reason) => {
        const main = compileFixtureMain(dir, 'crash');
        const output = await runMerged(
          main,
          { CRASH: kind, NODE_PATH: join(ROOT, 'node_modules') },
          dir,
        );
        expect(output.exit).toEqual({ code: 1, signal: null });
        const lines = output.text.trimEnd().split('\n');
        // The log lines in order, the fatal line with the reason, then stderr's one line.
        expect(lines.at(-1)).toBe(reason);
        const log = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(log.slice(-4)).toEqual([
          expect.objectContaining({ level: 30, msg: 'last line 1 before the crash' }),
          expect.objectContaining({ level: 30, msg: 'last line 2 before the crash' }),
          expect.objectContaining({ level: 30, msg: 'last line 3 before the crash' }),
          expect.objectContaining({
            level: 60,
            msg: `${reason}; exiting with 1`,
            err: expect.objectContaining({ message: reason.replace(/^[a-z ]+: /, '') }),
          }),
        ]);
      },
      30_000,
    );
  });

  describe('with zero configuration', () => {
    it('starts on SQLite under DATA_DIR, answers readiness, and exits 0 on SIGTERM', async () => {
      const boot = start({ PORT: '0' });
      const [, url] = await boot.waitForStdout(
        /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
        30_000,
      );
      expect(existsSync(join(dir, 'data', 'app.db'))).toBe(true);
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ok',
        shuttingDown: false,
        resources: { database: { status: 'up', required: true, durationMs: expect.any(Number) } },
      });
      expect(boot.stdout).toContain(
        `"msg":"opened database (sqlite:${join(dir, 'data', 'app.db')})"`,
      );
      expect(boot.stdout).toContain(`"msg":"API docs at ${url}/docs"`);
      expect(boot.stdout).toContain(
        `"msg":"signing key: generated and stored in ${join(dir, 'data', 'jwt-signing.key')}; tokens do not survive losing it, and instances that share tokens need JWT_SECRET"`,
      );

      boot.signal('SIGTERM');
      expect(await boot.exited(15_000)).toEqual({ code: 0, signal: null });
      expect(boot.stdout).toContain('"msg":"closed database"');
    }, 50_000);
  });

  describe('with the deprecated ADMIN_USERNAME instead of ADMIN_EMAIL', () => {
    it('creates that admin, who can log in, and warns that the name is deprecated', async () => {
      const admin = { email: 'legacy-admin@example.com', password: 'Legacy-Admin-Pa55word' };
      const boot = start({
        PORT: '0',
        ADMIN_USERNAME: admin.email,
        ADMIN_PASSWORD: admin.password,
      });
      const [, url] = await boot.waitForStdout(
        /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
        30_000,
      );
      expect(boot.stdout).toMatch(
        /"level":40,[^\n]*"msg":"ADMIN_USERNAME is deprecated: rename it to ADMIN_EMAIL"/,
      );
      expect(boot.stdout).toContain(`"msg":"created admin ${admin.email}"`);
      const res = await fetch(`${url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: admin.email,
          password: admin.password,
        }),
      });
      expect(res.status).toBe(200);

      boot.signal('SIGTERM');
      expect(await boot.exited(15_000)).toEqual({ code: 0, signal: null });
    }, 60_000);
  });
});

/**
 * Runs a Node script with stdout and stderr on one file (one offset), so the file holds what the
 * process wrote in the order it wrote it; resolves once it exited, or kills it after `withinMs`.
 */
async function runMerged(
  script: string,
  env: Record<string, string>,
  cwd: string,
  withinMs = 20_000,
): Promise<{ exit: Exit; text: string }> {
  const file = join(cwd, 'output.txt');
  const fd = openSync(file, 'w');
  try {
    const child = spawn(process.execPath, [script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', fd, fd],
    });
    const exit = await new Promise<Exit>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    return { exit, text: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
