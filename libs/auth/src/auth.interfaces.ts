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

/** The answer of `LoginThrottleStore.reserve()`. */
export type LoginReservation =
  /** The attempt may check its password; it already counts as a failure (`id` withdraws it). */
  | { readonly admitted: true; readonly id: string }
  /** Refused: seconds to wait before another attempt; nothing was counted. */
  | { readonly admitted: false; readonly retryAfter: number };

/**
 * Counts failed logins of the token endpoint against three budgets: one username from one
 * client address, one username from anywhere (a larger ceiling) and one address.
 * `LoginThrottle` counts in the process (the default), `RedisLoginThrottle` for every instance
 * on one Redis.
 */
export interface LoginThrottleStore {
  /**
   * Admits an attempt only when every budget has room, and then counts it as a failure at once,
   * in one atomic step: parallel attempts cannot all pass a check made before any of them failed.
   */
  reserve(username: string, address: string): LoginReservation | Promise<LoginReservation>;
  /**
   * The password was right: withdraws the attempt and clears the username's failures from that
   * address (the username's ceiling and the address keep their other failures).
   */
  recordSuccess(username: string, address: string, id: string): void | Promise<void>;
  /** The attempt ended before its password was judged (busy, an error): withdraws it. */
  cancel(username: string, address: string, id: string): void | Promise<void>;
}
