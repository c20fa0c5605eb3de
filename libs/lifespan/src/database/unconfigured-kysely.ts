import { LifespanError } from '../lifespan.errors';

/**
 * Members Nest and `await` look up on every provider value (thenable check, lifecycle hooks):
 * they must read as absent, or merely booting without a database would throw.
 */
const INTROSPECTED: ReadonlySet<string> = new Set([
  'then',
  'constructor',
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

/** The `KYSELY` value when no database is configured: any use says how to configure one. */
export function unconfiguredKysely(): object {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        if (typeof property === 'symbol' || INTROSPECTED.has(property)) return undefined;
        throw new LifespanError(
          'DATABASE_NOT_CONFIGURED',
          'no database configured; pass lifespan.database to LifespanModule.forRoot()',
        );
      },
    },
  );
}
