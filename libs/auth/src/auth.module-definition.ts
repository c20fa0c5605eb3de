import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthConfigError } from './auth.errors';
import {
  API_KEY_STORE,
  LOGIN_THROTTLE_STORE,
  PASSWORD_HASHER,
  REFRESH_TOKEN_STORE,
  USER_RESOLVER,
} from './auth.constants';
import type {
  ApiKeyStore,
  LoginThrottleStore,
  PasswordHasher,
  RefreshTokenStore,
  UserResolver,
} from './auth.interfaces';
import type { AuthModuleOptions } from './options/auth-options.interface';
import { AuthGuard } from './guard/auth.guard';
import { KyselyApiKeyStore, KyselyRefreshTokenStore } from './stores/kysely-auth.stores';
import { LoginThrottle } from './login/login.throttle';
import { TokenController } from './tokens/token.controller';

/** Static parts of the auth module, given to both `forRoot` and `forRootAsync`. */
export interface AuthModuleExtras {
  /** Make the module global. @default true */
  isGlobal: boolean;
  /** The service's user resolver class (required). */
  userResolver?: Type<UserResolver>;
  /** Modules the user resolver and stores need (e.g. the one exporting your users repository). */
  imports?: ModuleMetadata['imports'];
  /** API-key store. @default KyselyApiKeyStore (tables from `authMigrationSet`) */
  apiKeyStore?: Type<ApiKeyStore>;
  /** Refresh-token store. @default KyselyRefreshTokenStore */
  refreshTokenStore?: Type<RefreshTokenStore>;
  /** Password hasher. @default ScryptPasswordHasher with `scryptCost` */
  passwordHasher?: Type<PasswordHasher>;
  /**
   * Where the token endpoint counts failed logins. @default LoginThrottle (this process);
   * `RedisLoginThrottle` shares the counts between instances (needs `LifespanModule`'s Redis)
   */
  loginThrottle?: Type<LoginThrottleStore>;
  /** Serve `POST /auth/token`. @default true */
  tokenEndpoint?: boolean;
  /** Install the global `AuthGuard` (secure by default). @default true */
  globalGuard?: boolean;
}

const DEFAULT_EXTRAS: AuthModuleExtras = { isGlobal: true, tokenEndpoint: true, globalGuard: true };

export const {
  ConfigurableModuleClass: AuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleExtras>(DEFAULT_EXTRAS, applyExtras)
  .build();

function applyExtras(definition: DynamicModule, extras: AuthModuleExtras): DynamicModule {
  if (!extras.userResolver) {
    throw new AuthConfigError(
      'auth.userResolver',
      'is required: pass the class that implements UserResolver to AuthModule.forRoot({ userResolver })',
    );
  }
  const providers: Provider[] = [
    { provide: USER_RESOLVER, useClass: extras.userResolver },
    { provide: API_KEY_STORE, useClass: extras.apiKeyStore ?? KyselyApiKeyStore },
    { provide: REFRESH_TOKEN_STORE, useClass: extras.refreshTokenStore ?? KyselyRefreshTokenStore },
    extras.loginThrottle
      ? { provide: LOGIN_THROTTLE_STORE, useClass: extras.loginThrottle }
      : { provide: LOGIN_THROTTLE_STORE, useExisting: LoginThrottle },
  ];
  if (extras.passwordHasher)
    providers.push({ provide: PASSWORD_HASHER, useClass: extras.passwordHasher });
  if (extras.globalGuard !== false) providers.push({ provide: APP_GUARD, useExisting: AuthGuard });
  return {
    ...definition,
    global: extras.isGlobal,
    imports: [...(definition.imports ?? []), ...(extras.imports ?? [])],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), USER_RESOLVER],
    controllers: extras.tokenEndpoint === false ? [] : [TokenController],
  };
}
