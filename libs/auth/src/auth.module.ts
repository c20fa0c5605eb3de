import { Inject, Module, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { OpenApiRegistry } from '@kit/http/internal';
import { AccessTokenVerifier } from './tokens/access-token.verifier';
import { ApiKeyService } from './api-keys/api-key.service';
import { PASSWORD_HASHER } from './auth.constants';
import { AuthGuard } from './guard/auth.guard';
import { RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import { AUTH_MODULE_OPTIONS, AuthConfigurableModule } from './auth.module-definition';
import type { AuthModuleOptions, ResolvedAuthOptions } from './options/auth-options.interface';
import { resolveAuthOptions } from './options/auth-options.factory';
import { registerAuthOpenApi } from './auth-openapi';
import { LoginThrottle } from './login/login.throttle';
import { PasswordVerificationLimiter } from './login/password-verification.limiter';
import { PrincipalCache } from './guard/principal.cache';
import { ScryptPasswordHasher } from './login/scrypt-password.hasher';
import { TokenService } from './tokens/token.service';

/**
 * JWT access tokens, rotating refresh tokens, API keys and the global guard that makes every
 * route authenticated unless it says otherwise.
 */
@Module({
  providers: [
    {
      provide: RESOLVED_AUTH_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (raw: AuthModuleOptions) => resolveAuthOptions(raw),
    },
    {
      provide: PASSWORD_HASHER,
      inject: [RESOLVED_AUTH_OPTIONS],
      useFactory: (options: ResolvedAuthOptions) => new ScryptPasswordHasher(options.scryptCost),
    },
    {
      provide: LoginThrottle,
      inject: [RESOLVED_AUTH_OPTIONS],
      useFactory: (options: ResolvedAuthOptions) => new LoginThrottle(options.throttle),
    },
    {
      provide: PasswordVerificationLimiter,
      inject: [RESOLVED_AUTH_OPTIONS],
      useFactory: (options: ResolvedAuthOptions) =>
        new PasswordVerificationLimiter(options.throttle),
    },
    AccessTokenVerifier,
    {
      provide: PrincipalCache,
      inject: [RESOLVED_AUTH_OPTIONS],
      useFactory: (options: ResolvedAuthOptions) => new PrincipalCache(options),
    },
    TokenService,
    ApiKeyService,
    AuthGuard,
  ],
  exports: [
    RESOLVED_AUTH_OPTIONS,
    AccessTokenVerifier,
    PrincipalCache,
    TokenService,
    ApiKeyService,
    AuthGuard,
    PASSWORD_HASHER,
  ],
})
export class AuthModule extends AuthConfigurableModule implements OnModuleInit {
  constructor(
    @Inject(OpenApiRegistry) private readonly openApi: OpenApiRegistry,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  onModuleInit(): void {
    registerAuthOpenApi(this.openApi, '/auth/token');
    declareRequestFields(this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>());
  }
}

/** What the guard sets on a request: `request.user`, `request.claims`, `request.apiKey`. */
const REQUEST_FIELDS = ['user', 'claims', 'apiKey'] as const;

/**
 * Declares the guard's request fields with Fastify, so every request object has them from its
 * construction (as `undefined`). Set only on authenticated requests, they would give Fastify's
 * request objects several shapes, which slows every request down.
 */
function declareRequestFields(instance: FastifyInstance | undefined): void {
  if (typeof instance?.decorateRequest !== 'function') return;
  for (const field of REQUEST_FIELDS) {
    if (!instance.hasRequestDecorator(field)) instance.decorateRequest(field, undefined);
  }
}
