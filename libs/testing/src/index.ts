export { createTestApp, type TestApp, type TestAppModule } from './test-app';
export { LogCapture } from './log-capture';
export { createApiKey, mintAccessToken, overrideCurrentUser } from './auth-testing';
export {
  WsTestClient,
  WsUpgradeRejected,
  type WsClose,
  type WsConnectOptions,
  type WsEmitOptions,
  type WsMessage,
} from './ws-client';
export { Closer, type Closable } from './closer';
export { waitFor, waitForLog, WaitTimeoutError, type WaitOptions } from './wait-for';
export { printSkipNotice } from './skip-notice';
export {
  expectedProblemType,
  expectProblem,
  PROBLEM_CONTENT_TYPE,
  UUID_V4,
  type ExpectedProblem,
  type ProblemBody,
} from './problem';
export { describeWithServices, serviceUrl, type TestService } from './services';
export {
  databaseVariants,
  postgresVariant,
  postgresVariantAt,
  runSql,
  sqliteVariant,
  withSearchPath,
  type DatabaseVariant,
  type TestDatabase,
} from './database-variants';
export { TcpProxy } from './tcp-proxy';
export { timed } from './timed';
export { freePort, OwnRedisServer } from './redis-server';
export {
  acceptsConnections,
  attempt,
  failureCode,
  Upstream,
  type Outcome,
  type UpstreamRequest,
} from './http-probes';
export { deleteRedisKeys } from './redis-keys';
