import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { ROOM_GATEWAY } from './realtime.constants';
import type { RealtimeModuleOptions } from './realtime-options.interface';
import { OpenRoomGateway, type RoomGateway } from './room-gateway.interface';

/** Static parts of the realtime module, given to both `forRoot` and `forRootAsync`. */
export interface RealtimeModuleExtras {
  /** Make the module global (so `RealtimeService` can be injected anywhere). @default true */
  isGlobal: boolean;
  /** The service's room gateway: room policy and connection hooks. @default OpenRoomGateway */
  gateway?: Type<RoomGateway>;
  /** Modules the gateway needs. @default [] */
  imports?: ModuleMetadata['imports'];
}

export const {
  ConfigurableModuleClass: RealtimeConfigurableModule,
  MODULE_OPTIONS_TOKEN: REALTIME_MODULE_OPTIONS,
  OPTIONS_TYPE: REALTIME_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: REALTIME_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RealtimeModuleOptions>({ moduleName: 'Realtime' })
  .setClassMethodName('forRoot')
  .setExtras<RealtimeModuleExtras>({ isGlobal: true }, applyExtras)
  .build();

function applyExtras(definition: DynamicModule, extras: RealtimeModuleExtras): DynamicModule {
  return {
    ...definition,
    global: extras.isGlobal,
    imports: [...(definition.imports ?? []), ...(extras.imports ?? [])],
    providers: [
      ...(definition.providers ?? []),
      { provide: ROOM_GATEWAY, useClass: extras.gateway ?? OpenRoomGateway },
    ],
  };
}
