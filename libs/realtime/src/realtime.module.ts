import { Module } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
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
 * authenticated and checked before the upgrade, fanned out in-process or through Redis
 * (`redisUrl`).
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
      inject: [RESOLVED_REALTIME_OPTIONS],
      useFactory: (options: ResolvedRealtimeOptions): RealtimeBroker =>
        options.redis
          ? new RedisBroker(
              options.redis,
              randomUUID(),
              options.maxPayloadBytes + ENVELOPE_OVERHEAD_BYTES,
            )
          : new InProcessBroker(),
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
