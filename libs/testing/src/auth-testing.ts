import type { INestApplication } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import {
  ApiKeyService,
  AuthGuard,
  type AuthUser,
  type CreatedApiKey,
  TokenService,
} from '@kit/auth';
import type { FastifyRequest } from 'fastify';

/** Mints a real access token for a subject and roles, signed with the app's key. */
export function mintAccessToken(
  app: INestApplication,
  subject: { id: string; roles?: readonly string[] },
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  return app
    .get(TokenService)
    .signAccessToken({ id: subject.id, roles: subject.roles ?? [] }, extraClaims);
}

/** Creates a real API key in the app's store; `key` is the secret to send as `X-API-Key`. */
export function createApiKey(
  app: INestApplication,
  name = 'test key',
  scopes: readonly string[] = [],
): Promise<CreatedApiKey> {
  return app.get(ApiKeyService).create(name, scopes);
}

/**
 * FastAPI's `dependency_overrides[get_current_user]`, the Nest way: every bearer-protected
 * route sees `user` as the authenticated principal, without a token. Roles still apply.
 */
export function overrideCurrentUser<T extends AuthUser>(
  builder: TestingModuleBuilder,
  user: T,
): TestingModuleBuilder {
  // The production guard has no test hook: its bearer step is replaced in a subclass that the
  // global guard (`APP_GUARD` → `AuthGuard`) resolves to instead.
  class CurrentUserOverrideGuard extends AuthGuard {
    protected override authenticateBearer(request: FastifyRequest): AuthUser {
      return this.remember(request, user, undefined);
    }
  }
  return builder.overrideProvider(AuthGuard).useClass(CurrentUserOverrideGuard);
}
