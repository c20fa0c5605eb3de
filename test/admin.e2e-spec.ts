import { Closer, databaseVariants, expectProblem } from '@kit/testing';
import { randomUUID } from 'node:crypto';
import {
  ADMIN,
  adminToken,
  API_KEY,
  bootService,
  call,
  expectInvalidToken,
  expectMissingToken,
  expectNotAdmin,
  expectOAuthError,
  ISO_DATE,
  login,
  register,
  registerAndLogin,
  type Service,
  tokenRequest,
  UUID,
} from './support/auth-service';
import type { ApiKeyView as KeyView } from '@kit/auth';

// The admin routes of the reference service: PATCH/DELETE /admin/users/{id} and
// POST/GET/DELETE /admin/api-keys, with their 401/403 and their immediate effects.

const EVENTS = { events: [{ type: 'page_view', payload: { path: '/' } }] };

/** Every admin route, for the 401/403 sweeps. */
const adminRoutes = (): [string, string, unknown][] => [
  ['PATCH', `/admin/users/${randomUUID()}`, { role: 'admin' }],
  ['DELETE', `/admin/users/${randomUUID()}`, undefined],
  ['POST', '/admin/api-keys', { name: 'k' }],
  ['GET', '/admin/api-keys', undefined],
  ['DELETE', `/admin/api-keys/${randomUUID()}`, undefined],
];

describe.each(databaseVariants())('admin routes on $name', (variant) => {
  let s: Service;
  let admin: string;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'admin'));
    admin = await adminToken(s);
  });
  afterAll(() => closer.closeAll());

  describe('access', () => {
    it('every admin route is 401 with a bare Bearer challenge without a token', async () => {
      for (const [method, path, json] of adminRoutes())
        await expectMissingToken(await call(s, path, { method, json }));
    });

    it('every admin route is 401 invalid_token with a bad token', async () => {
      for (const [method, path, json] of adminRoutes())
        await expectInvalidToken(await call(s, path, { method, json, token: 'x.y.z' }));
    });

    it('every admin route is 403 AUTH_INSUFFICIENT_ROLE for a user', async () => {
      const { tokens } = await registerAndLogin(s);
      for (const [method, path, json] of adminRoutes())
        await expectNotAdmin(await call(s, path, { method, json, token: tokens.access_token }));
    });

    it('the bootstrap admin is an admin user', async () => {
      const res = await call(s, '/users/me', { token: admin });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        id: expect.stringMatching(UUID),
        email: ADMIN.email,
        name: null,
        role: 'admin',
        is_active: true,
        created_at: expect.stringMatching(ISO_DATE),
      });
    });
  });

  describe('PATCH /admin/users/{id}', () => {
    it('promotes a user to admin: 200 with the user, and the change applies to their next request', async () => {
      const { user, tokens } = await registerAndLogin(s);
      await expectNotAdmin(await call(s, '/admin/api-keys', { token: tokens.access_token }));
      const res = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { role: 'admin' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ...user, role: 'admin' });
      // Same token as before: roles are read from the database on each request.
      expect((await call(s, '/admin/api-keys', { token: tokens.access_token })).status).toBe(200);
      const demote = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { role: 'user' },
      });
      expect(await demote.json()).toEqual(user);
      await expectNotAdmin(await call(s, '/admin/api-keys', { token: tokens.access_token }));
    });

    it('deactivates a user: their valid token is 401 on the very next request, login and refresh fail', async () => {
      const { user, password, tokens } = await registerAndLogin(s);
      expect((await call(s, '/users/me', { token: tokens.access_token })).status).toBe(200);
      const res = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { is_active: false },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ...user, is_active: false });
      await expectInvalidToken(await call(s, '/users/me', { token: tokens.access_token }));
      await expectInvalidToken(await call(s, `/users/${user.id}`, { token: tokens.access_token }));
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'password', username: user.email, password }),
        400,
        'invalid_grant',
        'The username or password is wrong.',
      );
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        400,
        'invalid_grant',
        'The refresh token is invalid, expired or revoked.',
      );
      // Reactivated: logs in again (the old refresh token stays revoked).
      const back = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { is_active: true },
      });
      expect(await back.json()).toEqual(user);
      expect((await call(s, '/users/me', { token: tokens.access_token })).status).toBe(200);
      await login(s, user.email, password);
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        400,
        'invalid_grant',
      );
    });

    it('sets role and is_active together; an empty body changes nothing', async () => {
      const user = await register(s);
      const both = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { role: 'admin', is_active: false },
      });
      expect(await both.json()).toEqual({ ...user, role: 'admin', is_active: false });
      const none = await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: {},
      });
      expect(none.status).toBe(200);
      expect(await none.json()).toEqual({ ...user, role: 'admin', is_active: false });
    });

    it.each([
      ['an unknown role', { role: 'superuser' }, 'role'],
      ['a role in another case', { role: 'ADMIN' }, 'role'],
      ['is_active as a string', { is_active: 'false' }, 'is_active'],
      ['an unknown field', { email: 'new@example.com' }, 'email'],
      ['a password', { password: 'New-Password-1' }, 'password'],
    ])('%s → 400 VALIDATION_FAILED naming the field', async (_n, json, field) => {
      const user = await register(s);
      const res = await call(s, `/admin/users/${user.id}`, { method: 'PATCH', token: admin, json });
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        extensions: { errors: expect.any(Array) },
      });
      expect(body.errors).toEqual([{ field, message: expect.any(String) }]);
      const unchanged = await call(s, `/users/${user.id}`, { token: admin });
      expect(await unchanged.json()).toEqual(user);
    });

    it('an unknown id is 404 USER_NOT_FOUND', async () => {
      const id = randomUUID();
      const res = await call(s, `/admin/users/${id}`, {
        method: 'PATCH',
        token: admin,
        json: { role: 'user' },
      });
      const body = await expectProblem(res, 404, 'USER_NOT_FOUND');
      expect(body.detail).toBe(`No user has the id "${id}".`);
    });
  });

  describe('DELETE /admin/users/{id}', () => {
    it('deletes: 204 with no body; the user is gone and their token is 401 at once', async () => {
      const { user, password, tokens } = await registerAndLogin(s);
      const res = await call(s, `/admin/users/${user.id}`, { method: 'DELETE', token: admin });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      await expectInvalidToken(await call(s, '/users/me', { token: tokens.access_token }));
      await expectProblem(
        await call(s, `/users/${user.id}`, { token: admin }),
        404,
        'USER_NOT_FOUND',
      );
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'password', username: user.email, password }),
        400,
        'invalid_grant',
      );
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        400,
        'invalid_grant',
      );
      // A second delete finds nothing; the e-mail is free again.
      await expectProblem(
        await call(s, `/admin/users/${user.id}`, { method: 'DELETE', token: admin }),
        404,
        'USER_NOT_FOUND',
      );
      await register(s, user.email);
    });

    it('an unknown id is 404 USER_NOT_FOUND', async () => {
      const res = await call(s, `/admin/users/${randomUUID()}`, { method: 'DELETE', token: admin });
      await expectProblem(res, 404, 'USER_NOT_FOUND');
    });
  });

  describe('API keys', () => {
    it('POST creates a key: 201, the key is shown once and works for ingest', async () => {
      const before = Date.now();
      const res = await call(s, '/admin/api-keys', {
        token: admin,
        json: { name: 'ingest pipeline', scopes: ['metrics', 'ingest:write'] },
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as KeyView & { key: string };
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        name: 'ingest pipeline',
        prefix: expect.stringMatching(/^kit_[A-Za-z0-9]{8}$/),
        scopes: ['metrics', 'ingest:write'],
        key: expect.stringMatching(API_KEY),
        created_at: expect.stringMatching(ISO_DATE),
        revoked_at: null,
      });
      expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
      expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(before - 1_000);
      const ingest = await call(s, '/ingest/events', { apiKey: created.key, json: EVENTS });
      expect(ingest.status).toBe(202);
    });

    it('scopes default to []; every key is different', async () => {
      const keys = new Set<string>();
      const prefixes = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await call(s, '/admin/api-keys', { token: admin, json: { name: `k${i}` } });
        const created = (await res.json()) as KeyView & { key: string };
        expect(created.scopes).toEqual([]);
        keys.add(created.key);
        prefixes.add(created.prefix);
      }
      expect(keys.size).toBe(3);
      expect(prefixes.size).toBe(3);
    });

    it('GET lists keys without the key or its hash', async () => {
      const res0 = await call(s, '/admin/api-keys', { token: admin, json: { name: 'listed' } });
      const created = (await res0.json()) as KeyView & { key: string };
      const res = await call(s, '/admin/api-keys', { token: admin });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(created.key.slice(created.prefix.length + 1));
      const list = JSON.parse(text) as Record<string, unknown>[];
      for (const item of list)
        expect(Object.keys(item).sort()).toEqual([
          'created_at',
          'id',
          'name',
          'prefix',
          'revoked_at',
          'scopes',
        ]);
      const { key: _key, ...view } = created;
      expect(list).toContainEqual(view);
    });

    it('DELETE revokes: 204, the very next request with the key is 403, listed as revoked', async () => {
      const res0 = await call(s, '/admin/api-keys', { token: admin, json: { name: 'to revoke' } });
      const created = (await res0.json()) as KeyView & { key: string };
      expect((await call(s, '/ingest/events', { apiKey: created.key, json: EVENTS })).status).toBe(
        202,
      );
      const del = await call(s, `/admin/api-keys/${created.id}`, {
        method: 'DELETE',
        token: admin,
      });
      expect(del.status).toBe(204);
      expect(await del.text()).toBe('');
      await expectProblem(
        await call(s, '/ingest/events', { apiKey: created.key, json: EVENTS }),
        403,
        'AUTH_API_KEY_INVALID',
      );
      const list = (await (await call(s, '/admin/api-keys', { token: admin })).json()) as KeyView[];
      expect(list.find((k) => k.id === created.id)).toEqual({
        id: created.id,
        name: 'to revoke',
        prefix: created.prefix,
        scopes: [],
        created_at: created.created_at,
        revoked_at: expect.stringMatching(ISO_DATE),
      });
      // Revoking again, or an unknown id: 404.
      for (const id of [created.id, randomUUID()]) {
        const again = await call(s, `/admin/api-keys/${id}`, { method: 'DELETE', token: admin });
        const body = await expectProblem(again, 404, 'API_KEY_NOT_FOUND');
        expect(body.detail).toBe('No live API key has this id.');
      }
    });

    it.each([
      ['no name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name'],
      ['scopes that is not an array', { name: 'k', scopes: 'metrics' }, 'scopes'],
      ['an upper-case scope', { name: 'k', scopes: ['Metrics'] }, 'scopes'],
      [
        '21 scopes',
        { name: 'k', scopes: Array.from({ length: 21 }, (_v, i) => `s${i}`) },
        'scopes',
      ],
      ['a key chosen by the caller', { name: 'k', key: 'kit_aaaaaaaa_' + 'a'.repeat(43) }, 'key'],
    ])('POST with %s → 400 VALIDATION_FAILED', async (_n, json, field) => {
      const res = await call(s, '/admin/api-keys', { token: admin, json });
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        extensions: { errors: expect.any(Array) },
      });
      const fields = (body.errors as { field: string }[]).map((e) => e.field);
      expect(new Set(fields)).toEqual(new Set([field]));
    });
  });

  describe('a demoted or deactivated admin', () => {
    it('loses admin access on the next request', async () => {
      const { user, tokens } = await registerAndLogin(s);
      await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { role: 'admin' },
      });
      const second = tokens.access_token;
      expect((await call(s, '/admin/api-keys', { token: second })).status).toBe(200);
      await call(s, `/admin/users/${user.id}`, {
        method: 'PATCH',
        token: admin,
        json: { is_active: false },
      });
      await expectInvalidToken(await call(s, '/admin/api-keys', { token: second }));
    });
  });
});
