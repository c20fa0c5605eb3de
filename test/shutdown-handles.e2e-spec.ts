import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableGracefulShutdown } from '@kit/lifespan';
import { createTestApp, type TestApp, waitFor, serviceUrl } from '@kit/testing';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import { login, registerAndLogin } from './support/shutdown-service';

// After the shutdown sequence (app.close() inside it) the reference service leaves nothing
// behind in the process: no server, no socket (HTTP, database, Redis), no timer of its own.

/** Sockets, servers and timers alive in the process now. */
function handles(): { sockets: number; servers: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  const count = (kind: string): number => info.filter((k) => k === kind).length;
  return {
    sockets: count('TCPSocketWrap'),
    servers: count('TCPServerWrap'),
    timers: count('Timeout'),
  };
}

const ADMIN = { email: 'handles-admin@example.com', password: 'Handles-Admin-Pa55word' };

const redisUrl = serviceUrl('redis');
const variants: [string, Record<string, string>][] = [
  ['SQLite, in-process jobs', {}],
  ...(redisUrl
    ? [['SQLite, Redis and BullMQ', { REDIS_URL: redisUrl }] as [string, Record<string, string>]]
    : []),
];

describe.each(variants)(
  'no open handles after the shutdown of the reference service (%s)',
  (_name, env) => {
    let dir: string;
    let t: TestApp | undefined;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kit-handles-'));
    });
    afterEach(async () => {
      await t?.close();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    it('closes every server, socket and timer it opened', async () => {
      const before = handles();
      const config = loadConfig({
        DATA_DIR: dir,
        JWT_SECRET: 'handles-e2e-signing-secret-0123456789-abcdefghijk',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        ...env,
      });
      t = await createTestApp(
        AppModule.forRoot(config, { scryptCost: 1024, jobsQueueName: `handles-${Date.now()}` }),
      );
      const exits: number[] = [];
      const shutdown = enableGracefulShutdown(t.app, {
        graceMs: 5_000,
        signals: [],
        exit: (code) => exits.push(code),
      });

      // Exercise what opens things: keep-alive HTTP, the database, a background task, a job.
      const token = await registerAndLogin(t.url, 'handles@example.com', 'Handles-Pa55word');
      const order = await fetch(`${t.url}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'x', quantity: 1 }),
      });
      expect(order.status).toBe(201);
      const admin = await login(t.url, ADMIN.email, ADMIN.password);
      const key = await fetch(`${t.url}/admin/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'handles' }),
      });
      expect(key.status).toBe(201);
      const ingest = await fetch(`${t.url}/ingest/events`, {
        method: 'POST',
        headers: {
          'x-api-key': ((await key.json()) as { key: string }).key,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ events: [{ type: 'ping', payload: {} }] }),
      });
      expect(ingest.status).toBe(202);
      expect(t.app.getHttpServer().listening).toBe(true);

      expect(await shutdown('SIGTERM')).toBe(0);
      expect(exits).toEqual([0]);
      // Bounded: sockets the peer closes need a turn or two of the event loop to go away.
      const excess = (): Record<string, number> => {
        const now = handles();
        return Object.fromEntries(
          (Object.keys(now) as (keyof typeof now)[])
            .filter((k) => now[k] > before[k])
            .map((k) => [k, now[k] - before[k]]),
        );
      };
      await waitFor(() => Object.keys(excess()).length === 0, {
        timeoutMs: 3_000,
        description: 'every handle to close',
      }).catch(() => undefined);
      expect(excess()).toEqual({});
      t = undefined;
    }, 30_000);
  },
);
