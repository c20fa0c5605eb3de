import { type DynamicModule, Module } from '@nestjs/common';
import { HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import { APP_CONFIG } from './config/config.constants';
import type { AppConfig } from './config/app.config';
import { migrations } from './database/migrations';

/** The reference service, built only from the kit's libs. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        HttpKitModule.forRoot({
          isGlobal: true,
          cors: { origins: config.corsOrigins, credentials: true },
          openapi: { title: 'Nest service kit: reference service', version: '0.1.0' },
        }),
        LifespanModule.forRoot({
          isGlobal: true,
          database: { url: config.databaseUrl, migrations },
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
      global: true,
    };
  }
}
