import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LifespanModuleOptions } from './options/lifespan-options.interface';

export const {
  ConfigurableModuleClass: LifespanConfigurableModule,
  MODULE_OPTIONS_TOKEN: LIFESPAN_MODULE_OPTIONS,
  OPTIONS_TYPE: LIFESPAN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LIFESPAN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LifespanModuleOptions>({ moduleName: 'Lifespan' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
