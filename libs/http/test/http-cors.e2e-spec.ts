import { HttpKitConfigError, type HttpKitModuleOptions } from '@kit/http';
import { createTestApp, type TestApp, Closer, expectProblem, UUID_V4 } from '@kit/testing';
import {
  HttpFixtureRootModule,
  rawGet,
  rawRequest,
  waitForCompletion,
} from './fixtures/http-fixture.module';

// The CORS policy of @kit/http: exact origins, preflights before guards, and boot validation.

const ALLOWED = 'https://app.example.com';
const ALLOWED_DEV = 'http://localhost:5173';
const EXPOSED = 'X-Request-ID, X-Process-Time-Ms, Server-Timing, Retry-After, WWW-Authenticate';
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

const CORS: HttpKitModuleOptions['cors'] = {
  origins: [ALLOWED, ALLOWED_DEV],
  credentials: true,
  methods: ['GET', 'POST', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-ID'],
  maxAge: 300,
};

function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries(
    [...res.headers].filter(([name]) => name.startsWith('access-control-')),
  );
}

function preflight(url: string, origin: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
      ...headers,
    },
  });
}

async function bootError(cors: HttpKitModuleOptions['cors']): Promise<HttpKitConfigError> {
  let app: TestApp | undefined;
  try {
    app = await createTestApp(HttpFixtureRootModule.forRoot({ cors }));
  } catch (err) {
    expect(err).toBeInstanceOf(HttpKitConfigError);
    return err as HttpKitConfigError;
  } finally {
    await app?.close();
  }
  throw new Error('the app booted');
}

describe('CORS with exact origins and credentials', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(createTestApp(HttpFixtureRootModule.forRoot({ cors: CORS })));
  });
  afterAll(() => closer.closeAll());

  const get = (path: string, origin: string) => fetch(`${t.url}${path}`, { headers: { origin } });

  describe('an allowed origin', () => {
    it.each([ALLOWED, ALLOWED_DEV])(
      '%s gets ACAO = origin, credentials, Vary and expose headers',
      async (origin) => {
        const res = await get('/fixture/ok', origin);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true });
        expect(corsHeaders(res)).toEqual({
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': EXPOSED,
        });
        expect(res.headers.get('vary')).toBe('Origin');
      },
    );

    it.each([
      ['a guard rejection', '/fixture/guarded', 401],
      ['a router 404', '/no/such/route', 404],
      ['an unknown error', '/fixture/crash', 500],
      ['a domain error', '/fixture/domain-error', 429],
    ])(
      'keeps the CORS headers on %s so the page can read the problem',
      async (_what, path, status) => {
        const res = await get(path, ALLOWED);
        expect(res.status).toBe(status);
        await res.arrayBuffer();
        expect(corsHeaders(res)).toEqual({
          'access-control-allow-origin': ALLOWED,
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': EXPOSED,
        });
        expect(res.headers.get('vary')).toBe('Origin');
      },
    );
  });

  describe('a denied origin', () => {
    it.each([
      ['another site', 'https://evil.test'],
      ['a suffix attack', 'https://app.example.com.evil.test'],
      ['a prefix attack', 'https://evilapp.example.com'],
      ['a subdomain', 'https://sub.app.example.com'],
      ['the null origin (sandboxed iframe, file:)', 'null'],
      ['an http downgrade of an allowed https origin', 'http://app.example.com'],
      ['an https upgrade of an allowed http origin', 'https://localhost:5173'],
      ['another port', 'http://localhost:5174'],
      ['the explicit default port', 'https://app.example.com:443'],
      ['upper case', 'https://APP.example.com'],
      ['a trailing slash', 'https://app.example.com/'],
      ['a path', 'https://app.example.com/app'],
      ['a list', 'https://app.example.com, https://evil.test'],
      ['a wildcard', '*'],
      ['an empty value', ''],
    ])('%s (%p) gets no Access-Control-Allow-* header at all', async (_what, origin) => {
      const res = await get('/fixture/ok', origin);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(corsHeaders(res)).toEqual({});
      expect(res.headers.get('vary')).toBe('Origin');
    });

    it('is denied when sent twice, even if one copy is allowed (raw request)', async () => {
      const res = await rawRequest(
        t.port,
        rawGet('/fixture/ok', `Origin: ${ALLOWED}\r\nOrigin: https://evil.test\r\n`),
      );
      expect(res.status).toBe(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    });

    it('gets no CORS headers on a guard rejection either', async () => {
      const res = await get('/fixture/guarded', 'https://app.example.com.evil.test');
      await expectProblem(res, 401, 'UNAUTHORIZED', {
        title: 'Unauthorized',
        detail: 'Sign in first',
      });
      expect(corsHeaders(res)).toEqual({});
    });
  });

  describe('a request without Origin', () => {
    it('gets no CORS headers and no Vary', async () => {
      const res = await fetch(`${t.url}/fixture/ok`);
      await res.arrayBuffer();
      expect(corsHeaders(res)).toEqual({});
      expect(res.headers.get('vary')).toBeNull();
    });
  });

  describe('preflight', () => {
    it('on a guarded route is answered 204 before the guard (never 401), with the policy', async () => {
      const res = await preflight(`${t.url}/fixture/guarded`, ALLOWED);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(corsHeaders(res)).toEqual({
        'access-control-allow-origin': ALLOWED,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': 'Authorization, Content-Type, X-Request-ID',
        'access-control-max-age': '300',
      });
      expect(res.headers.get('vary')).toBe(PREFLIGHT_VARY);
      const id = res.headers.get('x-request-id') as string;
      expect(id).toMatch(UUID_V4);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const logged = await waitForCompletion(t.logs, [id], 5_000);
      expect(logged.get(id)).toMatchObject({ method: 'OPTIONS', statusCode: 204 });
    });

    it('is answered for a path with no route at all (never 404)', async () => {
      const res = await preflight(`${t.url}/not/routed`, ALLOWED_DEV);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED_DEV);
    });

    it('is answered even with credentials attached (browsers never send them, scanners do)', async () => {
      const res = await preflight(`${t.url}/fixture/guarded`, ALLOWED, {
        authorization: 'Bearer not-a-token',
      });
      expect(res.status).toBe(204);
    });

    it.each([
      'https://evil.test',
      'https://app.example.com.evil.test',
      'null',
      'http://app.example.com',
      'https://APP.example.com',
      'https://app.example.com/',
    ])('from the denied origin %p has no allow headers', async (origin) => {
      const res = await preflight(`${t.url}/fixture/guarded`, origin);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(corsHeaders(res)).toEqual({});
      expect(res.headers.get('vary')).toBe(PREFLIGHT_VARY);
    });

    it('an OPTIONS without Access-Control-Request-Method is not a preflight', async () => {
      const res = await fetch(`${t.url}/fixture/guarded`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED },
      });
      await expectProblem(res, 404, 'NOT_FOUND', {
        title: 'Not Found',
        detail: 'Cannot OPTIONS /fixture/guarded',
      });
      expect(res.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('an OPTIONS with Access-Control-Request-Method but no Origin is not a preflight', async () => {
      const res = await fetch(`${t.url}/fixture/guarded`, {
        method: 'OPTIONS',
        headers: { 'access-control-request-method': 'POST' },
      });
      expect(res.status).toBe(404);
      await res.arrayBuffer();
      expect(corsHeaders(res)).toEqual({});
    });
  });
});

describe('CORS with ["*"] and no credentials', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(
      createTestApp(HttpFixtureRootModule.forRoot({ cors: { origins: ['*'] } })),
    );
  });
  afterAll(() => closer.closeAll());

  it('answers any origin with ACAO * and never with credentials', async () => {
    const res = await fetch(`${t.url}/fixture/ok`, { headers: { origin: 'https://any.test' } });
    await res.arrayBuffer();
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': EXPOSED,
    });
  });

  it('answers a preflight without credentials', async () => {
    const res = await preflight(`${t.url}/fixture/guarded`, 'https://any.test');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('no CORS configured', () => {
  let t: TestApp;
  const closer = new Closer();
  beforeAll(async () => {
    t = await closer.adopt(createTestApp(HttpFixtureRootModule.forRoot()));
  });
  afterAll(() => closer.closeAll());

  it('sends no CORS headers to any origin', async () => {
    const res = await fetch(`${t.url}/fixture/ok`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(corsHeaders(res)).toEqual({});
  });

  it('does not answer preflights: they reach the router', async () => {
    const res = await preflight(`${t.url}/fixture/guarded`, ALLOWED);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect(corsHeaders(res)).toEqual({});
  });
});

describe('CORS options at boot', () => {
  it('refuses ["*"] with credentials, naming http.cors.origins', async () => {
    const err = await bootError({ origins: ['*'], credentials: true });
    expect(err.code).toBe('HTTP_INVALID_OPTION');
    expect(err.option).toBe('http.cors.origins');
    expect(err.message).toMatch(
      /^http\.cors\.origins contains "\*" while http\.cors\.credentials is true/,
    );
  });

  it('refuses an origin with a trailing slash, naming http.cors.origins[0]', async () => {
    const err = await bootError({ origins: ['https://a.example.com/'] });
    expect(err.code).toBe('HTTP_INVALID_OPTION');
    expect(err.option).toBe('http.cors.origins[0]');
    expect(err.message).toBe(
      'http.cors.origins[0] "https://a.example.com/" is not an exact origin; write it as the browser sends it (https://a.example.com), without path, trailing slash or wildcard',
    );
  });

  it('names the index of the bad origin', async () => {
    const err = await bootError({ origins: [ALLOWED, 'https://*.example.com'] });
    expect(err.option).toBe('http.cors.origins[1]');
  });
});
