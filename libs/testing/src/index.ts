export { createTestApp, type TestApp } from './test-app';
export { LogCapture } from './log-capture';
export { createApiKey, mintAccessToken, overrideCurrentUser } from './auth-testing';
export {
  WsTestClient,
  WsUpgradeRejected,
  type WsClose,
  type WsConnectOptions,
  type WsMessage,
} from './ws-client';
