import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { TokenVerificationError, type AuthFailureReason } from '../auth.errors';
import type { AccessTokenClaims } from '../auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from '../auth.internal-constants';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';
import { MAX_BEARER_TOKEN_LENGTH } from '../guard/bearer-token';
import { VerifiedTokenCache } from './verified-token.cache';

/** Access tokens are JWTs with `typ: at+jwt` (RFC 9068); anything else is refused. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const MAX_TOKEN_LENGTH = MAX_BEARER_TOKEN_LENGTH;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Header members that carry or point at keys: never used, never fetched, and refused. */
const KEY_BEARING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];

/**
 * The one access-token verification, shared by the HTTP guard and the WebSocket upgrade.
 * Uses `jose` (alg allowlist bound to the key type, `crit`, claims) plus the kit's own checks
 * (key-bearing headers, `typ`, `iat`, `roles`), and caches verified tokens.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly cache: VerifiedTokenCache;
  /** What `jose` checks, fixed by the options: built once, not per verification. */
  private readonly verifyOptions: JWTVerifyOptions;

  constructor(@Inject(RESOLVED_AUTH_OPTIONS) private readonly options: ResolvedAuthOptions) {
    this.key = createVerificationKey(options);
    this.cache = new VerifiedTokenCache(options.tokenCacheSize, options.jwt.clockToleranceSec);
    const jwt = options.jwt;
    this.verifyOptions = {
      algorithms: [...jwt.algorithms],
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockTolerance: jwt.clockToleranceSec,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    };
  }

  /** The claims of an already verified, unexpired token, or undefined (then call `verify`). */
  cached(token: string): AccessTokenClaims | undefined {
    return this.cache.get(token, Math.floor(Date.now() / 1000));
  }

  /** Verifies a compact JWT access token; throws `TokenVerificationError` with the reason. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const now = Math.floor(Date.now() / 1000);
    const cached = this.cache.get(token, now);
    if (cached) return cached;
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      throw new TokenVerificationError(
        'AUTH_TOKEN_MALFORMED',
        'not a compact JWS of acceptable size',
      );
    }
    checkHeader(token);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, this.verifyOptions));
    } catch (err) {
      throw new TokenVerificationError(
        reasonOf(err),
        err instanceof Error ? err.message : 'verification failed',
        { cause: err },
      );
    }
    const claims = checkClaims(payload, now, this.options.jwt.clockToleranceSec);
    this.cache.set(token, claims);
    return claims;
  }

  /** Drops every cached verification (e.g. after a key rotation). */
  clearCache(): void {
    this.cache.clear();
  }
}

function createVerificationKey(
  options: ResolvedAuthOptions,
): Uint8Array | KeyObject | JWTVerifyGetKey {
  const jwt = options.jwt;
  if (jwt.secret) return jwt.secret;
  if (jwt.jwks?.url) {
    return createRemoteJWKSet(new URL(jwt.jwks.url), {
      cooldownDuration: jwt.jwks.cooldownMs,
      cacheMaxAge: jwt.jwks.cacheMaxAgeMs,
      timeoutDuration: jwt.jwks.timeoutMs,
    });
  }
  if (jwt.jwks?.keys) return createLocalJWKSet(jwt.jwks.keys);
  return createPublicKey((jwt.publicKey ?? jwt.privateKey) as string);
}

function checkHeader(token: string): void {
  let header: unknown;
  try {
    header = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
    );
  } catch {
    throw new TokenVerificationError('AUTH_TOKEN_MALFORMED', 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TokenVerificationError('AUTH_TOKEN_MALFORMED', 'header is not an object');
  }
  const members = header as Record<string, unknown>;
  for (const name of KEY_BEARING_HEADERS) {
    if (name in members)
      throw new TokenVerificationError('AUTH_TOKEN_HEADER', `header carries "${name}"`);
  }
  if (typeof members.typ !== 'string' || members.typ.toLowerCase() !== ACCESS_TOKEN_TYPE) {
    throw new TokenVerificationError('AUTH_TOKEN_TYPE', 'typ is not at+jwt');
  }
}

function checkClaims(
  payload: Record<string, unknown>,
  now: number,
  tolerance: number,
): AccessTokenClaims {
  if (typeof payload.iat !== 'number' || payload.iat > now + tolerance) {
    throw new TokenVerificationError('AUTH_TOKEN_CLAIMS', 'iat is in the future');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
    throw new TokenVerificationError('AUTH_TOKEN_CLAIMS', 'sub is not a non-empty string');
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) {
    throw new TokenVerificationError('AUTH_TOKEN_CLAIMS', 'jti is not a non-empty string');
  }
  const roles = payload.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
    throw new TokenVerificationError('AUTH_TOKEN_CLAIMS', 'roles is not an array of strings');
  }
  return Object.freeze({ ...payload, roles: Object.freeze([...roles]) }) as AccessTokenClaims;
}

function reasonOf(err: unknown): AuthFailureReason {
  if (err instanceof errors.JWTExpired) return 'AUTH_TOKEN_EXPIRED';
  if (err instanceof errors.JWTClaimValidationFailed)
    return err.claim === 'nbf'
      ? 'AUTH_TOKEN_NOT_YET_VALID'
      : err.claim === 'typ'
        ? 'AUTH_TOKEN_TYPE'
        : 'AUTH_TOKEN_CLAIMS';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'AUTH_TOKEN_ALGORITHM';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'AUTH_TOKEN_SIGNATURE';
  if (
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid
  )
    return 'AUTH_KEY_UNAVAILABLE';
  return 'AUTH_TOKEN_MALFORMED';
}
