/** The options as resolved once by `resolveAuthOptions()`. */
export const RESOLVED_AUTH_OPTIONS = Symbol('kit.auth.resolvedOptions');
