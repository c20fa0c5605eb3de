import { Closer, databaseVariants, waitFor } from '@kit/testing';
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  ADMIN,
  AUDIENCE,
  adminToken,
  bootService,
  call,
  expectInvalidToken,
  expectMissingToken,
  expectNotAdmin,
  ISSUER,
  JWT_SECRET,
  login,
  registerAndLogin,
  type Service,
  type UserView,
} from './support/auth-service';
import {
  attackerRsaKey,
  b64url,
  craftToken,
  decodeSegment,
  splitToken,
  validClaims,
  without,
} from './support/tokens';

// Verification hardening of @kit/auth on the reference service: every crafted token is refused
// with the same 401 (no oracle), both on a route that loads the user (/users/me) and on the
// claims-only /auth/whoami. The service runs with JWT_CLOCK_TOLERANCE=0 so "exp now" is exact.

/** A TCP listener that counts connections: a token header pointing here must never be fetched. */
class LoopbackTrap {
  connections = 0;
  private readonly server: Server = createServer((socket: Socket) => {
    this.connections += 1;
    socket.destroy();
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `http://127.0.0.1:${port}${path}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const HS256 = { alg: 'HS256', typ: 'at+jwt' };
const REAL = { hmac: 'HS256', secret: JWT_SECRET } as const;
const ROUTES = ['/users/me', '/auth/whoami'] as const;
const now = () => Math.floor(Date.now() / 1000);

describe.each(databaseVariants())('access-token verification on $name', (variant) => {
  let s: Service;
  let user: UserView;
  let realToken: string;
  let refreshToken: string;
  let adminId: string;
  const trap = new LoopbackTrap();
  const closer = new Closer();
  const attacker = attackerRsaKey();

  const claims = (overrides: Record<string, unknown> = {}) =>
    validClaims(user.id, { issuer: ISSUER, audience: AUDIENCE }, overrides);
  beforeAll(async () => {
    await trap.start();
    s = await closer.adopt(bootService(variant, 'auth_verify', { JWT_CLOCK_TOLERANCE: '0' }));
    const session = await registerAndLogin(s);
    user = session.user;
    realToken = session.tokens.access_token;
    refreshToken = session.tokens.refresh_token;
    const me = await call(s, '/users/me', { token: await adminToken(s) });
    adminId = ((await me.json()) as UserView).id;
    // Verified once, so it sits in the verified-token cache: near copies must still fail.
    const primed = await call(s, '/users/me', { token: realToken });
    if (primed.status !== 200) throw new Error(`the issued token was refused: ${primed.status}`);
  });
  afterAll(async () => {
    await closer.closeAll();
    await trap.close();
  });

  const crafted = (roles: unknown) =>
    craftToken({ header: HS256, payload: claims({ roles }), sign: REAL });

  async function expectRefusedEverywhere(token: string): Promise<void> {
    for (const route of ROUTES) await expectInvalidToken(await call(s, route, { token }));
  }

  describe('the baseline the crafted tokens start from', () => {
    it('a hand-made HS256 at+jwt token with valid claims is accepted on both routes', async () => {
      const token = craftToken({ header: HS256, payload: claims(), sign: REAL });
      const me = await call(s, '/users/me', { token });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual(user);
      const who = await call(s, '/auth/whoami', { token });
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({ sub: user.id, iss: ISSUER, aud: AUDIENCE });
    });

    it('the token the service issued works on both routes', async () => {
      for (const route of ROUTES)
        expect((await call(s, route, { token: realToken })).status).toBe(200);
    });
  });

  describe('no Authorization header', () => {
    it.each(ROUTES)('%s answers 401 with a bare Bearer challenge', async (route) => {
      await expectMissingToken(await call(s, route));
    });

    it('an X-API-Key instead of a bearer token is no credential on a bearer route', async () => {
      await expectMissingToken(
        await call(s, '/users/me', { apiKey: 'kit_abcdefgh_' + 'x'.repeat(43) }),
      );
    });
  });

  describe('malformed Authorization headers', () => {
    it.each([
      ['an empty bearer token', 'Bearer'],
      ['two tokens', () => `Bearer ${realToken} ${realToken}`],
      ['a refresh token', () => `Bearer ${refreshToken}`],
      ['a bare token without scheme', () => realToken],
      ['8 KB of token', `Bearer ${'a'.repeat(8_200)}.b.c`],
      ['not base64url', 'Bearer ***.***.***'],
    ])('%s → the same 401', async (_name, header) => {
      const value = typeof header === 'function' ? header() : header;
      for (const route of ROUTES)
        await expectInvalidToken(await call(s, route, { headers: { authorization: value } }));
    });

    it.each([['Basic YTpi'], ['Digest username="a"'], ['Token abc']])(
      'another scheme (%s) carries no bearer credentials → the bare challenge (RFC 6750 §3.1)',
      async (value) => {
        for (const route of ROUTES)
          await expectMissingToken(await call(s, route, { headers: { authorization: value } }));
      },
    );

    it('accepts the scheme name case-insensitively (RFC 7235)', async () => {
      const res = await call(s, '/users/me', { headers: { authorization: `bearer ${realToken}` } });
      expect(res.status).toBe(200);
    });
  });

  // The same cases as the upgrade's in realtime-upgrade.e2e-spec.ts: one parser answers both.
  describe('the bearer-token parser shared with the WebSocket upgrade', () => {
    const T = 15_000;
    it.each([
      ['an empty Bearer token', 'Bearer '],
      ['a whitespace Bearer token', 'Bearer    '],
      ['a token one character over 8192', () => `Bearer ${'a'.repeat(8_193)}`],
    ])(
      '%s → invalid_token',
      async (_name, header) => {
        const value = typeof header === 'function' ? header() : header;
        await expectInvalidToken(await call(s, '/users/me', { headers: { authorization: value } }));
      },
      T,
    );

    it.each([
      ['a lower-case scheme', () => `bearer ${realToken}`],
      ['two spaces after the scheme', () => `Bearer  ${realToken}`],
    ])(
      '%s → accepted',
      async (_name, header) => {
        const res = await call(s, '/users/me', { headers: { authorization: header() } });
        expect(res.status).toBe(200);
      },
      T,
    );

    it(
      'reads only the header: a ?token= alone is no credential, and the header wins over it',
      async () => {
        await expectMissingToken(await call(s, `/users/me?token=${realToken}`));
        const res = await call(s, '/users/me?token=not-a-jwt', { token: realToken });
        expect(res.status).toBe(200);
        await expectInvalidToken(await call(s, `/users/me?token=${realToken}`, { token: 'x' }));
      },
      T,
    );
  });

  describe('crafted tokens are all refused with the same 401', () => {
    const cases: [string, () => string][] = [
      [
        'alg "none"',
        () =>
          craftToken({ header: { alg: 'none', typ: 'at+jwt' }, payload: claims(), sign: 'none' }),
      ],
      [
        'alg "None"',
        () =>
          craftToken({ header: { alg: 'None', typ: 'at+jwt' }, payload: claims(), sign: 'none' }),
      ],
      [
        'alg "NONE"',
        () =>
          craftToken({ header: { alg: 'NONE', typ: 'at+jwt' }, payload: claims(), sign: 'none' }),
      ],
      [
        'alg "nOnE"',
        () =>
          craftToken({ header: { alg: 'nOnE', typ: 'at+jwt' }, payload: claims(), sign: 'none' }),
      ],
      [
        'alg "none" carrying a valid HS256 signature',
        () => {
          const signed = splitToken(
            craftToken({ header: { alg: 'none', typ: 'at+jwt' }, payload: claims(), sign: REAL }),
          );
          return `${signed.header}.${signed.payload}.${signed.signature}`;
        },
      ],
      [
        'no alg at all',
        () => craftToken({ header: { typ: 'at+jwt' }, payload: claims(), sign: REAL }),
      ],
      [
        'the issued token with its signature stripped',
        () => {
          const { header, payload } = splitToken(realToken);
          return `${header}.${payload}.`;
        },
      ],
      [
        'the issued token without its signature segment',
        () => {
          const { header, payload } = splitToken(realToken);
          return `${header}.${payload}`;
        },
      ],
      ['the issued token with a truncated signature', () => realToken.slice(0, -4)],
      [
        'the issued token with one signature character changed',
        () => realToken.slice(0, -2) + (realToken.at(-2) === 'A' ? 'B' : 'A') + realToken.at(-1),
      ],
      [
        'the issued token with a tampered payload (roles → admin)',
        () => {
          const { header, payload, signature } = splitToken(realToken);
          const tampered = { ...decodeSegment(payload), roles: ['admin'] };
          return `${header}.${b64url(JSON.stringify(tampered))}.${signature}`;
        },
      ],
      [
        "the issued token with a tampered payload (sub → the admin's id)",
        () => {
          const { header, payload, signature } = splitToken(realToken);
          const tampered = { ...decodeSegment(payload), sub: adminId };
          return `${header}.${b64url(JSON.stringify(tampered))}.${signature}`;
        },
      ],
      [
        'HS256 signed with an empty secret',
        () => craftToken({ header: HS256, payload: claims(), sign: { hmac: 'HS256', secret: '' } }),
      ],
      [
        'HS256 signed with a weak secret ("secret")',
        () =>
          craftToken({
            header: HS256,
            payload: claims(),
            sign: { hmac: 'HS256', secret: 'secret' },
          }),
      ],
      [
        'HS256 signed with the secret minus its last byte',
        () =>
          craftToken({
            header: HS256,
            payload: claims(),
            sign: { hmac: 'HS256', secret: JWT_SECRET.slice(0, -1) },
          }),
      ],
      [
        'HS512 signed with the real secret on the HS256 service',
        () =>
          craftToken({
            header: { alg: 'HS512', typ: 'at+jwt' },
            payload: claims(),
            sign: { hmac: 'HS512', secret: JWT_SECRET },
          }),
      ],
      [
        'HS384 signed with the real secret on the HS256 service',
        () =>
          craftToken({
            header: { alg: 'HS384', typ: 'at+jwt' },
            payload: claims(),
            sign: { hmac: 'HS384', secret: JWT_SECRET },
          }),
      ],
      [
        "RS256 signed with the attacker's key, its public key in the jwk header",
        () =>
          craftToken({
            header: { alg: 'RS256', typ: 'at+jwt', jwk: attacker.publicJwk },
            payload: claims(),
            sign: { rs256: attacker.privateKeyPem },
          }),
      ],
      [
        "HS256 signed with the attacker's secret, given as an oct jwk header",
        () =>
          craftToken({
            header: {
              ...HS256,
              jwk: { kty: 'oct', k: b64url('attacker-secret-0123456789-abcdef') },
            },
            payload: claims(),
            sign: { hmac: 'HS256', secret: 'attacker-secret-0123456789-abcdef' },
          }),
      ],
      [
        'HS256 signed with the real secret but carrying a jwk header',
        () =>
          craftToken({
            header: { ...HS256, jwk: attacker.publicJwk },
            payload: claims(),
            sign: REAL,
          }),
      ],
      [
        'HS256 signed with the real secret but carrying an x5c header',
        () =>
          craftToken({
            header: { ...HS256, x5c: [b64url('not a certificate')] },
            payload: claims(),
            sign: REAL,
          }),
      ],
      [
        'a crit header naming an unknown extension',
        () =>
          craftToken({
            header: { ...HS256, crit: ['urn:example:unknown'], 'urn:example:unknown': true },
            payload: claims(),
            sign: REAL,
          }),
      ],
      [
        'an unencoded payload (b64: false, in crit)',
        () =>
          craftToken({
            header: { ...HS256, b64: false, crit: ['b64'] },
            payload: claims(),
            sign: REAL,
          }),
      ],
      ['exp now', () => craftToken({ header: HS256, payload: claims({ exp: now() }), sign: REAL })],
      [
        'exp in the past',
        () =>
          craftToken({
            header: HS256,
            payload: claims({ iat: now() - 7200, exp: now() - 3600 }),
            sign: REAL,
          }),
      ],
      [
        'exp as a string',
        () =>
          craftToken({ header: HS256, payload: claims({ exp: String(now() + 600) }), sign: REAL }),
      ],
      [
        'no exp',
        () => craftToken({ header: HS256, payload: without(claims(), 'exp'), sign: REAL }),
      ],
      [
        'nbf in the future',
        () => craftToken({ header: HS256, payload: claims({ nbf: now() + 3600 }), sign: REAL }),
      ],
      [
        'iat far in the future',
        () =>
          craftToken({
            header: HS256,
            payload: claims({ iat: now() + 86_400, exp: now() + 90_000 }),
            sign: REAL,
          }),
      ],
      [
        'no iat',
        () => craftToken({ header: HS256, payload: without(claims(), 'iat'), sign: REAL }),
      ],
      [
        'a wrong iss',
        () =>
          craftToken({
            header: HS256,
            payload: claims({ iss: 'https://evil.example.com' }),
            sign: REAL,
          }),
      ],
      [
        'no iss',
        () => craftToken({ header: HS256, payload: without(claims(), 'iss'), sign: REAL }),
      ],
      [
        'a wrong aud',
        () =>
          craftToken({ header: HS256, payload: claims({ aud: 'another-service' }), sign: REAL }),
      ],
      [
        'no sub',
        () => craftToken({ header: HS256, payload: without(claims(), 'sub'), sign: REAL }),
      ],
      [
        'no jti',
        () => craftToken({ header: HS256, payload: without(claims(), 'jti'), sign: REAL }),
      ],
      ['no typ', () => craftToken({ header: { alg: 'HS256' }, payload: claims(), sign: REAL })],
      [
        'typ "JWT"',
        () => craftToken({ header: { alg: 'HS256', typ: 'JWT' }, payload: claims(), sign: REAL }),
      ],
      [
        'typ "refresh+jwt"',
        () =>
          craftToken({
            header: { alg: 'HS256', typ: 'refresh+jwt' },
            payload: claims(),
            sign: REAL,
          }),
      ],
      [
        'a JSON array payload',
        () => craftToken({ header: HS256, payload: [claims()], sign: REAL }),
      ],
      [
        'a JSON string payload',
        () => craftToken({ header: HS256, payload: JSON.stringify(claims()), sign: REAL }),
      ],
      ['a JSON number payload', () => craftToken({ header: HS256, payload: 42, sign: REAL })],
      ['a JSON null payload', () => craftToken({ header: HS256, payload: null, sign: REAL })],
      [
        'a payload that is not JSON',
        () => craftToken({ header: HS256, payload: { raw: 'sub=me' }, sign: REAL }),
      ],
      [
        'a header that is not JSON',
        () => craftToken({ header: { raw: 'alg=HS256' }, payload: claims(), sign: REAL }),
      ],
      [
        'a header that is a JSON array',
        () => craftToken({ header: [HS256], payload: claims(), sign: REAL }),
      ],
      [
        'roles as a string',
        () => craftToken({ header: HS256, payload: claims({ roles: 'admin' }), sign: REAL }),
      ],
      [
        'roles holding a non-string',
        () => craftToken({ header: HS256, payload: claims({ roles: ['user', 1] }), sign: REAL }),
      ],
    ];

    it.each(cases)('%s', async (_name, make) => {
      await expectRefusedEverywhere(make());
    });

    it('keeps refusing a refused token after the service issued a good one (no cache poisoning)', async () => {
      const bad = realToken.slice(0, -4);
      await expectRefusedEverywhere(bad);
      expect((await call(s, '/users/me', { token: realToken })).status).toBe(200);
      await expectRefusedEverywhere(bad);
    });
  });

  describe('keys named by token headers', () => {
    it('the loopback trap does count connections (self-check)', async () => {
      const before = trap.connections;
      await fetch(trap.url('/self-check')).catch(() => undefined);
      expect(trap.connections).toBe(before + 1);
      trap.connections = 0;
    });

    it('never fetches a jku or x5u URL, whatever the algorithm, and refuses the token', async () => {
      trap.connections = 0;
      const tokens = [
        craftToken({
          header: { ...HS256, jku: trap.url('/jwks.json') },
          payload: claims(),
          sign: REAL,
        }),
        craftToken({
          header: { ...HS256, x5u: trap.url('/cert.pem') },
          payload: claims(),
          sign: REAL,
        }),
        craftToken({
          header: { alg: 'RS256', typ: 'at+jwt', kid: 'attacker', jku: trap.url('/jwks.json') },
          payload: claims(),
          sign: { rs256: attacker.privateKeyPem },
        }),
        craftToken({
          header: { alg: 'RS256', typ: 'at+jwt', x5u: trap.url('/cert.pem') },
          payload: claims(),
          sign: { rs256: attacker.privateKeyPem },
        }),
        craftToken({
          header: { alg: 'HS256', typ: 'at+jwt', jku: trap.url('/jwks.json'), x5u: trap.url('/x') },
          payload: claims({ roles: ['admin'] }),
          sign: { hmac: 'HS256', secret: 'secret' },
        }),
      ];
      for (const token of tokens) await expectRefusedEverywhere(token);
      expect(trap.connections).toBe(0);
    });
  });

  describe('expiry is re-checked on cached tokens', () => {
    it('a token accepted while valid is refused once exp has passed', async () => {
      const exp = now() + 2;
      const token = craftToken({ header: HS256, payload: claims({ exp }), sign: REAL });
      expect((await call(s, '/auth/whoami', { token })).status).toBe(200);
      // Bounded polling: the cached verification must stop counting at exp.
      await waitFor(async () => (await call(s, '/auth/whoami', { token })).status !== 200, {
        timeoutMs: 6_000,
        intervalMs: 100,
        description: 'the cached token to be refused after exp',
      });
      expect(now()).toBeGreaterThanOrEqual(exp);
      await expectRefusedEverywhere(token);
    });
  });

  describe('roles claimed by a token', () => {
    const adminRoute = '/admin/api-keys';

    it('"admin" as a string is not a roles claim: 401 everywhere', async () => {
      const token = crafted('admin');
      await expectInvalidToken(await call(s, adminRoute, { token }));
      await expectRefusedEverywhere(token);
    });

    it.each([
      ['["ADMIN"]', ['ADMIN']],
      ['["admin "]', ['admin ']],
      ['[" admin"]', [' admin']],
      ['["admin"] on a user whose database role is user', ['admin']],
      ['["user", "admin"]', ['user', 'admin']],
    ])('%s grants nothing: 403 on admin routes, shown as claimed by whoami', async (_n, roles) => {
      const token = crafted(roles);
      await expectNotAdmin(await call(s, adminRoute, { token }));
      await expectNotAdmin(
        await call(s, adminRoute, { token, json: { name: 'should not exist' } }),
      );
      await expectNotAdmin(
        await call(s, `/admin/users/${user.id}`, {
          token,
          method: 'PATCH',
          json: { role: 'admin' },
        }),
      );
      const me = await call(s, '/users/me', { token });
      expect(me.status).toBe(200);
      expect(((await me.json()) as UserView).role).toBe('user');
      const who = await call(s, '/auth/whoami', { token });
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({ sub: user.id, roles });
    });

    it('the admin role comes from the database: an admin with roles [] in the token is admin', async () => {
      const token = craftToken({
        header: HS256,
        payload: validClaims(adminId, { issuer: ISSUER, audience: AUDIENCE }, { roles: [] }),
        sign: REAL,
      });
      const res = await call(s, adminRoute, { token });
      expect(res.status).toBe(200);
      expect(Array.isArray(await res.json())).toBe(true);
    });

    it('a token for a subject that does not exist is 401 on user routes', async () => {
      const token = craftToken({
        header: HS256,
        payload: validClaims(
          randomUUID(),
          { issuer: ISSUER, audience: AUDIENCE },
          { roles: ['admin'] },
        ),
        sign: REAL,
      });
      await expectInvalidToken(await call(s, '/users/me', { token }));
      await expectInvalidToken(await call(s, adminRoute, { token }));
    });

    it('the bootstrap admin logs in and is admin', async () => {
      const { access_token } = await login(s, ADMIN.email.toUpperCase(), ADMIN.password);
      const me = await call(s, '/users/me', { token: access_token });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({
        id: adminId,
        email: ADMIN.email,
        role: 'admin',
        is_active: true,
      });
      expect((await call(s, adminRoute, { token: access_token })).status).toBe(200);
    });
  });
});

describe.each(databaseVariants())('clock tolerance (default 30 s) on $name', (variant) => {
  let s: Service;
  let user: UserView;

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(bootService(variant, 'auth_skew'));
    user = (await registerAndLogin(s)).user;
  });
  afterAll(() => closer.closeAll());

  const token = (overrides: Record<string, unknown>) =>
    craftToken({
      header: HS256,
      payload: validClaims(user.id, { issuer: ISSUER, audience: AUDIENCE }, overrides),
      sign: REAL,
    });

  it.each([
    ['exp 15 s ago', () => ({ iat: now() - 600, exp: now() - 15 })],
    ['nbf 15 s ahead', () => ({ nbf: now() + 15 })],
    ['iat 15 s ahead', () => ({ iat: now() + 15 })],
  ])('accepts %s (within the tolerance)', async (_n, overrides) => {
    const res = await call(s, '/users/me', { token: token(overrides()) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(user);
  });

  it.each([
    ['exp 45 s ago', () => ({ iat: now() - 600, exp: now() - 45 })],
    ['nbf 45 s ahead', () => ({ nbf: now() + 45 })],
    ['iat 45 s ahead', () => ({ iat: now() + 45 })],
  ])('refuses %s (beyond the tolerance)', async (_n, overrides) => {
    const crafted = token(overrides());
    for (const route of ROUTES) await expectInvalidToken(await call(s, route, { token: crafted }));
  });
});
