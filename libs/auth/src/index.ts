export { AuthModule } from './auth.module';
export { AUTH_MODULE_OPTIONS, type AuthModuleExtras } from './auth.module-definition';
export { resolveAuthOptions } from './auth-options.factory';
export type {
  AuthModuleOptions,
  JwtAlgorithm,
  JwksOptions,
  JwtOptions,
  ResolvedAuthOptions,
  ThrottleOptions,
} from './auth-options.interface';
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
  ROLES_KEY,
  API_KEY_SCOPES_KEY,
  CLAIMS_ONLY_KEY,
  BEARER_SCHEME,
  API_KEY_SCHEME,
} from './auth.constants';
export { AUTH_PRINCIPAL_OVERRIDE } from './auth.internal-constants';
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
export { LoginBusyError, OAuthError, type OAuthErrorCode } from './oauth.error';
export { AccessTokenVerifier, ACCESS_TOKEN_TYPE } from './access-token.verifier';
export {
  TokenService,
  RefreshTokenError,
  type TokenResponse,
  type RefreshFailure,
} from './token.service';
export { ApiKeyService, type ApiKeyView, type CreatedApiKey } from './api-key.service';
export { ScryptPasswordHasher } from './scrypt-password.hasher';
export { LoginThrottle, type LoginThrottleLimits } from './login.throttle';
export {
  PasswordVerificationLimiter,
  type VerificationLimits,
} from './password-verification.limiter';
export { RedisLoginThrottle } from './redis-login.throttle';
export { AuthGuard } from './auth.guard';
export {
  checkBearerToken,
  MAX_BEARER_TOKEN_LENGTH,
  parseBearerAuthorization,
  type PresentedBearerToken,
} from './bearer-token';
export { findActiveUser } from './active-user';
export { PrincipalCache } from './principal.cache';
export {
  ApiKeyAuth,
  Auth,
  ClaimsOnly,
  CurrentApiKey,
  CurrentClaims,
  CurrentUser,
  Roles,
} from './auth.decorators';
export { Public } from '@kit/http';
export { authMigrations, authMigrationSet } from './auth.migrations';
export { KyselyApiKeyStore, KyselyRefreshTokenStore } from './kysely-auth.stores';
export { TokenController } from './token.controller';
