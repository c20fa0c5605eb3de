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
} from './http.bootstrap';
export {
  isExactOrigin,
  resolveHttpKitOptions,
  resolveHttpServerOptions,
} from './http-options.factory';
export type {
  CorsOptions,
  HttpKitModuleOptions,
  HttpServerOptions,
  LogLevel,
  OpenApiOptions,
  ResolvedHttpKitOptions,
} from './http-options.interface';
export { HttpKitError, HttpKitConfigError } from './http.errors';
export {
  DomainError,
  RequestValidationError,
  type DomainErrorOptions,
  type FieldError,
  type ProblemExtensions,
} from './domain.error';
export {
  buildProblem,
  problemTypeOf,
  codeForStatus,
  titleForStatus,
  PROBLEM_CONTENT_TYPE,
  DEFAULT_PROBLEM_TYPE_BASE,
  INTERNAL_ERROR_DETAIL,
  type ProblemDetails,
} from './problem';
export { ProblemDetailsFilter } from './problem-details.filter';
export { ProblemDetailsDto, ValidationProblemDetailsDto, FieldErrorDto } from './problem.dto';
export { ApiProblem } from './api-problem.decorator';
export { Public, IS_PUBLIC_KEY, PUBLIC_EXTENSION } from './public.decorator';
export { OpenApiRegistry, type OpenApiTransform } from './openapi.registry';
export { buildOpenApiDocument, setupOpenApi } from './openapi.setup';
export {
  RequestContext,
  createContextStore,
  createHttpContextStore,
  type BeforeSendStep,
  type RequestContextStore,
  type ServerTimingEntry,
} from './request-context';
export { RequestContextService } from './request-context.service';
export { replyOf, requestOf } from './http-arguments.util';
export { RequestId } from './request-id.decorator';
export { REQUEST_ID_PATTERN, generateRequestId, newRequestId } from './request-id';
export {
  KitLogger,
  createPinoLogger,
  exitOnUncaughtException,
  flushBufferedLogs,
  flushLogsSync,
  redactUrl,
} from './logger';
export { CorsPolicy } from './cors.policy';
export { MetricsService, UNMATCHED_ROUTE } from './metrics.service';
export type { HttpKitHookSlots } from './http-hooks';
export { timingHeaderLines, writeSocketProblem, type SocketProblem } from './socket-problem';
export { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './json-depth.util';
export { isThenable } from './thenable';
export { withTimeout } from './with-timeout.util';
export { maskUrl } from './options/url.mask';
export { intOption, redisUrlOption, type OptionErrorFactory } from './options/option-validators';
