import { Module } from '@nestjs/common';
import { DatabaseResource } from './database/database.resource';
import { HealthController } from './resources/health.controller';
import { HttpClients } from './http-client/http-client.resource';
import { KYSELY, REDIS } from './lifespan.constants';
import { RedisResource } from './redis/redis.resource';
import { RESOLVED_LIFESPAN_OPTIONS } from './lifespan.internal-constants';
import { LIFESPAN_MODULE_OPTIONS, LifespanConfigurableModule } from './lifespan.module-definition';
import type {
  LifespanModuleOptions,
  ResolvedLifespanOptions,
} from './options/lifespan-options.interface';
import { resolveLifespanOptions } from './options/lifespan-options.factory';
import { ResourceRegistry } from './resources/resource.registry';
import { unconfiguredKysely } from './database/unconfigured-kysely';

/** Resources opened at boot and closed in reverse at shutdown, the database, and health routes. */
@Module({
  controllers: [HealthController],
  providers: [
    {
      provide: RESOLVED_LIFESPAN_OPTIONS,
      inject: [LIFESPAN_MODULE_OPTIONS],
      useFactory: (raw: LifespanModuleOptions) => resolveLifespanOptions(raw),
    },
    ResourceRegistry,
    {
      provide: DatabaseResource,
      inject: [RESOLVED_LIFESPAN_OPTIONS, ResourceRegistry],
      useFactory: (options: ResolvedLifespanOptions, registry: ResourceRegistry) => {
        if (!options.database) return undefined;
        return new DatabaseResource(options.database, registry);
      },
    },
    {
      provide: RedisResource,
      inject: [RESOLVED_LIFESPAN_OPTIONS, ResourceRegistry],
      useFactory: (options: ResolvedLifespanOptions, registry: ResourceRegistry) =>
        options.redis ? new RedisResource(options.redis, registry) : undefined,
    },
    {
      provide: REDIS,
      inject: [RedisResource],
      useFactory: (redis: RedisResource | undefined) => redis?.client ?? null,
    },
    {
      provide: HttpClients,
      inject: [RESOLVED_LIFESPAN_OPTIONS, ResourceRegistry],
      useFactory: (options: ResolvedLifespanOptions, registry: ResourceRegistry) =>
        new HttpClients(options.httpClients, registry),
    },
    {
      provide: KYSELY,
      inject: [DatabaseResource],
      useFactory: (database: DatabaseResource | undefined) =>
        database ? database.kysely() : unconfiguredKysely(),
    },
  ],
  exports: [
    RESOLVED_LIFESPAN_OPTIONS,
    ResourceRegistry,
    DatabaseResource,
    KYSELY,
    RedisResource,
    REDIS,
    HttpClients,
  ],
})
export class LifespanModule extends LifespanConfigurableModule {}
