import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { CorsPolicy } from './server/cors.policy';
import { HttpKitConfigError } from './http.errors';
import { HOOK_SLOTS, type HttpKitHookSlots } from './server/http-hooks';
import { RESOLVED_HTTP_OPTIONS } from './http.internal-constants';
import { HTTP_KIT_MODULE_OPTIONS, HttpKitConfigurableModule } from './http.module-definition';
import type {
  HttpKitModuleOptions,
  ResolvedHttpKitOptions,
} from './options/http-options.interface';
import { resolveHttpKitOptions } from './options/http-options.factory';
import { MetricsService } from './observability/metrics.service';
import { OpenApiRegistry } from './openapi/openapi.registry';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { PROBLEM_TYPE_BASE } from './http.constants';
import { RequestContextService } from './context/request-context.service';
import { createValidationPipe } from './problem/validation.pipe';

/**
 * Problem+json errors, validation, request context, CORS policy and the OpenAPI registry.
 * Serve the app with `createHttpApp()`, which installs the Fastify hooks this module configures.
 */
@Module({
  providers: [
    {
      provide: RESOLVED_HTTP_OPTIONS,
      inject: [HTTP_KIT_MODULE_OPTIONS],
      useFactory: (raw: HttpKitModuleOptions) => resolveHttpKitOptions(raw),
    },
    RequestContextService,
    OpenApiRegistry,
    MetricsService,
    {
      provide: PROBLEM_TYPE_BASE,
      inject: [RESOLVED_HTTP_OPTIONS],
      useFactory: (options: ResolvedHttpKitOptions) => options.problemTypeBase,
    },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
  exports: [
    RESOLVED_HTTP_OPTIONS,
    PROBLEM_TYPE_BASE,
    RequestContextService,
    OpenApiRegistry,
    MetricsService,
  ],
})
export class HttpKitModule extends HttpKitConfigurableModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOLVED_HTTP_OPTIONS) private readonly options: ResolvedHttpKitOptions,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<
      FastifyInstance & { [HOOK_SLOTS]?: HttpKitHookSlots }
    >();
    const slots = instance?.[HOOK_SLOTS];
    if (!slots) {
      throw new HttpKitConfigError(
        'HttpKitModule',
        'needs the Fastify app from createHttpApp() (or createTestApp() in tests), which installs its hooks',
      );
    }
    slots.cors = this.options.cors ? new CorsPolicy(this.options.cors) : undefined;
    slots.problemTypeBase = this.options.problemTypeBase;
    slots.metrics = this.metrics;
  }
}
