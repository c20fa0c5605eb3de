/** The options as resolved once by `resolveLifespanOptions()`. */
export const RESOLVED_LIFESPAN_OPTIONS = Symbol('kit.lifespan.resolvedOptions');
