import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { OpenApiRegistry } from '@kit/http';
import { AccessTokenVerifier } from './access-token.verifier';
import { ApiKeyService } from './api-key.service';
import { PASSWORD_HASHER } from './auth.constants';
import { AuthGuard } from './auth.guard';
import { AUTH_PRINCIPAL_OVERRIDE, RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import { AUTH_MODULE_OPTIONS, AuthConfigurableModule } from './auth.module-definition';
import type { AuthModuleOptions, ResolvedAuthOptions } from './auth-options.interface';
import { resolveAuthOptions } from './auth-options.factory';
import { registerAuthOpenApi } from './auth-openapi';
import { LoginThrottle } from './login.throttle';
import { PrincipalCache } from './principal.cache';
import { ScryptPasswordHasher } from './scrypt-password.hasher';
import { TokenService } from './token.service';

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
    { provide: AUTH_PRINCIPAL_OVERRIDE, useValue: null },
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
    AUTH_PRINCIPAL_OVERRIDE,
  ],
})
export class AuthModule extends AuthConfigurableModule implements OnModuleInit {
  constructor(@Inject(OpenApiRegistry) private readonly openApi: OpenApiRegistry) {
    super();
  }

  onModuleInit(): void {
    registerAuthOpenApi(this.openApi, '/auth/token');
  }
}
