// @kit/http/internal: what the other kit libs (and the kit's own tests) need from @kit/http and
// services do not. Not documented, no compatibility promise; a service imports `@kit/http` only
// (`npm run lint` checks it: scripts/check-lib-deps.js).
export { HTTP_KIT_MODULE_OPTIONS } from './http.module-definition';
export { createKitAdapter, configureHttpApp, drainHttpConnections } from './server/http.bootstrap';
export { resolveHttpKitOptions, resolveHttpServerOptions } from './options/http-options.factory';
export type { ResolvedHttpKitOptions } from './options/http-options.interface';
export {
  buildProblem,
  problemTypeOf,
  codeForStatus,
  titleForStatus,
  INTERNAL_ERROR_DETAIL,
} from './problem/problem';
export { IS_PUBLIC_KEY, PUBLIC_EXTENSION } from './openapi/public.decorator';
export { OpenApiRegistry, type OpenApiTransform } from './openapi/openapi.registry';
export { buildOpenApiDocument, setupOpenApi } from './openapi/openapi.setup';
export {
  createContextStore,
  createHttpContextStore,
  type BeforeSendStep,
  type RequestContextStore,
  type ServerTimingEntry,
} from './context/request-context';
export { replyOf, requestOf } from './context/http-arguments.util';
export { REQUEST_ID_PATTERN, generateRequestId, newRequestId } from './context/request-id';
export { KitLogger, createPinoLogger, redactUrl } from './observability/logger';
export { CorsPolicy } from './server/cors.policy';
export {
  timingHeaderLines,
  writeSocketProblem,
  type SocketProblem,
} from './problem/socket-problem';
export { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './server/json-depth.util';
export { isThenable } from './server/thenable';
export { withTimeout } from './with-timeout.util';
