// The public API of @kit/http. What other kit libs need from it, and services do not, is in
// `./internal` (`@kit/http/internal`), which is not documented and may change in any version.
export { HttpKitModule } from './http.module';
export { InjectProblemTypeBase, PROBLEM_TYPE_BASE } from './http.constants';
export {
  createHttpApp,
  type KitFastifyAdapter,
  type NestEntryModule,
} from './server/http.bootstrap';
export { isExactOrigin } from './options/http-options.factory';
export { LOG_LEVELS } from './options/http-options.interface';
export type {
  CorsOptions,
  HttpKitModuleOptions,
  HttpServerOptions,
  LogLevel,
  OpenApiOptions,
} from './options/http-options.interface';
export { KitError, KitConfigError } from './errors/kit.error';
export { HttpKitError, HttpKitConfigError } from './http.errors';
export {
  DomainError,
  RequestValidationError,
  type DomainErrorOptions,
  type FieldError,
  type ProblemExtensions,
} from './problem/domain.error';
export {
  PROBLEM_CONTENT_TYPE,
  DEFAULT_PROBLEM_TYPE_BASE,
  type ProblemDetails,
} from './problem/problem';
export { ProblemDetailsFilter } from './problem/problem-details.filter';
export {
  ProblemDetailsDto,
  ValidationProblemDetailsDto,
  FieldErrorDto,
} from './problem/problem.dto';
export { ApiProblem } from './problem/api-problem.decorator';
export { Public } from './openapi/public.decorator';
export { RequestContext } from './context/request-context';
export { RequestContextService } from './context/request-context.service';
export { RequestId } from './context/request-id.decorator';
export { exitOnUncaughtException, flushBufferedLogs, flushLogsSync } from './observability/logger';
export { MetricsService, UNMATCHED_ROUTE } from './observability/metrics.service';
export { maskUrl } from './options/url.mask';
export { intOption, redisUrlOption, type OptionErrorFactory } from './options/option-validators';
