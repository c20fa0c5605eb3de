// The public API of @kit/lifespan. What other kit libs need from it, and services do not, is in
// `./internal` (`@kit/lifespan/internal`), which is not documented and may change in any version.
export { LifespanModule } from './lifespan.module';
export type {
  DatabaseDialect,
  DatabaseOptions,
  HealthOptions,
  HttpClientOptions,
  RedisOptions,
  LifespanModuleOptions,
  MigrationSet,
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
