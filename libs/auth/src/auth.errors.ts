import { DomainError, KitConfigError, KitError } from '@kit/http';

/** Why a credential was refused. Logged, never sent: every bearer failure has the same body. */
export type AuthFailureReason =
  | 'AUTH_TOKEN_MALFORMED'
  | 'AUTH_TOKEN_ALGORITHM'
  | 'AUTH_TOKEN_SIGNATURE'
  | 'AUTH_TOKEN_EXPIRED'
  | 'AUTH_TOKEN_NOT_YET_VALID'
  | 'AUTH_TOKEN_CLAIMS'
  | 'AUTH_TOKEN_TYPE'
  | 'AUTH_TOKEN_HEADER'
  | 'AUTH_KEY_UNAVAILABLE'
  | 'AUTH_USER_UNKNOWN'
  | 'AUTH_USER_INACTIVE';

/** A bad `@kit/auth` option at boot; names the option and the fix. */
export class AuthConfigError extends KitConfigError {
  constructor(option: string, problem: string) {
    super('AUTH_INVALID_OPTION', option, problem);
  }
}

/**
 * A token failed verification; `reason` (also its `code`) is for logs, the response never tells
 * it apart.
 */
export class TokenVerificationError extends KitError<AuthFailureReason> {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(reason, message, options);
  }
}

/** 401 without credentials: a bare `Bearer` challenge (RFC 6750 §3.1). */
export class MissingTokenError extends DomainError {
  constructor() {
    super('AUTH_TOKEN_MISSING', 401, 'Unauthorized', {
      detail: 'This route needs a bearer access token in the Authorization header.',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
}

/** 401 for every invalid, expired or revoked token, and for inactive or unknown users. */
export class InvalidTokenError extends DomainError {
  constructor() {
    super('AUTH_TOKEN_INVALID', 401, 'Unauthorized', {
      detail: 'The access token is invalid or has expired.',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

/** 403 when the principal lacks a required role. */
export class InsufficientRoleError extends DomainError {
  constructor(roles: readonly string[]) {
    super('AUTH_INSUFFICIENT_ROLE', 403, 'Forbidden', {
      detail: `This route needs the role ${roles.map((r) => `"${r}"`).join(' or ')}.`,
      headers: {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${roles.join(' ')}"`,
      },
    });
  }
}

/** 401 when a route needs an API key and none was sent. */
export class MissingApiKeyError extends DomainError {
  constructor() {
    super('AUTH_API_KEY_MISSING', 401, 'Unauthorized', {
      detail: 'This route needs an API key in the X-API-Key header.',
    });
  }
}

/** 403 for an unknown, malformed, revoked or out-of-scope API key. */
export class InvalidApiKeyError extends DomainError {
  constructor() {
    super('AUTH_API_KEY_INVALID', 403, 'Forbidden', {
      detail: 'The API key is invalid, revoked or lacks the scope this route needs.',
    });
  }
}

/** Signing needs a secret or private key; a JWKS-only configuration can verify only. */
export class SigningUnavailableError extends KitError<'AUTH_SIGNING_UNAVAILABLE'> {
  constructor() {
    super(
      'AUTH_SIGNING_UNAVAILABLE',
      'this service verifies tokens from a JWKS and cannot issue any; configure auth.jwt.secret or auth.jwt.privateKey to issue tokens',
    );
  }
}
