export { LifespanModule } from './lifespan.module';
export { LIFESPAN_MODULE_OPTIONS } from './lifespan.module-definition';
export { resolveLifespanOptions } from './lifespan-options.factory';
export type {
  DatabaseDialect,
  DatabaseOptions,
  HealthOptions,
  LifespanModuleOptions,
  ResolvedLifespanOptions,
} from './lifespan-options.interface';
export { LifespanError, LifespanConfigError, ResourceOpenError } from './lifespan.errors';
export type { Resource, ResourceHealth, HealthReport, ResourceState } from './resource.interface';
export { ResourceRegistry } from './resource.registry';
export { DatabaseResource } from './database.resource';
export { NodeSqliteDatabase } from './node-sqlite.adapter';
export { KYSELY, InjectKysely } from './lifespan.constants';
export { HealthController, NotReadyError } from './health.controller';
export { maskUrl } from './url.mask';
