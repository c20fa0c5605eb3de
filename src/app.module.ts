import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { AuthModule, RedisLoginThrottle, type ThrottleOptions } from '@kit/auth';
import { HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import { RealtimeModule } from '@kit/realtime';
import { TasksModule } from '@kit/tasks';
import { AdminApiKeysController } from './auth/admin-api-keys.controller';
import { loadSigningKey } from './auth/signing-key';
import { WhoamiController } from './auth/whoami.controller';
import { APP_CONFIG } from './config/config.constants';
import type { AppConfig } from './config/app.config';
import { DatabaseModule } from './database/database.module';
import { migrationSets } from './database/migrations';
import { IngestModule } from './ingest/ingest.module';
import type { IngestOptions } from './ingest/ingest.options';
import { MetricsController } from './metrics/metrics.controller';
import { OrdersModule } from './orders/orders.module';
import { RoomsModule } from './realtime/rooms.module';
import { UsersAuthResolver } from './users/users-auth.resolver';
import { UsersDataModule } from './users/users-data.module';
import { UsersModule } from './users/users.module';

/** Knobs tests turn; production uses the defaults. */
export interface AppModuleOverrides {
  /** scrypt cost N for password hashing. @default 32_768 */
  scryptCost?: number;
  /** BullMQ queue name, so test suites sharing one Redis do not share jobs. @default 'kit-jobs' */
  jobsQueueName?: string;
  /**
   * Redis key prefix of the failed-login counts, so test suites sharing one Redis do not share
   * them. @default 'kit:auth:login-failures:'
   */
  loginThrottleKeyPrefix?: string;
  /** Login throttling and password-verification limits. @default AuthModule's */
  loginThrottle?: Omit<ThrottleOptions, 'redisKeyPrefix'>;
  /** Ingest outbox knobs over the configured ones (e.g. `relay: false` to leave batches unsent). */
  ingest?: Partial<IngestOptions>;
}

/** The reference service, built only from the kit's libs. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppModuleOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        HttpKitModule.forRoot({
          isGlobal: true,
          cors: { origins: config.corsOrigins, credentials: true },
          openapi: {
            title: 'Nest service kit: reference service',
            version: '0.1.0',
            description:
              'Users, tokens, API keys, ingest and health, built from the kit libraries. ' +
              'Any route that reads or writes the database may answer 503 DATABASE_TIMEOUT (a ' +
              'query or the wait for a connection ran past its deadline) or DATABASE_UNAVAILABLE ' +
              '(the database is unreachable), with Retry-After.',
          },
        }),
        LifespanModule.forRoot({
          isGlobal: true,
          database: {
            url: config.databaseUrl,
            migrations: migrationSets,
            queryTimeoutMs: config.databaseQueryTimeoutMs,
            acquireTimeoutMs: config.databaseAcquireTimeoutMs,
          },
          // Users, orders and same-instance rooms work without Redis: readiness reports it down
          // but stays 200 ("degraded"), so a Redis outage does not empty the balancer.
          redis: config.redisUrl ? { url: config.redisUrl, required: false } : undefined,
        }),
        AuthModule.forRootAsync({
          isGlobal: true,
          userResolver: UsersAuthResolver,
          // With Redis, every instance counts failed logins against one budget.
          loginThrottle: config.redisUrl ? RedisLoginThrottle : undefined,
          imports: [UsersDataModule],
          useFactory: () => ({
            jwt: {
              secret: loadSigningKey(config.dataDir, config.jwtSecret, (message) =>
                new Logger('SigningKey').log(message),
              ),
              issuer: config.jwtIssuer,
              audience: config.jwtAudience,
              clockToleranceSec: config.jwtClockToleranceSec,
              accessTokenTtlSec: config.accessTokenTtlSec,
              refreshTokenTtlSec: config.refreshTokenTtlSec,
            },
            scryptCost: overrides.scryptCost,
            throttle: {
              redisKeyPrefix: overrides.loginThrottleKeyPrefix,
              ...overrides.loginThrottle,
            },
          }),
        }),
        TasksModule.forRoot({
          isGlobal: true,
          jobs: { redisUrl: config.redisUrl, queueName: overrides.jobsQueueName },
        }),
        DatabaseModule,
        RealtimeModule.forRoot({
          isGlobal: true,
          redisUrl: config.redisUrl,
          redis: { required: false },
          allowedOrigins: config.corsOrigins,
        }),
        RoomsModule,
        UsersModule,
        IngestModule.forRoot({
          sweepIntervalMs: config.ingestSweepIntervalMs,
          sweepAfterMs: config.ingestSweepAfterMs,
          idempotencyTtlMs: config.ingestIdempotencyTtlMs,
          ...overrides.ingest,
        }),
        OrdersModule,
      ],
      controllers: [WhoamiController, AdminApiKeysController, MetricsController],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
