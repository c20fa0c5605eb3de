/** The options as resolved once by `resolveRealtimeOptions()`. */
export const RESOLVED_REALTIME_OPTIONS = Symbol('kit.realtime.resolvedOptions');
