/** The options as resolved once by `resolveAuthOptions()`. */
export const RESOLVED_AUTH_OPTIONS = Symbol('kit.auth.resolvedOptions');
/** Test-only: a principal that replaces bearer authentication (see `@kit/testing`). */
export const AUTH_PRINCIPAL_OVERRIDE = Symbol.for('kit.auth.principalOverride');
