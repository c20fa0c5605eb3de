/** The authenticated principal as the guard hands it to handlers (`@CurrentUser()`). */
export interface AuthUser {
  /** Subject: the `sub` claim. */
  readonly id: string;
  /** Roles, compared exactly (case-sensitive) with `@Roles(...)`. */
  readonly roles: readonly string[];
  /** Inactive users are refused (401) as if their token were invalid. */
  readonly active: boolean;
}

/** Claims of a verified access token (RFC 9068 profile). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly roles: readonly string[];
  readonly [claim: string]: unknown;
}

/** Loads users for the guard and the password grant. Implemented by the service. */
export interface UserResolver {
  /** The user with this subject, or null when it does not exist. */
  findById(id: string): Promise<AuthUser | null>;
  /** For the password grant: the user and its password hash, by username (e-mail). */
  findByUsername(username: string): Promise<{ user: AuthUser; passwordHash: string } | null>;
}

/** A stored API key: only a hash of the secret and a short public prefix are kept. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** Public lookup prefix, e.g. `kit_3fA9x2Qe`. */
  readonly prefix: string;
  /** SHA-256 of the whole key, base64url. */
  readonly hash: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Persists API keys. `@kit/auth` ships a Kysely implementation (`KyselyApiKeyStore`). */
export interface ApiKeyStore {
  insert(record: Omit<ApiKeyRecord, 'revokedAt'>): Promise<void>;
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when no such live key exists. */
  revoke(id: string, at: string): Promise<boolean>;
}

/** A stored refresh token (hashed), part of a rotation family. */
export interface RefreshTokenRecord {
  readonly id: string;
  readonly familyId: string;
  readonly userId: string;
  readonly hash: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly revokedAt: string | null;
}

/** Persists refresh tokens. `@kit/auth` ships a Kysely implementation. */
export interface RefreshTokenStore {
  insert(record: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>): Promise<void>;
  findByHash(hash: string): Promise<RefreshTokenRecord | null>;
  /** Marks the token used if it was not yet: false when another use won the race. */
  markUsed(id: string, at: string): Promise<boolean>;
  /** Revokes every token of the family (reuse detected). */
  revokeFamily(familyId: string, at: string): Promise<void>;
  /** Revokes every token of a user (deactivation, deletion). */
  revokeUser(userId: string, at: string): Promise<void>;
}

/** Hashes and verifies passwords. The default is `ScryptPasswordHasher`. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Costs what `verify` costs, for unknown users, so both failures take the same time. */
  dummyVerify(password: string): Promise<void>;
}

/**
 * Counts failed logins of the token endpoint: `LoginThrottle` in the process (the default),
 * `RedisLoginThrottle` shared by every instance on one Redis.
 */
export interface LoginThrottleStore {
  /** Seconds to wait before another attempt for this username or address; 0 when allowed. */
  retryAfter(username: string, address: string): number | Promise<number>;
  /** Counts a failed login against the username and the client address. */
  recordFailure(username: string, address: string): void | Promise<void>;
  /** A successful login clears that username's failures (the address keeps its count). */
  recordSuccess(username: string): void | Promise<void>;
}
