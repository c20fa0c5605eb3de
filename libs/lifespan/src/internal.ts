// @kit/lifespan/internal: what the other kit libs (and the kit's own tests) need from @kit/lifespan and
// services do not. Not documented, no compatibility promise; a service imports `@kit/lifespan` only
// (`npm run lint` checks it: scripts/check-lib-deps.js).
export { LIFESPAN_MODULE_OPTIONS } from './lifespan.module-definition';
export { resolveLifespanOptions } from './options/lifespan-options.factory';
export type {
  ResolvedLifespanOptions,
  ResolvedMigrationSet,
} from './options/lifespan-options.interface';
export { NodeSqliteDatabase } from './database/node-sqlite.adapter';
