import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, ServiceProcess } from './support/service-process';

const BUILD_TIMEOUT_MS = 180_000;

/** The process-level contract of `node dist/src/main.js`: boot failures and zero configuration. */
describe('booting the built reference service', () => {
  let dir: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    // Builds only when dist is missing or stale (CI runs `npm run build` before `npm test`).
    await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
      cwd: ROOT,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, BUILD_TIMEOUT_MS + 10_000);

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
        resources: { database: { status: 'up', durationMs: expect.any(Number) } },
      });
      expect(boot.stdout).toContain(
        `"msg":"opened database (sqlite:${join(dir, 'data', 'app.db')})"`,
      );

      boot.signal('SIGTERM');
      expect(await boot.exited(15_000)).toEqual({ code: 0, signal: null });
      expect(boot.stdout).toContain('"msg":"closed database"');
    }, 60_000);
  });
});
