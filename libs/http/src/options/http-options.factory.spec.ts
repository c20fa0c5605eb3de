import { HttpKitConfigError } from '../http.errors';
import type { CorsOptions, HttpServerOptions } from './http-options.interface';
import { resolveHttpKitOptions, resolveHttpServerOptions } from './http-options.factory';

interface ConfigErrorShape {
  type: string;
  code: string;
  option: string;
  message: string;
}

/** What `fn` threw, reduced to what a caller can rely on. */
function thrownBy(fn: () => unknown): ConfigErrorShape | undefined {
  try {
    fn();
  } catch (err) {
    const e = err as HttpKitConfigError;
    return {
      type: e instanceof HttpKitConfigError ? 'HttpKitConfigError' : String(e),
      code: e.code,
      option: e.option,
      message: e.message,
    };
  }
  return undefined;
}

/** The error a bad option must raise: its code, the option's name, and the whole message. */
function invalid(option: string, problem: string): ConfigErrorShape {
  return {
    type: 'HttpKitConfigError',
    code: 'HTTP_INVALID_OPTION',
    option,
    message: `${option} ${problem}`,
  };
}

const wholeNumber = (max = Number.MAX_SAFE_INTEGER) =>
  `must be a whole number from 1 to ${max}; got`;

const cors = (o: Partial<CorsOptions>): CorsOptions => ({
  origins: ['https://app.example.com'],
  ...o,
});

describe('resolveHttpServerOptions', () => {
  describe('with no options', () => {
    it('applies finite defaults for every limit', () => {
      expect(resolveHttpServerOptions()).toEqual({
        bodyLimit: 1_048_576,
        maxHeaderSize: 16_384,
        requestTimeout: 30_000,
        headersTimeout: 10_000,
        keepAliveTimeout: 5_000,
        maxRequestsPerSocket: 1_000,
        maxParamLength: 100,
        maxJsonDepth: 64,
        logLevel: 'info',
        logFlushIntervalMs: 250,
        trustProxy: false,
      });
    });

    it('returns a frozen object', () => {
      expect(Object.isFrozen(resolveHttpServerOptions())).toBe(true);
    });
  });

  describe('with overrides', () => {
    it('keeps given values and ignores undefined ones', () => {
      const o = resolveHttpServerOptions({ bodyLimit: 2048, maxHeaderSize: undefined });
      expect(o.bodyLimit).toBe(2048);
      expect(o.maxHeaderSize).toBe(16_384);
    });

    it('accepts headersTimeout equal to requestTimeout', () => {
      expect(
        resolveHttpServerOptions({ requestTimeout: 5000, headersTimeout: 5000 }).headersTimeout,
      ).toBe(5000);
    });
  });

  it.each<[keyof HttpServerOptions, number]>([
    ['bodyLimit', 0],
    ['bodyLimit', -1],
    ['bodyLimit', 1.5],
    ['bodyLimit', Number.NaN],
    ['bodyLimit', Number.POSITIVE_INFINITY],
    ['requestTimeout', 0],
    ['keepAliveTimeout', -5],
    ['maxRequestsPerSocket', 0.5],
    ['maxParamLength', 0],
  ])('rejects %s = %p', (key, value) => {
    const fn = () => resolveHttpServerOptions({ [key]: value } as HttpServerOptions);
    expect(thrownBy(fn)).toEqual(
      invalid(`http.server.${key}`, `${wholeNumber()} ${String(value)}`),
    );
  });

  it('rejects headersTimeout = 0', () => {
    expect(thrownBy(() => resolveHttpServerOptions({ headersTimeout: 0 }))).toEqual(
      invalid('http.server.headersTimeout', `${wholeNumber()} 0`),
    );
  });

  it('rejects a maxHeaderSize above 1 MiB', () => {
    expect(thrownBy(() => resolveHttpServerOptions({ maxHeaderSize: 1_048_577 }))).toEqual(
      invalid('http.server.maxHeaderSize', `${wholeNumber(1_048_576)} 1048577`),
    );
  });

  it.each([0, 60_001])('rejects logFlushIntervalMs = %p', (value) => {
    expect(thrownBy(() => resolveHttpServerOptions({ logFlushIntervalMs: value }))).toEqual(
      invalid('http.server.logFlushIntervalMs', `${wholeNumber(60_000)} ${value}`),
    );
  });

  // Above 1,000 is refused too: class-transformer's recursion overflows near 1,500.
  it.each([0, 2.5, 1_001])('rejects maxJsonDepth = %p', (value) => {
    expect(thrownBy(() => resolveHttpServerOptions({ maxJsonDepth: value }))).toEqual(
      invalid('http.server.maxJsonDepth', `${wholeNumber(1_000)} ${value}`),
    );
  });

  it('rejects a headersTimeout longer than requestTimeout', () => {
    expect(
      thrownBy(() => resolveHttpServerOptions({ requestTimeout: 1000, headersTimeout: 1001 })),
    ).toEqual(
      invalid('http.server.headersTimeout', '(1001) must not exceed requestTimeout (1000)'),
    );
  });

  it('rejects an unknown log level', () => {
    expect(thrownBy(() => resolveHttpServerOptions({ logLevel: 'verbose' as never }))).toEqual(
      invalid(
        'http.server.logLevel',
        'must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"',
      ),
    );
  });
});

describe('resolveHttpKitOptions', () => {
  describe('with no options', () => {
    it('has no CORS policy, the default OpenAPI paths and urn:problem: types', () => {
      const o = resolveHttpKitOptions();
      expect(o.cors).toBeUndefined();
      expect(o.problemTypeBase).toBe('urn:problem:');
      expect(o.openapi).toEqual({
        enabled: true,
        title: 'API',
        version: '1.0.0',
        description: '',
        docsPath: '/docs',
        jsonPath: '/openapi.json',
      });
      expect(Object.isFrozen(o)).toBe(true);
      expect(Object.isFrozen(o.openapi)).toBe(true);
    });
  });

  describe('when cors has no origins', () => {
    it('means no CORS at all, even with credentials', () => {
      expect(
        resolveHttpKitOptions({ cors: { origins: [], credentials: true } }).cors,
      ).toBeUndefined();
    });
  });

  describe('when cors lists exact origins', () => {
    it('resolves the header values once', () => {
      const o = resolveHttpKitOptions({
        cors: cors({
          origins: ['https://app.example.com', 'http://localhost:5173'],
          credentials: true,
          methods: ['GET', 'POST'],
          allowedHeaders: ['Content-Type'],
          exposedHeaders: ['X-Request-ID'],
          maxAge: 0,
        }),
      }).cors;
      expect(o).toEqual({
        anyOrigin: false,
        origins: new Set(['https://app.example.com', 'http://localhost:5173']),
        credentials: true,
        methods: 'GET, POST',
        allowedHeaders: 'Content-Type',
        exposedHeaders: 'X-Request-ID',
        maxAge: '0',
      });
    });

    it('does not keep a reference to the caller array', () => {
      const origins = ['https://app.example.com'];
      const o = resolveHttpKitOptions({ cors: { origins } }).cors;
      origins.push('https://evil.test');
      expect(o?.origins.has('https://evil.test')).toBe(false);
    });

    it('uses the documented defaults', () => {
      expect(resolveHttpKitOptions({ cors: cors({}) }).cors).toMatchObject({
        credentials: false,
        methods: 'GET, HEAD, POST, PUT, PATCH, DELETE',
        allowedHeaders: 'Authorization, Content-Type, X-API-Key, X-Request-ID',
        exposedHeaders:
          'X-Request-ID, X-Process-Time-Ms, Server-Timing, Retry-After, WWW-Authenticate',
        maxAge: '600',
      });
    });
  });

  describe('when cors is ["*"] without credentials', () => {
    it('allows any origin', () => {
      expect(resolveHttpKitOptions({ cors: { origins: ['*'] } }).cors?.anyOrigin).toBe(true);
    });
  });

  it('rejects "*" with credentials', () => {
    expect(
      thrownBy(() => resolveHttpKitOptions({ cors: { origins: ['*'], credentials: true } })),
    ).toEqual(
      invalid(
        'http.cors.origins',
        'contains "*" while http.cors.credentials is true: browsers refuse that and it would expose credentialed responses to every site; list the exact origins instead',
      ),
    );
  });

  it('rejects "*" mixed with exact origins', () => {
    expect(
      thrownBy(() =>
        resolveHttpKitOptions({ cors: { origins: ['https://app.example.com', '*'] } }),
      ),
    ).toEqual(invalid('http.cors.origins', 'mixes "*" with exact origins; use one or the other'));
  });

  it.each([
    ['https://a.example.com/', 'https://a.example.com'],
    ['https://a.example.com/app', 'https://a.example.com'],
    ['https://A.example.com', 'https://a.example.com'],
    ['https://a.example.com:443', 'https://a.example.com'],
    ['http://a.example.com:80', 'http://a.example.com'],
    ['https://a.example.com?x=1', 'https://a.example.com'],
    ['https://user@a.example.com', 'https://a.example.com'],
  ])('rejects the non-exact origin %p, suggesting %p', (origin, suggestion) => {
    expect(
      thrownBy(() =>
        resolveHttpKitOptions({ cors: cors({ origins: ['https://ok.example.com', origin] }) }),
      ),
    ).toEqual(
      invalid(
        'http.cors.origins[1]',
        `"${origin}" is not an exact origin; write it as the browser sends it (${suggestion}), without path, trailing slash or wildcard`,
      ),
    );
  });

  it.each(['https://*.example.com', 'http://*', 'https://app.*.example.com'])(
    'rejects the wildcard origin %p',
    (origin) => {
      expect(thrownBy(() => resolveHttpKitOptions({ cors: cors({ origins: [origin] }) }))).toEqual(
        invalid(
          'http.cors.origins[0]',
          `"${origin}" contains a wildcard; list every allowed origin exactly, e.g. https://app.example.com`,
        ),
      );
    },
  );

  it.each([
    ['ftp://files.example.com', 'ftp://files.example.com'],
    ['file:///etc/passwd', 'scheme://host[:port]'],
  ])('rejects %p, which is not an http(s) origin', (origin, suggestion) => {
    expect(thrownBy(() => resolveHttpKitOptions({ cors: cors({ origins: [origin] }) }))).toEqual(
      invalid(
        'http.cors.origins[0]',
        `"${origin}" is not an exact origin; write it as the browser sends it (${suggestion}), without path, trailing slash or wildcard`,
      ),
    );
  });

  it.each(['app.example.com', '', 'https://', 'null'])(
    'rejects %p, which is not a URL',
    (origin) => {
      expect(thrownBy(() => resolveHttpKitOptions({ cors: cors({ origins: [origin] }) }))).toEqual(
        invalid(
          'http.cors.origins[0]',
          `"${origin}" is not an origin; write it as scheme://host[:port], e.g. https://app.example.com`,
        ),
      );
    },
  );

  it.each<[keyof CorsOptions, string]>([
    ['methods', 'GE T'],
    ['allowedHeaders', 'X-Bad\r\nInjected'],
    ['exposedHeaders', 'X-A, X-B'],
  ])('rejects %s containing %p', (key, value) => {
    expect(
      thrownBy(() => resolveHttpKitOptions({ cors: cors({ [key]: ['GET', value] }) })),
    ).toEqual(invalid(`http.cors.${key}[1]`, `"${value}" is not a valid HTTP token`));
  });

  it.each([-1, 86_401, 1.5, Number.NaN])('rejects maxAge = %p', (maxAge) => {
    expect(thrownBy(() => resolveHttpKitOptions({ cors: cors({ maxAge }) }))).toEqual(
      invalid('http.cors.maxAge', `must be a whole number from 0 to 86400; got ${String(maxAge)}`),
    );
  });

  it.each(['docsPath', 'jsonPath'] as const)('rejects an openapi %s without a leading /', (key) => {
    expect(thrownBy(() => resolveHttpKitOptions({ openapi: { [key]: 'docs' } }))).toEqual(
      invalid(`http.openapi.${key}`, 'must start with "/"; got "docs"'),
    );
  });
});
