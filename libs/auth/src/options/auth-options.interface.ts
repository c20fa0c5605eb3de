import type { JSONWebKeySet } from 'jose';

/** Signature algorithms the kit can verify (`none` is never one of them). */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'ES256' | 'EdDSA';

export interface JwksOptions {
  /** A remote JWKS endpoint (`https://idp.example.com/.well-known/jwks.json`). */
  url?: string;
  /** A local JWKS (e.g. read from a file). */
  keys?: JSONWebKeySet;
  /** Milliseconds between two refetches triggered by an unknown `kid`. @default 30_000 */
  cooldownMs?: number;
  /** Milliseconds a fetched JWKS is trusted before it is refetched. @default 600_000 */
  cacheMaxAgeMs?: number;
  /** Milliseconds a JWKS fetch may take. @default 5_000 */
  timeoutMs?: number;
}

export interface JwtOptions {
  /** Accepted algorithms; each must match the configured key type. @default ['HS256'] with a secret */
  algorithms?: readonly JwtAlgorithm[];
  /** HMAC secret (HS*), at least 32 bytes. */
  secret?: string | Uint8Array;
  /** PEM private key for signing (RS256, ES256, EdDSA). */
  privateKey?: string;
  /** PEM public key for verifying (RS256, ES256, EdDSA); derived from `privateKey` when omitted. */
  publicKey?: string;
  /** Key id put in the header of issued tokens. @default undefined */
  kid?: string;
  /** Verify with a JWKS (`kid`-based rotation) instead of a single key. */
  jwks?: JwksOptions;
  /** `iss` of issued tokens, required on verified ones. */
  issuer: string;
  /** `aud` of issued tokens, required on verified ones. */
  audience: string;
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat`. @default 30 */
  clockToleranceSec?: number;
  /** Lifetime of access tokens in seconds. @default 900 */
  accessTokenTtlSec?: number;
  /** Lifetime of refresh tokens in seconds. @default 1_209_600 (14 days) */
  refreshTokenTtlSec?: number;
}

export interface ThrottleOptions {
  /**
   * Failed logins allowed for one username from one client address within `windowMs`: the
   * budget that stops guessing from one place without locking the user out elsewhere.
   * @default 10 (or `maxFailuresPerUsername` when that is lower)
   */
  maxFailuresPerUsernameAndAddress?: number;
  /**
   * Failed logins allowed for one username from all addresses together within `windowMs`: the
   * ceiling on guesses against one account, after which even its right password is refused
   * (429) until failures leave the window. @default 100
   */
  maxFailuresPerUsername?: number;
  /** Failed logins allowed from one client address within `windowMs`. @default 100 */
  maxFailuresPerAddress?: number;
  /** Window of the failure counts, in milliseconds. @default 900_000 (15 min) */
  windowMs?: number;
  /** Most usernames and addresses tracked at once (oldest dropped first). @default 100_000 */
  maxTrackedKeys?: number;
  /**
   * Prefix of the Redis keys of `RedisLoginThrottle`; services sharing one Redis give each its
   * own. @default 'kit:auth:login-failures:'
   */
  redisKeyPrefix?: string;
  /**
   * Password verifications (scrypt) the token endpoint runs at once in this process; more wait
   * in a queue. Bounds the CPU that login attempts can take. @default os.availableParallelism()
   */
  maxConcurrentVerifications?: number;
  /**
   * Logins waiting for a verification slot; one more is answered 503 `temporarily_unavailable`
   * with `Retry-After` at once, without running scrypt. @default 16
   */
  maxQueuedVerifications?: number;
  /**
   * Milliseconds a login waits in that queue before it is answered 503 (its `Retry-After` is
   * this, rounded up to seconds). @default 1_000
   */
  verificationQueueTimeoutMs?: number;
}

/** Options of `AuthModule.forRoot()` / `forRootAsync()`. */
export interface AuthModuleOptions {
  jwt: JwtOptions;
  /** Login throttling of the token endpoint. */
  throttle?: ThrottleOptions;
  /** Verified access tokens cached (exp re-checked on every use). 0 disables. @default 10_000 */
  tokenCacheSize?: number;
  /**
   * Milliseconds a resolved user is reused before it is loaded again: the longest a change made
   * on another instance (deactivation, role) takes to apply; changes made through this instance
   * apply at once (`PrincipalCache.invalidate`). 0 disables. @default 1_000
   */
  userCacheTtlMs?: number;
  /** Most users cached at once (oldest dropped first). @default 10_000 */
  userCacheSize?: number;
  /** scrypt cost parameter N (power of two). @default 32_768 */
  scryptCost?: number;
}

export interface ResolvedJwtOptions {
  readonly algorithms: readonly JwtAlgorithm[];
  readonly secret: Uint8Array | undefined;
  readonly privateKey: string | undefined;
  readonly publicKey: string | undefined;
  readonly kid: string | undefined;
  readonly jwks:
    | Readonly<Required<Omit<JwksOptions, 'url' | 'keys'>> & Pick<JwksOptions, 'url' | 'keys'>>
    | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSec: number;
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
}

export interface ResolvedAuthOptions {
  readonly jwt: ResolvedJwtOptions;
  readonly throttle: Readonly<Required<ThrottleOptions>>;
  readonly tokenCacheSize: number;
  readonly userCacheTtlMs: number;
  readonly userCacheSize: number;
  readonly scryptCost: number;
}
