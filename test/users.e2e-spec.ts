import { Closer, databaseVariants, expectProblem } from '@kit/testing';
import { randomUUID } from 'node:crypto';
import {
  bootService,
  call,
  expectInvalidToken,
  expectMissingToken,
  ISO_DATE,
  login,
  register,
  registerAndLogin,
  type Service,
  uniqueEmail,
  type UserView,
  UUID,
} from './support/auth-service';

// POST /users, GET /users/me and GET /users/{id} of the reference service.

describe.each(databaseVariants())('users on $name', (variant) => {
  let s: Service;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'users'));
  });
  afterAll(() => closer.closeAll());

  describe('POST /users', () => {
    it('registers a user: 201 with exactly {id, email, name, role, is_active, created_at}', async () => {
      const email = uniqueEmail('ada');
      const before = Date.now();
      const res = await call(s, '/users', {
        json: { email, password: 'Correct-Horse-9', name: 'Ada Lovelace' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
      const body = (await res.json()) as UserView;
      expect(body).toEqual({
        id: expect.stringMatching(UUID),
        email,
        name: 'Ada Lovelace',
        role: 'user',
        is_active: true,
        created_at: expect.stringMatching(ISO_DATE),
      });
      const created = Date.parse(body.created_at);
      expect(created).toBeGreaterThanOrEqual(before - 1_000);
      expect(created).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    it('stores the e-mail trimmed and lower-cased; name is null when not given', async () => {
      const email = uniqueEmail('grace');
      const res = await call(s, '/users', {
        json: { email: `  ${email.toUpperCase()} `, password: 'Correct-Horse-9' },
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ email, name: null, role: 'user' });
    });

    it('a registered user can log in with that password', async () => {
      const email = uniqueEmail();
      await register(s, email, 'Login-Works-123');
      const { access_token } = await login(s, email, 'Login-Works-123');
      expect((await call(s, '/users/me', { token: access_token })).status).toBe(200);
    });

    it('a duplicate e-mail is 409 EMAIL_TAKEN, whatever its case', async () => {
      const email = uniqueEmail('dup');
      await register(s, email);
      for (const again of [email, email.toUpperCase()]) {
        const res = await call(s, '/users', { json: { email: again, password: 'Another-Pass-1' } });
        const body = await expectProblem(res, 409, 'EMAIL_TAKEN');
        expect(body).toEqual({
          type: 'urn:problem:email-taken',
          title: 'Conflict',
          status: 409,
          detail: 'A user with this email already exists.',
          error: 'EMAIL_TAKEN',
          request_id: res.headers.get('x-request-id'),
        });
      }
    });

    it.each([
      [
        'an invalid e-mail and a short password',
        { email: 'not-an-email', password: 'short' },
        [
          { field: 'email', message: 'email must be an email address' },
          { field: 'password', message: 'password must be longer than or equal to 8 characters' },
        ],
      ],
      [
        'no password',
        { email: 'x@example.com' },
        [
          {
            field: 'password',
            message: 'password must be shorter than or equal to 256 characters',
          },
          { field: 'password', message: 'password must be longer than or equal to 8 characters' },
          { field: 'password', message: 'password must be a string' },
        ],
      ],
      [
        'a password of 257 characters',
        { email: 'x@example.com', password: 'p'.repeat(257) },
        [
          {
            field: 'password',
            message: 'password must be shorter than or equal to 256 characters',
          },
        ],
      ],
      [
        'a name that is not a string',
        { email: 'x@example.com', password: 'Long-Enough-1', name: 42 },
        [
          { field: 'name', message: 'name must be shorter than or equal to 200 characters' },
          { field: 'name', message: 'name must be a string' },
        ],
      ],
      [
        'a role (mass assignment)',
        { email: 'x@example.com', password: 'Long-Enough-1', role: 'admin' },
        [{ field: 'role', message: 'property role should not exist' }],
      ],
      [
        'is_active (mass assignment)',
        { email: 'x@example.com', password: 'Long-Enough-1', is_active: false },
        [{ field: 'is_active', message: 'property is_active should not exist' }],
      ],
    ])('%s → 400 VALIDATION_FAILED with field errors', async (_n, json, errors) => {
      const res = await call(s, '/users', { json });
      const body = await expectProblem(res, 400, 'VALIDATION_FAILED', {
        extensions: { errors: expect.any(Array) },
      });
      expect(body.errors).toEqual(expect.arrayContaining(errors));
      expect((body.errors as unknown[]).length).toBe(errors.length);
      expect(body.detail).toBe(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    });

    it('a role sent at registration creates nothing', async () => {
      const email = uniqueEmail('sneaky');
      const res = await call(s, '/users', {
        json: { email, password: 'Long-Enough-1', role: 'admin' },
      });
      expect(res.status).toBe(400);
      await register(s, email, 'Long-Enough-1');
    });

    it('is public: an invalid bearer token does not matter', async () => {
      const res = await call(s, '/users', {
        token: 'not.a.token',
        json: { email: uniqueEmail(), password: 'Long-Enough-1' },
      });
      expect(res.status).toBe(201);
    });

    it('a body that is not JSON is 400 MALFORMED_JSON', async () => {
      const res = await fetch(`${s.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":',
      });
      await expectProblem(res, 400, 'MALFORMED_JSON');
    });
  });

  describe('GET /users/me', () => {
    it('returns the authenticated user in the user shape', async () => {
      const { user, tokens } = await registerAndLogin(s);
      const res = await call(s, '/users/me', { token: tokens.access_token });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(user);
    });

    it('needs a bearer token', async () => {
      await expectMissingToken(await call(s, '/users/me'));
      await expectInvalidToken(await call(s, '/users/me', { token: 'garbage' }));
    });
  });

  describe('GET /users/{id}', () => {
    it('returns another user by id', async () => {
      const other = await register(s, uniqueEmail('other'), 'Long-Enough-1', 'Other');
      const { tokens } = await registerAndLogin(s);
      const res = await call(s, `/users/${other.id}`, { token: tokens.access_token });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(other);
    });

    it.each([
      ['an unknown uuid', () => randomUUID()],
      ['a non-uuid id', () => 'not-a-uuid'],
    ])('%s → 404 USER_NOT_FOUND', async (_n, id) => {
      const { tokens } = await registerAndLogin(s);
      const missing = id();
      const res = await call(s, `/users/${missing}`, { token: tokens.access_token });
      const body = await expectProblem(res, 404, 'USER_NOT_FOUND');
      expect(body.detail).toBe(`No user has the id "${missing}".`);
    });

    it('needs a bearer token', async () => {
      const other = await register(s);
      await expectMissingToken(await call(s, `/users/${other.id}`));
    });
  });
});
