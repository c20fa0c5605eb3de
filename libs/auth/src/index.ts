// The public API of @kit/auth. What other kit libs need from it, and services do not, is in
// `./internal` (`@kit/auth/internal`), which is not documented and may change in any version.
export { AuthModule } from './auth.module';
export type { AuthModuleExtras } from './auth.module-definition';
export type {
  AuthModuleOptions,
  JwtAlgorithm,
  JwksOptions,
  JwtOptions,
  ThrottleOptions,
} from './options/auth-options.interface';
export type {
  AccessTokenClaims,
  ApiKeyRecord,
  ApiKeyStore,
  AuthUser,
  LoginReservation,
  LoginThrottleStore,
  PasswordHasher,
  RefreshTokenRecord,
  RefreshTokenStore,
  UserResolver,
} from './auth.interfaces';
export {
  API_KEY_STORE,
  AUTH_PRINCIPAL,
  InjectApiKeyStore,
  InjectLoginThrottleStore,
  InjectPasswordHasher,
  InjectRefreshTokenStore,
  InjectUserResolver,
  LOGIN_THROTTLE_STORE,
  PASSWORD_HASHER,
  REFRESH_TOKEN_STORE,
  USER_RESOLVER,
  BEARER_SCHEME,
  API_KEY_SCHEME,
} from './auth.constants';
export {
  AuthConfigError,
  InsufficientRoleError,
  InvalidApiKeyError,
  InvalidTokenError,
  MissingApiKeyError,
  MissingTokenError,
  SigningUnavailableError,
  TokenVerificationError,
  type AuthFailureReason,
} from './auth.errors';
export { LoginBusyError, OAuthError, type OAuthErrorCode } from './tokens/oauth.error';
export { AccessTokenVerifier, ACCESS_TOKEN_TYPE } from './tokens/access-token.verifier';
export {
  TokenService,
  RefreshTokenError,
  type TokenResponse,
  type RefreshFailure,
} from './tokens/token.service';
export { ApiKeyService, type ApiKeyView, type CreatedApiKey } from './api-keys/api-key.service';
export { ScryptPasswordHasher } from './login/scrypt-password.hasher';
export { LoginThrottle, type LoginThrottleLimits } from './login/login.throttle';
export { RedisLoginThrottle } from './login/redis-login.throttle';
export { AuthGuard } from './guard/auth.guard';
export { PrincipalCache } from './guard/principal.cache';
export {
  checkBearerToken,
  MAX_BEARER_TOKEN_LENGTH,
  parseBearerAuthorization,
  type PresentedBearerToken,
} from './guard/bearer-token';
export { findActiveUser } from './guard/active-user';
export {
  ApiKeyAuth,
  Auth,
  ClaimsOnly,
  CurrentApiKey,
  CurrentClaims,
  CurrentUser,
  Roles,
} from './guard/auth.decorators';
export { Public } from '@kit/http';
export { authMigrations, authMigrationSet } from './stores/auth.migrations';
export { KyselyApiKeyStore, KyselyRefreshTokenStore } from './stores/kysely-auth.stores';
export { TokenController } from './tokens/token.controller';
