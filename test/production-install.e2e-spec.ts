import { execFile } from 'node:child_process';
import { cpSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILD_TIMEOUT_MS, buildIfNeeded, NodeProcess, ROOT } from './support/service-process';

const INSTALL_TIMEOUT_MS = 180_000;

/** The environment without the npm_* variables of the `npm test` around us (they carry --omit etc.). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return env;
}

// What a deploy ships (package.json, package-lock.json and the built dist/), installed with
// `npm ci --omit=dev` in an empty directory: the service must boot from `dependencies` alone.
// The pinned Node 24 is itself a devDependency, so the service runs on the Node running this test.
describe('a production install of the reference service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-prod-'));
  let service: NodeProcess | undefined;

  beforeAll(
    async () => {
      await buildIfNeeded();
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {
        recursive: true,
        filter: (source) => !source.startsWith(join(ROOT, 'dist', 'packages')),
      });
      await promisify(execFile)(
        'npm',
        ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
        { cwd: dir, env: cleanEnv(), timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      );
    },
    BUILD_TIMEOUT_MS + INSTALL_TIMEOUT_MS + 10_000,
  );

  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  it('boots from dist/src/main.js, answers readiness, and exits 0 on SIGTERM', async () => {
    service = new NodeProcess(join(dir, 'dist', 'src', 'main.js'), dir, {
      PORT: '0',
      DATA_DIR: join(dir, 'data'),
    });
    const [, url] = await service.waitForStdout(
      /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/,
      30_000,
    );
    const res = await fetch(`${url}/health/ready`);
    expect(res.status).toBe(200);
    service.signal('SIGTERM');
    expect(await service.exited(15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
