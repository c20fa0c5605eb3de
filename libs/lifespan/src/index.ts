export { LifespanModule } from './lifespan.module';
export { LIFESPAN_MODULE_OPTIONS } from './lifespan.module-definition';
export { resolveLifespanOptions } from './options/lifespan-options.factory';
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
} from './options/lifespan-options.interface';
export { LifespanError, LifespanConfigError, ResourceOpenError } from './lifespan.errors';
export type {
  Resource,
  ResourceHealth,
  HealthReport,
  ResourceState,
} from './resources/resource.interface';
export { ResourceRegistry } from './resources/resource.registry';
export { DatabaseResource } from './database/database.resource';
export { NodeSqliteDatabase } from './database/node-sqlite.adapter';
export { KYSELY, InjectKysely, REDIS, InjectRedis } from './lifespan.constants';
export { RedisResource } from './redis/redis.resource';
export {
  HttpClient,
  HttpClients,
  type HttpClientRequest,
  type HttpClientResponse,
} from './http-client/http-client.resource';
export { HealthController, NotReadyError } from './resources/health.controller';
export { maskUrl } from '@kit/http';
export type { ShutdownStep } from './resources/resource.interface';
export { enableGracefulShutdown, type GracefulShutdownOptions } from './shutdown/graceful-shutdown';
