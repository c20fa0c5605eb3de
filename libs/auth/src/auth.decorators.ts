import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiProblem, RequestContext, requestOf } from '@kit/http';
import {
  API_KEY_SCHEME,
  API_KEY_SCOPES_KEY,
  AUTH_PRINCIPAL,
  CLAIMS_ONLY_KEY,
  ROLES_KEY,
} from './auth.constants';
import {
  InsufficientRoleError,
  InvalidApiKeyError,
  InvalidTokenError,
  MissingApiKeyError,
} from './auth.errors';
import type { AccessTokenClaims, ApiKeyRecord, AuthUser } from './auth.interfaces';

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal the auth guard resolved (bearer routes). */
    user?: AuthUser;
    /** The verified access-token claims (bearer routes). */
    claims?: AccessTokenClaims;
    /** The API key the guard accepted (`@ApiKeyAuth()` routes). */
    apiKey?: ApiKeyRecord;
  }
}

/** The route needs one of these roles (exact, case-sensitive); otherwise 403. */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/**
 * The route trusts the verified token's claims and skips the user lookup (no database access).
 * A deactivated user's token keeps working on such routes until it expires: use sparingly.
 */
export const ClaimsOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(CLAIMS_ONLY_KEY, true);

/**
 * The route is authenticated by an `X-API-Key` header instead of a bearer token; the key
 * needs every listed scope. Missing key → 401, invalid, revoked or out of scope → 403.
 */
export function ApiKeyAuth(...scopes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(API_KEY_SCOPES_KEY, scopes),
    ApiSecurity(API_KEY_SCHEME),
    ApiProblem(401, 'AUTH_API_KEY_MISSING', 'No X-API-Key header', new MissingApiKeyError().detail),
    ApiProblem(
      403,
      'AUTH_API_KEY_INVALID',
      'Invalid, revoked or out-of-scope API key',
      new InvalidApiKeyError().detail,
    ),
  );
}

/**
 * Bearer authentication with optional roles, plus its OpenAPI: `@Auth('admin')`.
 * Routes are authenticated by default; this adds roles and documents 401/403.
 */
export function Auth(...roles: string[]): MethodDecorator & ClassDecorator {
  const decorators = [
    ApiProblem(
      401,
      'AUTH_TOKEN_INVALID',
      'Missing, invalid or expired bearer token',
      new InvalidTokenError().detail,
    ),
  ];
  if (roles.length > 0) {
    decorators.push(
      SetMetadata(ROLES_KEY, roles),
      ApiProblem(
        403,
        'AUTH_INSUFFICIENT_ROLE',
        `Needs role ${roles.join(' or ')}`,
        new InsufficientRoleError(roles).detail,
      ),
    );
  }
  return applyDecorators(...decorators);
}

/**
 * Handler parameter: the authenticated user (bearer routes), or the socket's user in a
 * WebSocket event handler (the principal of the message's request context).
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthUser | undefined => {
    if (ctx.getType() === 'ws') {
      return RequestContext.current()?.values.get(AUTH_PRINCIPAL) as AuthUser | undefined;
    }
    return requestOf(ctx).user;
  },
);

/** Handler parameter: the verified access-token claims (bearer routes). */
export const CurrentClaims = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AccessTokenClaims | undefined => {
    return requestOf(ctx).claims;
  },
);

/** Handler parameter: the API key record (`@ApiKeyAuth()` routes), without its hash. */
export const CurrentApiKey = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Omit<ApiKeyRecord, 'hash'> | undefined => {
    const key = requestOf(ctx).apiKey;
    if (!key) return undefined;
    const { hash: _hash, ...rest } = key;
    return rest;
  },
);
