import { WsTestClient, Closer } from '@kit/testing';
import {
  ClientPool,
  expectTimingHeaders,
  expectUpgradeRejected,
  presence,
  REQUEST_ID,
  uniqueRoom,
} from './support/ws-expect';
import { rawRequest, upgradeHead } from './support/ws-raw';
import {
  api,
  bootRealtimeService,
  FAST_REALTIME,
  type RealtimeTestService,
  signToken,
  type TestUser,
  WS_ALLOWED_ORIGIN,
} from './support/ws-service';

// Everything about GET /ws/{room} is decided before the upgrade: each refusal has its status,
// a problem+json body and an X-Request-ID, and a malformed upgrade never takes the server down.

describe('realtime: the upgrade', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({ label: 'upgrade', server: { logLevel: 'debug' } }),
    );
    alice = await s.user();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  describe('accepted', () => {
    it('takes the token from ?token= and answers 101 with an X-Request-ID and timing', async () => {
      const room = uniqueRoom();
      const c = await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
      expect(c.upgradeHeaders['x-request-id']).toMatch(REQUEST_ID);
      expectTimingHeaders(c.upgradeHeaders);
      expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
    });

    it('takes the token from Authorization: Bearer', async () => {
      const room = uniqueRoom();
      const c = await pool.connect(s.url, `/ws/${room}`, { token: alice.token, tokenIn: 'header' });
      expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
    });

    it('echoes a well-formed incoming X-Request-ID on the 101', async () => {
      const c = await pool.connect(s.url, `/ws/${uniqueRoom()}`, {
        token: alice.token,
        headers: { 'x-request-id': 'trace-ws-42' },
      });
      expect(c.upgradeHeaders['x-request-id']).toBe('trace-ws-42');
    });

    it('accepts an allowed Origin and a room name of exactly 64 characters', async () => {
      const room = 'R'.repeat(32) + '_-'.repeat(16);
      const c = await pool.connect(s.url, `/ws/${room}`, {
        token: alice.token,
        origin: WS_ALLOWED_ORIGIN,
      });
      expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
    });

    it('never writes the query token to the logs', async () => {
      const token = signToken({ sub: alice.id });
      await pool.connect(s.url, `/ws/${uniqueRoom()}`, { token });
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, '/ws/bad.room', { token }),
        400,
        'REALTIME_INVALID_ROOM',
      );
      const text = s.t.logs.text();
      expect(text).toContain('token=[REDACTED]');
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]);
    });
  });

  describe('refused with 401', () => {
    it('without a token, with a bare Bearer challenge', async () => {
      const r = await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`),
        401,
        'AUTH_TOKEN_MISSING',
      );
      expect(r.headers['www-authenticate']).toBe('Bearer');
    });

    it.each([
      ['garbage', () => 'not-a-jwt'],
      ['signed with another key', () => tamper(signToken({ sub: alice.id }))],
      ['for an unknown user', () => signToken({ sub: '00000000-0000-4000-8000-000000000000' })],
      [
        'expired (even within the clock tolerance)',
        () => signToken({ sub: alice.id, expiresInSec: -5 }),
      ],
    ])('with a token %s', async (_name, token) => {
      const r = await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { token: token() }),
        401,
        'AUTH_TOKEN_INVALID',
      );
      expect(r.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    });

    it.each([
      ['an empty Bearer token', 'Bearer '],
      ['a whitespace Bearer token', 'Bearer    '],
      ['a token one character over 8192', `Bearer ${'a'.repeat(8_193)}`],
    ])(
      'with %s in the header',
      async (_name, authorization) => {
        const r = await expectUpgradeRejected(
          WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { headers: { authorization } }),
          401,
          'AUTH_TOKEN_INVALID',
        );
        expect(r.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      },
      15_000,
    );

    it('with a ?token= one character over 8192', async () => {
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { token: 'a'.repeat(8_193) }),
        401,
        'AUTH_TOKEN_INVALID',
      );
    }, 15_000);

    it('with two ?token= parameters', async () => {
      const token = signToken({ sub: alice.id });
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}?token=${token}&token=${token}`),
        401,
        'AUTH_TOKEN_INVALID',
      );
    });

    it('for a deactivated user', async () => {
      const bob = await s.user();
      const res = await api(s, `/admin/users/${bob.id}`, {
        method: 'PATCH',
        token: s.admin.token,
        json: { is_active: false },
      });
      expect(res.status).toBe(200);
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { token: bob.token }),
        401,
        'AUTH_TOKEN_INVALID',
      );
    });
  });

  // The same cases as the HTTP guard's in auth-verification.e2e-spec.ts: one parser answers both.
  describe('the bearer-token parser shared with the HTTP guard', () => {
    const T = 15_000;
    const basic = `Basic ${Buffer.from('a:b').toString('base64')}`;

    it(
      'an Authorization header that is not Bearer carries no token: 401 with a bare challenge',
      async () => {
        const r = await expectUpgradeRejected(
          WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { headers: { authorization: basic } }),
          401,
          'AUTH_TOKEN_MISSING',
        );
        expect(r.headers['www-authenticate']).toBe('Bearer');
      },
      T,
    );

    it(
      'beside a non-Bearer Authorization header (a browser behind Basic auth), ?token= is read',
      async () => {
        const room = uniqueRoom();
        const c = await pool.connect(s.url, `/ws/${room}`, {
          token: alice.token,
          headers: { authorization: basic },
        });
        expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
      },
      T,
    );

    it.each([
      ['a lower-case scheme', () => `bearer ${alice.token}`],
      ['two spaces after the scheme', () => `Bearer  ${alice.token}`],
    ])(
      'accepts %s',
      async (_name, authorization) => {
        const room = uniqueRoom();
        const c = await pool.connect(s.url, `/ws/${room}`, {
          headers: { authorization: authorization() },
        });
        expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
      },
      T,
    );

    it(
      'a Bearer header wins over ?token=, whichever of the two is valid',
      async () => {
        const room = uniqueRoom();
        const c = await pool.connect(s.url, `/ws/${room}?token=not-a-jwt`, {
          token: alice.token,
          tokenIn: 'header',
        });
        expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
        await expectUpgradeRejected(
          WsTestClient.connect(s.url, `/ws/${uniqueRoom()}?token=${alice.token}`, {
            headers: { authorization: 'Bearer not-a-jwt' },
          }),
          401,
          'AUTH_TOKEN_INVALID',
        );
      },
      T,
    );
  });

  describe('refused with 403', () => {
    it('for an Origin the allowlist does not contain (cross-site WebSocket hijacking)', async () => {
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, {
          token: alice.token,
          origin: 'https://evil.example.net',
        }),
        403,
        'REALTIME_ORIGIN_FORBIDDEN',
      );
    });

    it('for an admin-* room when the user is not an admin; an admin gets in', async () => {
      const room = uniqueRoom('admin-ops');
      await expectUpgradeRejected(
        WsTestClient.connect(s.url, `/ws/${room}`, { token: alice.token }),
        403,
        'REALTIME_ROOM_FORBIDDEN',
      );
      const admin = await pool.connect(s.url, `/ws/${room}`, { token: s.admin.token });
      expect(await admin.nextOfType('presence')).toEqual(presence(room, 'join', s.admin.id));
    });
  });

  describe('refused with 400 for a room name outside [A-Za-z0-9_-]{1,64}', () => {
    it.each(['/ws/bad.room', `/ws/${'a'.repeat(65)}`, '/ws/a/b', '/ws/', '/ws', '/ws/caf%C3%A9'])(
      '%s',
      async (path) => {
        await expectUpgradeRejected(
          WsTestClient.connect(s.url, path, { token: alice.token }),
          400,
          'REALTIME_INVALID_ROOM',
        );
      },
    );
  });

  describe('malformed upgrades get a 4xx, never a crash', () => {
    it.each([
      ['POST', { method: 'POST' }, 405, 'METHOD_NOT_ALLOWED', { allow: 'GET' }],
      ['a bad key', { key: 'short' }, 400, 'REALTIME_BAD_HANDSHAKE', {}],
      ['no key', { key: null }, 400, 'REALTIME_BAD_HANDSHAKE', {}],
      [
        'version 8',
        { version: '8' },
        426,
        'REALTIME_UNSUPPORTED_VERSION',
        { 'sec-websocket-version': '13' },
      ],
      ['no version', { version: null }, 426, 'REALTIME_UNSUPPORTED_VERSION', {}],
      ['Upgrade: h2c', { upgrade: 'h2c' }, 400, 'REALTIME_BAD_HANDSHAKE', {}],
    ] as const)('%s', async (_name, head, status, code, headers) => {
      const res = await rawRequest(s.t.port, upgradeHead(`/ws/${uniqueRoom()}`, head));
      expect(res.status).toBe(status);
      expect(res.headers).toMatchObject({
        'content-type': 'application/problem+json',
        'x-request-id': expect.stringMatching(REQUEST_ID),
        ...headers,
      });
      expect(problem(res.body)).toMatchObject({ status, error: code });
    });

    it('thousands of headers: 431 from the HTTP layer', async () => {
      const extra = Array.from({ length: 3_000 }, (_, i) => `X-Filler-${i}: ${i}`);
      const res = await rawRequest(s.t.port, upgradeHead(`/ws/${uniqueRoom()}`, { extra }));
      expect(res.status).toBe(431);
      expect(problem(res.body)).toMatchObject({ status: 431, error: 'HEADERS_TOO_LARGE' });
    });

    it('an Upgrade request for another path stays a plain HTTP request', async () => {
      const res = await rawRequest(
        s.t.port,
        upgradeHead('/health/live', { extra: ['Connection: close'] }),
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    });

    it('the server still serves sockets and HTTP afterwards', async () => {
      const room = uniqueRoom();
      const c = await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
      expect(await c.nextOfType('presence')).toEqual(presence(room, 'join', alice.id));
      expect((await fetch(`${s.url}/health/live`)).status).toBe(200);
    });
  });
});

describe('realtime: capacity', () => {
  let s: RealtimeTestService;
  let alice: TestUser;
  const pool = new ClientPool();

  const closer = new Closer();
  beforeAll(async () => {
    s = await closer.adopt(
      bootRealtimeService({
        label: 'capacity',
        realtime: { ...FAST_REALTIME, maxConnections: 2, maxRooms: 1 },
      }),
    );
    alice = await s.user();
  });
  afterEach(() => pool.closeAll());
  afterAll(() => closer.closeAll());

  it('refuses a new room past maxRooms, then a socket past maxConnections, with 503', async () => {
    const room = uniqueRoom();
    await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
    const rooms = await expectUpgradeRejected(
      WsTestClient.connect(s.url, `/ws/${uniqueRoom()}`, { token: alice.token }),
      503,
      'REALTIME_TOO_MANY_ROOMS',
    );
    expect(rooms.headers['retry-after']).toBe('5');
    await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
    const full = await expectUpgradeRejected(
      WsTestClient.connect(s.url, `/ws/${room}`, { token: alice.token }),
      503,
      'REALTIME_AT_CAPACITY',
    );
    expect(full.headers['retry-after']).toBe('5');
  });

  it('checks the token before the capacity', async () => {
    const room = uniqueRoom();
    await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
    await pool.connect(s.url, `/ws/${room}`, { token: alice.token });
    await expectUpgradeRejected(
      WsTestClient.connect(s.url, `/ws/${room}`),
      401,
      'AUTH_TOKEN_MISSING',
    );
  });
});

function problem(body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>;
}

/** The same token with its signature replaced by another key's. */
function tamper(token: string): string {
  const [h, p] = token.split('.');
  return `${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}`;
}
