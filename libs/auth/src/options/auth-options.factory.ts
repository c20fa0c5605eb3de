import { intOption, type OptionErrorFactory } from '@kit/http';
import { availableParallelism } from 'node:os';
import { AuthConfigError } from '../auth.errors';
import { keyPairAlgorithm } from '../tokens/jwt-key-pair';
import { MAX_SCRYPT_COST } from '../login/scrypt-password.hasher';
import type {
  AuthModuleOptions,
  JwtAlgorithm,
  JwtOptions,
  ResolvedAuthOptions,
  ResolvedJwtOptions,
  ThrottleOptions,
} from './auth-options.interface';

const HMAC: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC: readonly JwtAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const ALL: readonly JwtAlgorithm[] = [...HMAC, ...ASYMMETRIC];

function redisKeyPrefix(value: string | undefined): string {
  if (value === undefined) return 'kit:auth:login-failures:';
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /\s/.test(value)) {
    throw new AuthConfigError(
      'auth.throttle.redisKeyPrefix',
      'must be 1-200 characters without whitespace, e.g. "orders:login-failures:"',
    );
  }
  return value;
}

/** Resolves and validates `AuthModule` options once; nothing else reads the raw ones. */
export function resolveAuthOptions(raw: AuthModuleOptions): ResolvedAuthOptions {
  if (!raw?.jwt)
    throw new AuthConfigError(
      'auth.jwt',
      'is required: give issuer, audience and a secret, key pair or JWKS',
    );
  const throttle = resolveThrottle(raw.throttle ?? {});
  const scryptCost = int('auth.scryptCost', raw.scryptCost ?? 32_768, 1_024, MAX_SCRYPT_COST);
  if ((scryptCost & (scryptCost - 1)) !== 0)
    throw new AuthConfigError('auth.scryptCost', `must be a power of two; got ${scryptCost}`);
  return Object.freeze({
    jwt: resolveJwt(raw.jwt),
    throttle,
    tokenCacheSize: int('auth.tokenCacheSize', raw.tokenCacheSize ?? 10_000, 0),
    userCacheTtlMs: int('auth.userCacheTtlMs', raw.userCacheTtlMs ?? 1_000, 0, 60_000),
    userCacheSize: int('auth.userCacheSize', raw.userCacheSize ?? 10_000, 1, 10_000_000),
    scryptCost,
  });
}

function resolveThrottle(t: ThrottleOptions): ResolvedAuthOptions['throttle'] {
  const maxFailuresPerUsername = int(
    'auth.throttle.maxFailuresPerUsername',
    t.maxFailuresPerUsername ?? 100,
    1,
  );
  return Object.freeze({
    maxFailuresPerUsernameAndAddress: int(
      'auth.throttle.maxFailuresPerUsernameAndAddress',
      t.maxFailuresPerUsernameAndAddress ?? Math.min(10, maxFailuresPerUsername),
      1,
      maxFailuresPerUsername,
    ),
    maxFailuresPerUsername,
    maxFailuresPerAddress: int(
      'auth.throttle.maxFailuresPerAddress',
      t.maxFailuresPerAddress ?? 100,
      1,
    ),
    windowMs: int('auth.throttle.windowMs', t.windowMs ?? 900_000, 1_000),
    maxTrackedKeys: int('auth.throttle.maxTrackedKeys', t.maxTrackedKeys ?? 100_000, 1),
    redisKeyPrefix: redisKeyPrefix(t.redisKeyPrefix),
    maxConcurrentVerifications: int(
      'auth.throttle.maxConcurrentVerifications',
      t.maxConcurrentVerifications ?? availableParallelism(),
      1,
      1_024,
    ),
    maxQueuedVerifications: int(
      'auth.throttle.maxQueuedVerifications',
      t.maxQueuedVerifications ?? 16,
      0,
      100_000,
    ),
    verificationQueueTimeoutMs: int(
      'auth.throttle.verificationQueueTimeoutMs',
      t.verificationQueueTimeoutMs ?? 1_000,
      1,
      60_000,
    ),
  });
}

/** The `jwt` options: claims to check, one kind of key, the algorithms it allows, and TTLs. */
function resolveJwt(jwt: JwtOptions): ResolvedJwtOptions {
  requireIssuerAndAudience(jwt);
  const secret = resolveKeys(jwt);
  const algorithms = resolveAlgorithms(jwt, secret);
  const jwks = resolveJwks(jwt.jwks);
  return Object.freeze({
    algorithms: Object.freeze([...algorithms]),
    secret,
    privateKey: jwt.privateKey,
    publicKey: jwt.publicKey,
    kid: jwt.kid,
    jwks,
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockToleranceSec: int('auth.jwt.clockToleranceSec', jwt.clockToleranceSec ?? 30, 0, 300),
    accessTokenTtlSec: int('auth.jwt.accessTokenTtlSec', jwt.accessTokenTtlSec ?? 900, 1),
    refreshTokenTtlSec: int('auth.jwt.refreshTokenTtlSec', jwt.refreshTokenTtlSec ?? 1_209_600, 60),
  });
}

function requireIssuerAndAudience(jwt: JwtOptions): void {
  if (!jwt.issuer)
    throw new AuthConfigError(
      'auth.jwt.issuer',
      'is required (the iss of issued tokens, checked on every token); set JWT_ISSUER',
    );
  if (!jwt.audience)
    throw new AuthConfigError(
      'auth.jwt.audience',
      'is required (the aud of issued tokens, checked on every token); set JWT_AUDIENCE',
    );
}

/** Exactly one kind of key (secret, key pair or JWKS); the secret, as bytes, when it is one. */
function resolveKeys(jwt: JwtOptions): Uint8Array | undefined {
  const secret = typeof jwt.secret === 'string' ? new TextEncoder().encode(jwt.secret) : jwt.secret;
  const keyKinds = [
    secret !== undefined,
    jwt.privateKey !== undefined || jwt.publicKey !== undefined,
    jwt.jwks !== undefined,
  ].filter(Boolean).length;
  if (keyKinds !== 1) {
    throw new AuthConfigError(
      'auth.jwt',
      'needs exactly one of secret, privateKey/publicKey or jwks',
    );
  }
  if (secret !== undefined && secret.byteLength < 32) {
    throw new AuthConfigError(
      'auth.jwt.secret',
      `must be at least 32 bytes; got ${secret.byteLength}. Set JWT_SECRET to a longer random value`,
    );
  }
  return secret;
}

/** The accepted algorithms, each bound to the configured key's type (HS256 for a secret). */
function resolveAlgorithms(
  jwt: JwtOptions,
  secret: Uint8Array | undefined,
): readonly JwtAlgorithm[] {
  const algorithms = jwt.algorithms ?? (secret ? ['HS256'] : undefined);
  if (!algorithms || algorithms.length === 0) {
    throw new AuthConfigError(
      'auth.jwt.algorithms',
      'must list the accepted algorithms (e.g. ["RS256"]); there is no default for keys and JWKS',
    );
  }
  for (const alg of algorithms) checkAlgorithmFits(alg, secret);
  if (secret === undefined && !jwt.jwks) checkKeyPairAlgorithm(jwt, algorithms);
  return algorithms;
}

function checkAlgorithmFits(alg: JwtAlgorithm, secret: Uint8Array | undefined): void {
  if (!ALL.includes(alg))
    throw new AuthConfigError(
      'auth.jwt.algorithms',
      `contains unsupported "${String(alg)}"; use ${ALL.join(', ')}`,
    );
  const fits = secret ? HMAC.includes(alg) : ASYMMETRIC.includes(alg);
  if (!fits) {
    throw new AuthConfigError(
      'auth.jwt.algorithms',
      `"${alg}" does not fit the configured ${secret ? 'HMAC secret' : 'asymmetric key'}: an algorithm must match its key type`,
    );
  }
}

/** A key pair is for one algorithm: the list names only that one. */
function checkKeyPairAlgorithm(jwt: JwtOptions, algorithms: readonly JwtAlgorithm[]): void {
  if (ASYMMETRIC.filter((a) => algorithms.includes(a)).length > 1) {
    throw new AuthConfigError(
      'auth.jwt.algorithms',
      'lists several asymmetric algorithms for a single key; list only the one your key is for',
    );
  }
  const keyAlg = keyPairAlgorithm(jwt.privateKey, jwt.publicKey);
  if (algorithms[0] !== keyAlg) {
    throw new AuthConfigError(
      'auth.jwt.algorithms',
      `"${algorithms[0]}" does not fit the configured key, which is for ${keyAlg}; set algorithms to ["${keyAlg}"]`,
    );
  }
}

function resolveJwks(options: JwtOptions['jwks']): ResolvedJwtOptions['jwks'] {
  if (!options) return undefined;
  const jwks = Object.freeze({
    url: options.url,
    keys: options.keys,
    cooldownMs: int('auth.jwt.jwks.cooldownMs', options.cooldownMs ?? 30_000, 0),
    cacheMaxAgeMs: int('auth.jwt.jwks.cacheMaxAgeMs', options.cacheMaxAgeMs ?? 600_000, 1),
    timeoutMs: int('auth.jwt.jwks.timeoutMs', options.timeoutMs ?? 5_000, 1),
  });
  if ((jwks.url === undefined) === (jwks.keys === undefined)) {
    throw new AuthConfigError('auth.jwt.jwks', 'needs exactly one of url or keys');
  }
  if (jwks.url !== undefined && !URL.canParse(jwks.url))
    throw new AuthConfigError('auth.jwt.jwks.url', `is not a URL: "${jwks.url}"`);
  return jwks;
}

const configError: OptionErrorFactory = (option, problem) => new AuthConfigError(option, problem);

function int(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return intOption(configError, option, value, min, max);
}
