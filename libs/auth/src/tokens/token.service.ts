import { Inject, Injectable } from '@nestjs/common';
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { KitError } from '@kit/http';
import { SigningUnavailableError } from '../auth.errors';
import { REFRESH_TOKEN_STORE } from '../auth.constants';
import type { AuthUser, RefreshTokenStore } from '../auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from '../auth.internal-constants';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';
import { ACCESS_TOKEN_TYPE } from './access-token.verifier';
import { randomSecret, sha256 } from './secret-token';

/** The RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

/** Why a refresh token was refused; all of them are `invalid_grant` to the client. */
export type RefreshFailure = 'unknown' | 'expired' | 'revoked' | 'reused';

export class RefreshTokenError extends KitError<'AUTH_REFRESH_TOKEN_INVALID'> {
  constructor(readonly reason: RefreshFailure) {
    super('AUTH_REFRESH_TOKEN_INVALID', `refresh token ${reason}`);
  }
}

const REFRESH_PREFIX = 'rt_';

/**
 * Issues access tokens (JWT, RFC 9068 `at+jwt`) and opaque refresh tokens that rotate on every
 * use; presenting a rotated refresh token revokes its whole family.
 */
@Injectable()
export class TokenService {
  private readonly signingKey: Uint8Array | KeyObject | undefined;
  private readonly signingAlg: string;

  constructor(
    @Inject(RESOLVED_AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(REFRESH_TOKEN_STORE) private readonly refreshTokens: RefreshTokenStore,
  ) {
    const jwt = options.jwt;
    this.signingKey = jwt.secret ?? (jwt.privateKey ? createPrivateKey(jwt.privateKey) : undefined);
    this.signingAlg = jwt.algorithms[0];
  }

  /** Mints an access token for a user (or any subject and roles). */
  async signAccessToken(
    subject: Pick<AuthUser, 'id' | 'roles'>,
    extraClaims: Record<string, unknown> = {},
  ): Promise<string> {
    if (!this.signingKey) throw new SigningUnavailableError();
    const jwt = this.options.jwt;
    return new SignJWT({ ...extraClaims, roles: [...subject.roles] })
      .setProtectedHeader({
        alg: this.signingAlg,
        typ: ACCESS_TOKEN_TYPE,
        ...(jwt.kid ? { kid: jwt.kid } : {}),
      })
      .setIssuer(jwt.issuer)
      .setAudience(jwt.audience)
      .setSubject(subject.id)
      .setIssuedAt()
      .setExpirationTime(`${jwt.accessTokenTtlSec}s`)
      .setJti(randomUUID())
      .sign(this.signingKey);
  }

  /** Access and refresh token for a freshly authenticated user (a new refresh family). */
  issue(user: AuthUser): Promise<TokenResponse> {
    return this.issueInFamily(user, randomUUID());
  }

  /**
   * Rotates a refresh token. `loadUser` re-reads the user, so a deactivated or deleted user
   * cannot refresh. Throws `RefreshTokenError`.
   */
  async refresh(
    refreshToken: string,
    loadUser: (id: string) => Promise<AuthUser | null>,
  ): Promise<TokenResponse> {
    if (!refreshToken.startsWith(REFRESH_PREFIX) || refreshToken.length > 128)
      throw new RefreshTokenError('unknown');
    const record = await this.refreshTokens.findByHash(sha256(refreshToken));
    if (!record) throw new RefreshTokenError('unknown');
    const now = new Date();
    if (record.revokedAt) throw new RefreshTokenError('revoked');
    if (record.usedAt || !(await this.refreshTokens.markUsed(record.id, now.toISOString()))) {
      await this.refreshTokens.revokeFamily(record.familyId, now.toISOString());
      throw new RefreshTokenError('reused');
    }
    if (new Date(record.expiresAt) <= now) throw new RefreshTokenError('expired');
    const user = await loadUser(record.userId);
    if (!user || !user.active) {
      await this.refreshTokens.revokeFamily(record.familyId, now.toISOString());
      throw new RefreshTokenError('revoked');
    }
    return this.issueInFamily(user, record.familyId);
  }

  /** Revokes every refresh token of a user (deactivation, deletion, password change). */
  revokeUser(userId: string): Promise<void> {
    return this.refreshTokens.revokeUser(userId, new Date().toISOString());
  }

  private async issueInFamily(user: AuthUser, familyId: string): Promise<TokenResponse> {
    const jwt = this.options.jwt;
    const refreshToken = REFRESH_PREFIX + randomSecret();
    const accessToken = await this.signAccessToken(user);
    await this.refreshTokens.insert({
      id: randomUUID(),
      familyId,
      userId: user.id,
      hash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + jwt.refreshTokenTtlSec * 1000).toISOString(),
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: jwt.accessTokenTtlSec,
      refresh_token: refreshToken,
    };
  }
}
