import { Module } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { RedisResource } from '@kit/lifespan';
import { randomUUID } from 'node:crypto';
import { InProcessBroker } from './in-process.broker';
import { REALTIME_BROKER } from './realtime.constants';
import { RoomConnections } from './connections/room-connections';
import { RoomDelivery } from './delivery/room-delivery';
import { RoomRoutes } from './gateway/room-routes';
import { RoomsWsAdapter } from './gateway/rooms-ws.adapter';
import { MessageIntake } from './messages/message-intake';
import { RoomEvents } from './messages/room-events';
import { RoomPresence } from './rooms/room-presence';
import { RoomRegistry } from './rooms/room-registry';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import { RealtimeConfigError } from './realtime.errors';
import { REALTIME_MODULE_OPTIONS, RealtimeConfigurableModule } from './realtime.module-definition';
import type { RealtimeModuleOptions, ResolvedRealtimeOptions } from './realtime-options.interface';
import { resolveRealtimeOptions } from './realtime-options.factory';
import type { RealtimeBroker } from './realtime-broker.interface';
import { RealtimeServer } from './realtime.server';
import { RealtimeService } from './realtime.service';
import { RedisBroker } from './redis.broker';
import { UpgradeHandler } from './upgrade.handler';
import { UserLookup } from './user-lookup';

/** Envelope overhead allowed on top of `maxPayloadBytes` for frames relayed between instances. */
const ENVELOPE_OVERHEAD_BYTES = 4_096;

/**
 * Room WebSockets for the app's `@RoomGateway()` classes, on the HTTP server's port:
 * authenticated and checked before the upgrade, fanned out in-process or through
 * `LifespanModule`'s Redis (`broker`).
 */
@Module({
  providers: [
    {
      provide: RESOLVED_REALTIME_OPTIONS,
      inject: [REALTIME_MODULE_OPTIONS],
      useFactory: (raw: RealtimeModuleOptions) => resolveRealtimeOptions(raw),
    },
    {
      provide: REALTIME_BROKER,
      inject: [RESOLVED_REALTIME_OPTIONS, { token: RedisResource, optional: true }],
      useFactory: createBroker,
    },
    UserLookup,
    RoomRoutes,
    {
      // Installed as the app's WebSocket adapter when the module is instantiated, which is
      // before Nest connects gateways at init: no app.useWebSocketAdapter() call is needed.
      provide: RoomsWsAdapter,
      inject: [ApplicationConfig, RoomRoutes, ModuleRef],
      useFactory: (config: ApplicationConfig, routes: RoomRoutes, moduleRef: ModuleRef) => {
        const adapter = new RoomsWsAdapter(routes, moduleRef);
        config.setIoAdapter(adapter);
        return adapter;
      },
    },
    RoomRegistry,
    RoomDelivery,
    RoomPresence,
    RoomEvents,
    MessageIntake,
    RoomConnections,
    UpgradeHandler,
    RealtimeServer,
    RealtimeService,
  ],
  exports: [RESOLVED_REALTIME_OPTIONS, REALTIME_BROKER, RealtimeService],
})
export class RealtimeModule extends RealtimeConfigurableModule {}

/** The Redis broker on LifespanModule's Redis (by default when there is one), else in-process. */
function createBroker(
  options: ResolvedRealtimeOptions,
  redis: RedisResource | undefined,
): RealtimeBroker {
  if (options.broker === 'redis' && !redis) {
    throw new RealtimeConfigError(
      'realtime.broker',
      '"redis" needs a Redis: configure LifespanModule.forRoot({ redis: { url } }) (set REDIS_URL), or use "in-process"',
    );
  }
  if (options.broker === 'in-process' || !redis) return new InProcessBroker();
  return new RedisBroker(
    options.redis,
    redis,
    randomUUID(),
    options.maxPayloadBytes + ENVELOPE_OVERHEAD_BYTES,
  );
}
