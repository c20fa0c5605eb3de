import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, OwnRedisServer } from '@kit/testing';
import type { ServiceProcess } from './support/service-process';
import { BUILD_TIMEOUT_MS, buildIfNeeded, startService } from './support/shutdown-service';

// SIGTERM to the built service (`node dist/src/main.js`) while the Redis it uses is down (a
// redis-server this suite owns and kills): every Redis client gives up within its deadline
// instead of waiting for a reconnection, so the process exits 0 inside SHUTDOWN_GRACE_MS.

const GRACE_MS = 6_000;

describe('SIGTERM while Redis is down (built service, own redis-server)', () => {
  let dir: string | undefined;
  let redis: OwnRedisServer | undefined;
  let proc: ServiceProcess | undefined;

  beforeAll(buildIfNeeded, BUILD_TIMEOUT_MS + 10_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kit-shutdown-redis-'));
    redis = await OwnRedisServer.start();
  }, 20_000);

  afterEach(async () => {
    await proc?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    proc = redis = dir = undefined;
  }, 20_000);

  it('exits 0 within the grace period', async () => {
    const started = await startService(
      {
        PORT: '0',
        DATA_DIR: join(dir!, 'data'),
        REDIS_URL: redis!.url,
        JWT_SECRET: 'shutdown-redis-e2e-signing-secret-0123456789-abcdef',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        LOG_LEVEL: 'info',
      },
      dir!,
    );
    proc = started.proc;
    const ready = await fetch(`${started.url}/health/ready`);
    expect(ready.status).toBe(200);

    await redis!.stop();
    await waitFor(
      async () => {
        const res = await fetch(`${started.url}/health/ready`);
        const body = (await res.json()) as { resources: Record<string, { status: string }> };
        return body.resources.redis?.status === 'down';
      },
      { timeoutMs: 10_000, intervalMs: 50, description: 'readiness to report Redis down' },
    );

    const signalled = performance.now();
    proc.signal('SIGTERM');
    const exit = await proc.exited(GRACE_MS + 5_000);
    const took = performance.now() - signalled;
    expect({ exit, output: exit.code === 0 ? '' : proc.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: '',
    });
    expect(took).toBeLessThan(GRACE_MS);
    expect(proc.stdout).toMatch(/"msg":"closed redis"/);
  }, 60_000);
});
