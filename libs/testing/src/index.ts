export { createTestApp, type TestApp } from './test-app';
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
export { waitFor, waitForLog, type WaitOptions } from './wait-for';
export { printSkipNotice } from './skip-notice';
