// No work at import: createKitAdapter() runs it once; an entry point may call it earlier.
export { settleTickShapes } from './tick-shape.warmup';
export { HttpKitModule } from './http.module';
export { HTTP_KIT_MODULE_OPTIONS } from './http.module-definition';
export { InjectProblemTypeBase, PROBLEM_TYPE_BASE } from './http.constants';
export {
  createHttpApp,
  createKitAdapter,
  configureHttpApp,
  drainHttpConnections,
  type KitFastifyAdapter,
  type NestEntryModule,
} from './server/http.bootstrap';
export {
  isExactOrigin,
  resolveHttpKitOptions,
  resolveHttpServerOptions,
} from './options/http-options.factory';
export type {
  CorsOptions,
  HttpKitModuleOptions,
  HttpServerOptions,
  LogLevel,
  OpenApiOptions,
  ResolvedHttpKitOptions,
} from './options/http-options.interface';
export { HttpKitError, HttpKitConfigError } from './http.errors';
export {
  DomainError,
  RequestValidationError,
  type DomainErrorOptions,
  type FieldError,
  type ProblemExtensions,
} from './problem/domain.error';
export {
  buildProblem,
  problemTypeOf,
  codeForStatus,
  titleForStatus,
  PROBLEM_CONTENT_TYPE,
  DEFAULT_PROBLEM_TYPE_BASE,
  INTERNAL_ERROR_DETAIL,
  type ProblemDetails,
} from './problem/problem';
export { ProblemDetailsFilter } from './problem/problem-details.filter';
export {
  ProblemDetailsDto,
  ValidationProblemDetailsDto,
  FieldErrorDto,
} from './problem/problem.dto';
export { ApiProblem } from './problem/api-problem.decorator';
export { Public, IS_PUBLIC_KEY, PUBLIC_EXTENSION } from './openapi/public.decorator';
export { OpenApiRegistry, type OpenApiTransform } from './openapi/openapi.registry';
export { buildOpenApiDocument, setupOpenApi } from './openapi/openapi.setup';
export {
  RequestContext,
  createContextStore,
  createHttpContextStore,
  type BeforeSendStep,
  type RequestContextStore,
  type ServerTimingEntry,
} from './context/request-context';
export { RequestContextService } from './context/request-context.service';
export { replyOf, requestOf } from './context/http-arguments.util';
export { RequestId } from './context/request-id.decorator';
export { REQUEST_ID_PATTERN, generateRequestId, newRequestId } from './request-id';
export {
  KitLogger,
  createPinoLogger,
  exitOnUncaughtException,
  flushBufferedLogs,
  flushLogsSync,
  redactUrl,
} from './observability/logger';
export { CorsPolicy } from './server/cors.policy';
export { FastHistogram, type FastHistogramConfig, type HistogramSeries } from './fast.histogram';
export { MetricsService, UNMATCHED_ROUTE } from './observability/metrics.service';
export type { HttpKitHookSlots } from './server/http-hooks';
export {
  timingHeaderLines,
  writeSocketProblem,
  type SocketProblem,
} from './problem/socket-problem';
export { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './server/json-depth.util';
export { isThenable } from './thenable';
export { withTimeout } from './with-timeout.util';
export { maskUrl } from './options/url.mask';
export { intOption, redisUrlOption, type OptionErrorFactory } from './options/option-validators';
