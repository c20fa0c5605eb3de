import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HttpKitModuleOptions } from './options/http-options.interface';

export const {
  ConfigurableModuleClass: HttpKitConfigurableModule,
  MODULE_OPTIONS_TOKEN: HTTP_KIT_MODULE_OPTIONS,
  OPTIONS_TYPE: HTTP_KIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HTTP_KIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HttpKitModuleOptions>({ moduleName: 'HttpKit' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
