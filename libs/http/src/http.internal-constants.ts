/** The options as resolved once by `resolveHttpKitOptions()`. */
export const RESOLVED_HTTP_OPTIONS = Symbol('kit.http.resolvedOptions');
