import { ConfigurableModuleBuilder, type DynamicModule } from '@nestjs/common';
import type { RealtimeModuleOptions } from './realtime-options.interface';

/** Static parts of the realtime module, given to both `forRoot` and `forRootAsync`. */
export interface RealtimeModuleExtras {
  /** Make the module global (so `RealtimeService` can be injected anywhere). @default true */
  isGlobal: boolean;
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
  return { ...definition, global: extras.isGlobal };
}
