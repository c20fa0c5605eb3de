import { Closer, databaseVariants } from '@kit/testing';
import {
  ADMIN,
  AUDIENCE,
  bootService,
  call,
  expectInvalidToken,
  expectOAuthError,
  expectTokenResponse,
  expectLoginThrottled,
  failLogins,
  ISSUER,
  login,
  register,
  registerAndLogin,
  type Service,
  tokenRequest,
  uniqueEmail,
} from './support/auth-service';
import { decodeSegment, splitToken } from './support/tokens';

// POST /auth/token: the RFC 6749 password and refresh_token grants, §5.2 errors, refresh-token
// rotation with reuse detection, and login throttling.

const WRONG_PASSWORD = 'The username or password is wrong.';
const BAD_REFRESH = 'The refresh token is invalid, expired or revoked.';

describe.each(databaseVariants())('token endpoint on $name', (variant) => {
  let s: Service;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'auth_token'));
  });
  afterAll(() => closer.closeAll());

  describe('password grant', () => {
    it('issues an RFC 9068 access token and a refresh token, with Cache-Control: no-store', async () => {
      const user = await register(s, uniqueEmail(), 'Pass-Word-Grant-1');
      const res = await tokenRequest(s, {
        grant_type: 'password',
        username: user.email,
        password: 'Pass-Word-Grant-1',
      });
      const tokens = await expectTokenResponse(res);
      const { header, payload } = splitToken(tokens.access_token);
      expect(decodeSegment(header)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      const claims = decodeSegment(payload);
      expect(claims).toEqual({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: user.id,
        roles: ['user'],
        iat: expect.any(Number),
        exp: (claims.iat as number) + 900,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(5);
      const me = await call(s, '/users/me', { token: tokens.access_token });
      expect(await me.json()).toEqual(user);
    });

    it('accepts the username in any case and with surrounding spaces', async () => {
      const user = await register(s, uniqueEmail(), 'Case-Insensitive-1');
      await login(s, `  ${user.email.toUpperCase()} `, 'Case-Insensitive-1');
    });

    it('every login gets a different access token, jti and refresh token', async () => {
      const user = await register(s, uniqueEmail(), 'Two-Logins-123');
      const a = await login(s, user.email, 'Two-Logins-123');
      const b = await login(s, user.email, 'Two-Logins-123');
      expect(a.refresh_token).not.toBe(b.refresh_token);
      expect(decodeSegment(splitToken(a.access_token).payload).jti).not.toBe(
        decodeSegment(splitToken(b.access_token).payload).jti,
      );
    });

    it.each([
      ['a wrong password', (email: string) => ({ username: email, password: 'Wrong-Password-1' })],
      [
        'the password in another case',
        (email: string) => ({ username: email, password: 'RIGHT-PASSWORD-1' }),
      ],
      ['an unknown user', () => ({ username: 'nobody@example.com', password: 'Right-Password-1' })],
    ])('%s → 400 invalid_grant, the same description', async (_n, form) => {
      const user = await register(s, uniqueEmail(), 'Right-Password-1');
      const res = await tokenRequest(s, { grant_type: 'password', ...form(user.email) });
      await expectOAuthError(res, 400, 'invalid_grant', WRONG_PASSWORD);
    });

    it('the bootstrap admin logs in with ADMIN_PASSWORD and gets the admin role', async () => {
      const { access_token } = await login(s, ADMIN.email, ADMIN.password);
      expect(decodeSegment(splitToken(access_token).payload).roles).toEqual(['admin']);
      expect((await call(s, '/admin/api-keys', { token: access_token })).status).toBe(200);
    });
  });

  describe('request errors (RFC 6749 §5.2)', () => {
    it.each([
      ['no grant_type', {}, 'invalid_request', '"grant_type" is required.'],
      [
        'an unknown grant_type',
        { grant_type: 'client_credentials' },
        'unsupported_grant_type',
        'grant_type must be "password" or "refresh_token".',
      ],
      [
        'a password grant without username',
        { grant_type: 'password', password: 'x' },
        'invalid_request',
        '"username" is required.',
      ],
      [
        'a password grant without password',
        { grant_type: 'password', username: 'a@example.com' },
        'invalid_request',
        '"password" is required.',
      ],
      [
        'an empty password',
        { grant_type: 'password', username: 'a@example.com', password: '' },
        'invalid_request',
        '"password" is required.',
      ],
      [
        'a password over 1024 characters',
        { grant_type: 'password', username: 'a@example.com', password: 'p'.repeat(1025) },
        'invalid_request',
        '"password" is too long.',
      ],
      [
        'a refresh grant without refresh_token',
        { grant_type: 'refresh_token' },
        'invalid_request',
        '"refresh_token" is required.',
      ],
    ])('%s → 400 %s', async (_n, form, error, description) => {
      await expectOAuthError(await tokenRequest(s, form), 400, error, description);
    });

    it('a repeated field is invalid_request', async () => {
      const body =
        'grant_type=password&username=a%40example.com&username=b%40example.com&password=x';
      const res = await fetch(`${s.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      await expectOAuthError(res, 400, 'invalid_request', '"username" must be sent once.');
    });

    it('a JSON body is invalid_request: the endpoint is form-encoded', async () => {
      const res = await fetch(`${s.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'password',
          username: ADMIN.email,
          password: ADMIN.password,
        }),
      });
      await expectOAuthError(
        res,
        400,
        'invalid_request',
        'The token request must be application/x-www-form-urlencoded.',
      );
    });
  });

  describe('refresh_token grant', () => {
    it('rotates: a new pair for the same user; the new refresh token works next', async () => {
      const { user, tokens } = await registerAndLogin(s);
      const second = await expectTokenResponse(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      );
      expect(second.refresh_token).not.toBe(tokens.refresh_token);
      expect(second.access_token).not.toBe(tokens.access_token);
      expect(decodeSegment(splitToken(second.access_token).payload).sub).toBe(user.id);
      const me = await call(s, '/users/me', { token: second.access_token });
      expect(await me.json()).toEqual(user);
      await expectTokenResponse(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: second.refresh_token }),
      );
    });

    it('reuse of a rotated refresh token is invalid_grant and revokes the whole family', async () => {
      const { user, password, tokens } = await registerAndLogin(s);
      const other = await login(s, user.email, password); // another family of the same user
      const r1 = tokens.refresh_token;
      const r2 = (
        await expectTokenResponse(
          await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: r1 }),
        )
      ).refresh_token;
      const r3 = (
        await expectTokenResponse(
          await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: r2 }),
        )
      ).refresh_token;
      // r1 again: reuse detected.
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: r1 }),
        400,
        'invalid_grant',
        BAD_REFRESH,
      );
      // The newest token of that family fails too, as does every older one.
      for (const refresh_token of [r3, r2, r1]) {
        await expectOAuthError(
          await tokenRequest(s, { grant_type: 'refresh_token', refresh_token }),
          400,
          'invalid_grant',
          BAD_REFRESH,
        );
      }
      // The other family is untouched.
      await expectTokenResponse(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token: other.refresh_token }),
      );
    });

    it('two concurrent uses of one refresh token: at most one wins', async () => {
      const { tokens } = await registerAndLogin(s);
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          tokenRequest(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((st) => st === 200).length).toBeLessThanOrEqual(1);
      expect(statuses.every((st) => st === 200 || st === 400)).toBe(true);
      await Promise.all(results.map((r) => r.arrayBuffer()));
    });

    it.each([
      ['an unknown refresh token', 'rt_' + 'A'.repeat(43)],
      ['an access token', 'ACCESS'],
      ['a value without the rt_ prefix', 'A'.repeat(46)],
      ['a 200-character value', 'rt_' + 'A'.repeat(197)],
    ])('%s → 400 invalid_grant', async (_n, value) => {
      const { tokens } = await registerAndLogin(s);
      const refresh_token = value === 'ACCESS' ? tokens.access_token : value;
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'refresh_token', refresh_token }),
        400,
        'invalid_grant',
        BAD_REFRESH,
      );
    });

    it('a refresh token is not an access token', async () => {
      const { tokens } = await registerAndLogin(s);
      await expectInvalidToken(await call(s, '/users/me', { token: tokens.refresh_token }));
    });
  });

  describe('throttling per username', () => {
    it('the 11th failure for one username from one address is 429 with Retry-After; other users still log in', async () => {
      const victim = await register(s, uniqueEmail('victim'), 'Victim-Password-1');
      const bystander = await register(s, uniqueEmail('bystander'), 'Bystander-Pass-1');
      await failLogins(s, victim.email, 10, WRONG_PASSWORD);
      const limited = await tokenRequest(s, {
        grant_type: 'password',
        username: victim.email,
        password: 'Wrong-11',
      });
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(890);
      expect(retryAfter).toBeLessThanOrEqual(900);
      await expectOAuthError(
        limited,
        429,
        'too_many_requests',
        `Too many failed attempts; retry in ${retryAfter} s.`,
      );
      // Even the right password is refused from this address while it is locked, in any case.
      for (const username of [victim.email, victim.email.toUpperCase()]) {
        await expectLoginThrottled(s, username, 'Victim-Password-1');
      }
      // Another user, from the same address, is not locked out.
      await login(s, bystander.email, 'Bystander-Pass-1');
    });

    it('spelling the username differently (case, spaces) does not buy more attempts', async () => {
      const victim = await register(s, uniqueEmail('spelling'), 'Spelling-Pass-12');
      const spellings = [
        victim.email,
        victim.email.toUpperCase(),
        ` ${victim.email}`,
        `${victim.email} `,
        `  ${victim.email}  `,
        `\t${victim.email}`,
        `${victim.email}\t`,
        ` ${victim.email.toUpperCase()}`,
        `   ${victim.email}`,
        `${victim.email}   `,
      ];
      for (const username of spellings) {
        await expectOAuthError(
          await tokenRequest(s, { grant_type: 'password', username, password: 'Wrong-Spelling-1' }),
          400,
          'invalid_grant',
          WRONG_PASSWORD,
        );
      }
      for (const username of [`    ${victim.email}`, victim.email]) {
        const res = await tokenRequest(s, {
          grant_type: 'password',
          username,
          password: 'Spelling-Pass-12',
        });
        await expectOAuthError(res, 429, 'too_many_requests');
      }
    });

    it('a success before the limit resets the count for that username', async () => {
      const user = await register(s, uniqueEmail('reset'), 'Reset-Password-1');
      await failLogins(s, user.email, 9);
      await login(s, user.email, 'Reset-Password-1');
      await failLogins(s, user.email, 10);
      await expectOAuthError(
        await tokenRequest(s, { grant_type: 'password', username: user.email, password: 'nope' }),
        429,
        'too_many_requests',
      );
    });
  });
});

describe.each(databaseVariants())('token endpoint throttling per address on $name', (variant) => {
  let s: Service;

  const addrCloser = new Closer();
  beforeEach(async () => {
    s = await addrCloser.adopt(bootService(variant, 'auth_addr'));
  });
  afterEach(() => addrCloser.closeAll());

  it('100 failures from one address (any usernames) make the 101st attempt 429', async () => {
    const user = await register(s, uniqueEmail('addr'), 'Address-Pass-12');
    for (let i = 0; i < 100; i++) {
      const res = await tokenRequest(s, {
        grant_type: 'password',
        username: `spray-${i}@example.com`,
        password: 'Spray-Password-1',
      });
      expect(res.status).toBe(400);
      await res.arrayBuffer();
    }
    const res = await tokenRequest(s, {
      grant_type: 'password',
      username: user.email,
      password: 'Address-Pass-12',
    });
    await expectOAuthError(res, 429, 'too_many_requests');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
