export { LifespanModule } from './lifespan.module';
export { LIFESPAN_MODULE_OPTIONS } from './lifespan.module-definition';
export { resolveLifespanOptions } from './lifespan-options.factory';
export type {
  DatabaseDialect,
  DatabaseOptions,
  HealthOptions,
  HttpClientOptions,
  RedisOptions,
  LifespanModuleOptions,
  ResolvedLifespanOptions,
  MigrationSet,
  ResolvedMigrationSet,
} from './lifespan-options.interface';
export { LifespanError, LifespanConfigError, ResourceOpenError } from './lifespan.errors';
export type { Resource, ResourceHealth, HealthReport, ResourceState } from './resource.interface';
export { ResourceRegistry } from './resource.registry';
export { DatabaseResource } from './database.resource';
export { NodeSqliteDatabase } from './node-sqlite.adapter';
export { KYSELY, InjectKysely, REDIS, InjectRedis } from './lifespan.constants';
export { RedisResource } from './redis.resource';
export {
  HttpClient,
  HttpClients,
  type HttpClientRequest,
  type HttpClientResponse,
} from './http-client.resource';
export { HealthController, NotReadyError } from './health.controller';
export { maskUrl } from '@kit/http';
export type { ShutdownStep } from './resource.interface';
export { enableGracefulShutdown, type GracefulShutdownOptions } from './graceful-shutdown';
