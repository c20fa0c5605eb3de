import { Inject } from '@nestjs/common';

/** Token of the service's `UserResolver`. */
export const USER_RESOLVER = Symbol.for('kit.auth.UserResolver');
/** Token of the `ApiKeyStore`. */
export const API_KEY_STORE = Symbol.for('kit.auth.ApiKeyStore');
/** Token of the `RefreshTokenStore`. */
export const REFRESH_TOKEN_STORE = Symbol.for('kit.auth.RefreshTokenStore');
/** Token of the `PasswordHasher`. */
export const PASSWORD_HASHER = Symbol.for('kit.auth.PasswordHasher');
/** Token of the `LoginThrottleStore` of the token endpoint. */
export const LOGIN_THROTTLE_STORE = Symbol.for('kit.auth.LoginThrottleStore');

export const InjectUserResolver = (): ParameterDecorator => Inject(USER_RESOLVER);
export const InjectApiKeyStore = (): ParameterDecorator => Inject(API_KEY_STORE);
export const InjectRefreshTokenStore = (): ParameterDecorator => Inject(REFRESH_TOKEN_STORE);
export const InjectPasswordHasher = (): ParameterDecorator => Inject(PASSWORD_HASHER);
export const InjectLoginThrottleStore = (): ParameterDecorator => Inject(LOGIN_THROTTLE_STORE);

/** Metadata keys read by the guard (namespaced, read with `getAllAndOverride`). */
export const ROLES_KEY = 'kit:auth:roles';
export const API_KEY_SCOPES_KEY = 'kit:auth:apiKeyScopes';
export const CLAIMS_ONLY_KEY = 'kit:auth:claimsOnly';

/** OpenAPI security scheme names. */
export const BEARER_SCHEME = 'oauth2';
export const API_KEY_SCHEME = 'apiKey';

/** Request-context key of the authenticated principal. */
export const AUTH_PRINCIPAL = Symbol.for('kit.auth.principal');
