import { Test } from '@nestjs/testing';
import {
  createTestApp,
  mintAccessToken,
  overrideCurrentUser,
  type TestApp,
  type DatabaseVariant,
  databaseVariants,
  type TestDatabase,
  expectProblem,
} from '@kit/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import type { AppUser } from '../src/users/user.view';
import { API_KEY, call, expectNotAdmin, JWT_SECRET, type Service } from './support/auth-service';

// @kit/testing's overrideCurrentUser (FastAPI's dependency_overrides[get_current_user]) on a
// Test.createTestingModule({ imports: [AppModule.forRoot(...)] }), and mintAccessToken.

function principal(role: 'user' | 'admin'): AppUser {
  const id = randomUUID();
  return {
    id,
    roles: [role],
    active: true,
    view: {
      id,
      email: `${role}-override@example.com`,
      name: 'Override',
      role,
      is_active: true,
      created_at: '2026-01-02T03:04:05.000Z',
    },
  };
}

async function bootWith(
  variant: DatabaseVariant,
  user: AppUser | undefined,
): Promise<{ s: Service; cleanup: () => Promise<void> }> {
  const db: TestDatabase = await variant.create('auth_override');
  const dataDir = mkdtempSync(join(tmpdir(), 'kit-override-'));
  const config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: dataDir, JWT_SECRET });
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, { scryptCost: 1024 })],
  });
  if (user) builder = overrideCurrentUser(builder, user);
  let t: TestApp;
  try {
    t = await createTestApp(builder);
  } catch (err) {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const cleanup = async () => {
    await t.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { s: { t, url: t.url, config, db, close: cleanup }, cleanup };
}

describe.each(databaseVariants())('overrideCurrentUser on $name', (variant) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('bearer routes see the override without any token', async () => {
    const user = principal('user');
    const { s, cleanup } = await bootWith(variant, user);
    cleanups.push(cleanup);
    const res = await call(s, '/users/me');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(user.view);
  });

  it('roles still apply: a user override gets 403 on admin routes', async () => {
    const { s, cleanup } = await bootWith(variant, principal('user'));
    cleanups.push(cleanup);
    await expectNotAdmin(await call(s, '/admin/api-keys'));
  });

  it('an admin override reaches admin routes and can create API keys', async () => {
    const { s, cleanup } = await bootWith(variant, principal('admin'));
    cleanups.push(cleanup);
    const res = await call(s, '/admin/api-keys', { json: { name: 'from override' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: 'from override',
      key: expect.stringMatching(API_KEY),
    });
  });

  it('does not replace API-key authentication', async () => {
    const { s, cleanup } = await bootWith(variant, principal('admin'));
    cleanups.push(cleanup);
    const res = await call(s, '/ingest/events', { json: { events: [{ type: 'a', payload: {} }] } });
    await expectProblem(res, 401, 'AUTH_API_KEY_MISSING');
  });

  it('without the override the same module needs a token, and mintAccessToken gives one', async () => {
    const { s, cleanup } = await bootWith(variant, undefined);
    cleanups.push(cleanup);
    expect((await call(s, '/users/me')).status).toBe(401);
    const sub = randomUUID();
    const token = await mintAccessToken(s.t.app, { id: sub, roles: ['tester'] }, { tenant: 't1' });
    const who = await call(s, '/auth/whoami', { token });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ sub, roles: ['tester'], tenant: 't1' });
    // The subject does not exist in the database: user routes refuse it.
    expect((await call(s, '/users/me', { token })).status).toBe(401);
  });
});
