import { availableParallelism } from 'node:os';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AuthConfigError } from '../auth.errors';
import { resolveAuthOptions } from './auth-options.factory';
import type { AuthModuleOptions, JwtOptions } from './auth-options.interface';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const BASE = { issuer: 'https://issuer.example.com', audience: 'kit-api' };

function pem(type: 'rsa' | 'ec' | 'ed25519' | 'x25519', extra: object = {}) {
  const generate = generateKeyPairSync as (
    kind: string,
    options: object,
  ) => { privateKey: KeyObject; publicKey: KeyObject };
  const { privateKey, publicKey } = generate(type, { modulusLength: 2048, ...extra });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const RSA = pem('rsa');
const RSA_OTHER = pem('rsa');
const RSA_1024 = pem('rsa', { modulusLength: 1024 });
const EC_P256 = pem('ec', { namedCurve: 'P-256' });
const EC_P384 = pem('ec', { namedCurve: 'P-384' });
const ED25519 = pem('ed25519');
const X25519 = pem('x25519');

const jwt = (overrides: Partial<JwtOptions> = {}): JwtOptions => ({
  ...BASE,
  secret: SECRET,
  ...overrides,
});

/** The AuthConfigError these options fail with. */
function optionError(raw: AuthModuleOptions): AuthConfigError {
  let thrown: unknown;
  try {
    resolveAuthOptions(raw);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AuthConfigError);
  return thrown as AuthConfigError;
}

describe('resolveAuthOptions', () => {
  describe('with an HMAC secret and nothing else', () => {
    it('resolves HS256 and every default', () => {
      const resolved = resolveAuthOptions({ jwt: jwt() });
      expect(resolved).toEqual({
        jwt: {
          algorithms: ['HS256'],
          secret: new TextEncoder().encode(SECRET),
          privateKey: undefined,
          publicKey: undefined,
          kid: undefined,
          jwks: undefined,
          issuer: BASE.issuer,
          audience: BASE.audience,
          clockToleranceSec: 30,
          accessTokenTtlSec: 900,
          refreshTokenTtlSec: 1_209_600,
        },
        throttle: {
          maxFailuresPerUsernameAndAddress: 10,
          maxFailuresPerUsername: 100,
          maxFailuresPerAddress: 100,
          windowMs: 900_000,
          maxTrackedKeys: 100_000,
          redisKeyPrefix: 'kit:auth:login-failures:',
          maxConcurrentVerifications: availableParallelism(),
          maxQueuedVerifications: 16,
          verificationQueueTimeoutMs: 1_000,
        },
        tokenCacheSize: 10_000,
        userCacheTtlMs: 1_000,
        userCacheSize: 10_000,
        scryptCost: 32_768,
      });
    });

    it('freezes what it returns', () => {
      const resolved = resolveAuthOptions({ jwt: jwt() });
      expect(Object.isFrozen(resolved)).toBe(true);
      expect(Object.isFrozen(resolved.jwt)).toBe(true);
      expect(Object.isFrozen(resolved.jwt.algorithms)).toBe(true);
      expect(Object.isFrozen(resolved.throttle)).toBe(true);
    });

    it('takes the secret as bytes too', () => {
      const bytes = new Uint8Array(64).fill(7);
      expect(resolveAuthOptions({ jwt: jwt({ secret: bytes }) }).jwt.secret).toBe(bytes);
    });

    it('accepts several HMAC algorithms and the bounds of each number', () => {
      const resolved = resolveAuthOptions({
        jwt: jwt({
          algorithms: ['HS512', 'HS256'],
          clockToleranceSec: 300,
          accessTokenTtlSec: 1,
          refreshTokenTtlSec: 60,
        }),
        throttle: { maxFailuresPerUsername: 1, maxFailuresPerAddress: 1, windowMs: 1_000 },
        tokenCacheSize: 0,
        scryptCost: 1_024,
      });
      expect(resolved.jwt.algorithms).toEqual(['HS512', 'HS256']);
      expect(resolved.tokenCacheSize).toBe(0);
      // The per-address budget of a username defaults to no more than its ceiling.
      expect(resolved.throttle.maxFailuresPerUsernameAndAddress).toBe(1);
      expect(resolveAuthOptions({ jwt: jwt(), scryptCost: 1_048_576 }).scryptCost).toBe(1_048_576);
    });
  });

  describe('with a key pair', () => {
    it.each([
      ['RSA', RSA, 'RS256'],
      ['P-256', EC_P256, 'ES256'],
      ['Ed25519', ED25519, 'EdDSA'],
    ] as const)('accepts a %s key with %s', (_n, keys, alg) => {
      const resolved = resolveAuthOptions({ jwt: { ...BASE, ...keys, algorithms: [alg] } });
      expect(resolved.jwt).toMatchObject({ algorithms: [alg], secret: undefined });
    });

    it('accepts a private key alone (public half derived) and a public key alone (verify only)', () => {
      expect(
        resolveAuthOptions({ jwt: { ...BASE, privateKey: RSA.privateKey, algorithms: ['RS256'] } })
          .jwt.privateKey,
      ).toBe(RSA.privateKey);
      expect(
        resolveAuthOptions({ jwt: { ...BASE, publicKey: RSA.publicKey, algorithms: ['RS256'] } })
          .jwt.publicKey,
      ).toBe(RSA.publicKey);
    });
  });

  describe('with a JWKS', () => {
    it('resolves the JWKS defaults and accepts several asymmetric algorithms', () => {
      const resolved = resolveAuthOptions({
        jwt: {
          ...BASE,
          jwks: { url: 'https://idp.example.com/.well-known/jwks.json' },
          algorithms: ['RS256', 'ES256'],
        },
      });
      expect(resolved.jwt.jwks).toEqual({
        url: 'https://idp.example.com/.well-known/jwks.json',
        keys: undefined,
        cooldownMs: 30_000,
        cacheMaxAgeMs: 600_000,
        timeoutMs: 5_000,
      });
      expect(resolved.jwt.algorithms).toEqual(['RS256', 'ES256']);
    });
  });

  describe('refuses each invalid option, naming it', () => {
    const cases: [string, AuthModuleOptions, string | RegExp][] = [
      ['auth.jwt', {} as AuthModuleOptions, /is required/],
      ['auth.jwt.issuer', { jwt: jwt({ issuer: '' }) }, /is required .*JWT_ISSUER/],
      ['auth.jwt.audience', { jwt: jwt({ audience: '' }) }, /is required .*JWT_AUDIENCE/],
      ['auth.jwt', { jwt: jwt({ secret: undefined }) }, /exactly one of secret/],
      ['auth.jwt', { jwt: jwt({ privateKey: RSA.privateKey }) }, /exactly one of secret/],
      [
        'auth.jwt',
        { jwt: jwt({ jwks: { url: 'https://idp.example.com/jwks' } }) },
        /exactly one of secret/,
      ],
      [
        'auth.jwt.secret',
        { jwt: jwt({ secret: 'x'.repeat(31) }) },
        /at least 32 bytes; got 31.*JWT_SECRET/,
      ],
      ['auth.jwt.secret', { jwt: jwt({ secret: '' }) }, /at least 32 bytes; got 0/],
      ['auth.jwt.secret', { jwt: jwt({ secret: new Uint8Array(16) }) }, /got 16/],
      [
        'auth.jwt.algorithms',
        { jwt: jwt({ algorithms: [] }) },
        /must list the accepted algorithms/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, ...RSA } },
        /must list the accepted algorithms .*no default for keys/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: jwt({ algorithms: ['none' as 'HS256'] }) },
        /unsupported "none"/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: jwt({ algorithms: ['hs256' as 'HS256'] }) },
        /unsupported "hs256"/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: jwt({ algorithms: ['RS256'] }) },
        /"RS256" does not fit the configured HMAC secret/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, ...RSA, algorithms: ['HS256'] } },
        /"HS256" does not fit the configured asymmetric key/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, ...RSA, algorithms: ['RS256', 'ES256'] } },
        /several asymmetric algorithms/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, ...RSA, algorithms: ['ES256'] } },
        /"ES256" does not fit the configured key, which is for RS256/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, ...EC_P256, algorithms: ['EdDSA'] } },
        /which is for ES256/,
      ],
      [
        'auth.jwt.privateKey',
        { jwt: { ...BASE, privateKey: 'not a pem', algorithms: ['RS256'] } },
        /is not a PEM private key/,
      ],
      [
        'auth.jwt.publicKey',
        { jwt: { ...BASE, publicKey: 'not a pem', algorithms: ['RS256'] } },
        /is not a PEM public key/,
      ],
      [
        'auth.jwt.publicKey',
        {
          jwt: {
            ...BASE,
            privateKey: RSA.privateKey,
            publicKey: RSA_OTHER.publicKey,
            algorithms: ['RS256'],
          },
        },
        /is not the public half of auth\.jwt\.privateKey/,
      ],
      [
        'auth.jwt.privateKey',
        { jwt: { ...BASE, ...RSA_1024, algorithms: ['RS256'] } },
        /1024-bit RSA key; use at least 2048 bits/,
      ],
      [
        'auth.jwt.privateKey',
        { jwt: { ...BASE, ...EC_P384, algorithms: ['ES256'] } },
        /EC key on secp384r1; ES256 needs P-256/,
      ],
      [
        'auth.jwt.publicKey',
        { jwt: { ...BASE, publicKey: X25519.publicKey, algorithms: ['EdDSA'] } },
        /is a x25519 key/,
      ],
      [
        'auth.jwt.jwks',
        { jwt: { ...BASE, jwks: {}, algorithms: ['RS256'] } },
        /exactly one of url or keys/,
      ],
      [
        'auth.jwt.jwks',
        {
          jwt: {
            ...BASE,
            jwks: { url: 'https://idp/jwks', keys: { keys: [] } },
            algorithms: ['RS256'],
          },
        },
        /exactly one of url or keys/,
      ],
      [
        'auth.jwt.jwks.url',
        { jwt: { ...BASE, jwks: { url: 'not a url' }, algorithms: ['RS256'] } },
        /is not a URL/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, jwks: { url: 'https://idp/jwks' } } },
        /must list the accepted algorithms/,
      ],
      [
        'auth.jwt.algorithms',
        { jwt: { ...BASE, jwks: { url: 'https://idp/jwks' }, algorithms: ['HS256'] } },
        /does not fit/,
      ],
      [
        'auth.jwt.jwks.cooldownMs',
        {
          jwt: {
            ...BASE,
            jwks: { url: 'https://idp/jwks', cooldownMs: -1 },
            algorithms: ['RS256'],
          },
        },
        /whole number from 0/,
      ],
      [
        'auth.jwt.jwks.cacheMaxAgeMs',
        {
          jwt: {
            ...BASE,
            jwks: { url: 'https://idp/jwks', cacheMaxAgeMs: 0 },
            algorithms: ['RS256'],
          },
        },
        /whole number from 1/,
      ],
      [
        'auth.jwt.jwks.timeoutMs',
        {
          jwt: {
            ...BASE,
            jwks: { url: 'https://idp/jwks', timeoutMs: 0.5 },
            algorithms: ['RS256'],
          },
        },
        /got 0\.5/,
      ],
      [
        'auth.jwt.clockToleranceSec',
        { jwt: jwt({ clockToleranceSec: 301 }) },
        /from 0 to 300; got 301/,
      ],
      ['auth.jwt.clockToleranceSec', { jwt: jwt({ clockToleranceSec: -1 }) }, /got -1/],
      ['auth.jwt.accessTokenTtlSec', { jwt: jwt({ accessTokenTtlSec: 0 }) }, /from 1 to/],
      ['auth.jwt.accessTokenTtlSec', { jwt: jwt({ accessTokenTtlSec: Number.NaN }) }, /got NaN/],
      ['auth.jwt.refreshTokenTtlSec', { jwt: jwt({ refreshTokenTtlSec: 59 }) }, /from 60 to/],
      [
        'auth.throttle.maxFailuresPerUsername',
        { jwt: jwt(), throttle: { maxFailuresPerUsername: 0 } },
        /from 1 to/,
      ],
      [
        'auth.throttle.maxFailuresPerAddress',
        { jwt: jwt(), throttle: { maxFailuresPerAddress: 2.5 } },
        /got 2\.5/,
      ],
      ['auth.throttle.windowMs', { jwt: jwt(), throttle: { windowMs: 999 } }, /from 1000 to/],
      [
        'auth.throttle.maxFailuresPerUsernameAndAddress',
        { jwt: jwt(), throttle: { maxFailuresPerUsernameAndAddress: 0 } },
        /from 1 to 100; got 0/,
      ],
      [
        'auth.throttle.maxFailuresPerUsernameAndAddress',
        {
          jwt: jwt(),
          throttle: { maxFailuresPerUsername: 5, maxFailuresPerUsernameAndAddress: 6 },
        },
        /from 1 to 5; got 6/,
      ],
      [
        'auth.throttle.maxConcurrentVerifications',
        { jwt: jwt(), throttle: { maxConcurrentVerifications: 0 } },
        /from 1 to 1024; got 0/,
      ],
      [
        'auth.throttle.maxQueuedVerifications',
        { jwt: jwt(), throttle: { maxQueuedVerifications: -1 } },
        /from 0 to 100000; got -1/,
      ],
      [
        'auth.throttle.verificationQueueTimeoutMs',
        { jwt: jwt(), throttle: { verificationQueueTimeoutMs: 60_001 } },
        /from 1 to 60000; got 60001/,
      ],
      [
        'auth.throttle.maxTrackedKeys',
        { jwt: jwt(), throttle: { maxTrackedKeys: 0 } },
        /from 1 to/,
      ],
      [
        'auth.throttle.redisKeyPrefix',
        { jwt: jwt(), throttle: { redisKeyPrefix: '' } },
        /1-200 characters without whitespace/,
      ],
      [
        'auth.throttle.redisKeyPrefix',
        { jwt: jwt(), throttle: { redisKeyPrefix: 'orders login:' } },
        /1-200 characters without whitespace/,
      ],
      ['auth.tokenCacheSize', { jwt: jwt(), tokenCacheSize: -1 }, /from 0 to/],
      ['auth.scryptCost', { jwt: jwt(), scryptCost: 512 }, /from 1024 to 1048576; got 512/],
      [
        'auth.scryptCost',
        { jwt: jwt(), scryptCost: 2_097_152 },
        /from 1024 to 1048576; got 2097152/,
      ],
      ['auth.scryptCost', { jwt: jwt(), scryptCost: 3_000 }, /must be a power of two; got 3000/],
    ];

    it.each(cases)('%s (case %#)', (option, raw, message) => {
      const error = optionError(raw);
      expect(error.code).toBe('AUTH_INVALID_OPTION');
      expect(error.option).toBe(option);
      expect(error.message.startsWith(`${option} `)).toBe(true);
      expect(error.message).toMatch(message);
    });
  });
});
