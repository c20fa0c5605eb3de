export { RealtimeModule } from './realtime.module';
export { REALTIME_MODULE_OPTIONS, type RealtimeModuleExtras } from './realtime.module-definition';
export { resolveRealtimeOptions } from './realtime-options.factory';
export type {
  PresenceOptions,
  RateLimitOptions,
  RealtimeBrokerKind,
  RealtimeModuleOptions,
  RedisBrokerOptions,
  ResolvedRealtimeOptions,
} from './realtime-options.interface';
export {
  CloseCode,
  InjectRealtimeBroker,
  REALTIME_BROKER,
  REALTIME_CLIENT,
  ROOM_NAME_PATTERN,
  type CloseCodeValue,
  type RealtimeErrorReplyCode,
} from './realtime.constants';
export {
  BrokerUnavailableError,
  InvalidRoomError,
  MessageTooLargeError,
  RealtimeConfigError,
  RealtimeError,
  RoomForbiddenError,
} from './realtime.errors';
export type {
  ErrorEnvelope,
  EventErrorEnvelope,
  MessageEnvelope,
  PresenceEnvelope,
  ReplyEnvelope,
  ServerEnvelope,
} from './envelope';
export type { PresenceBatchEnvelope } from './rooms/presence-batch';
export type { BrokerStats, LocalRooms, RealtimeBroker } from './realtime-broker.interface';
export { InProcessBroker } from './in-process.broker';
export { RedisBroker } from './redis.broker';
export {
  RoomGateway,
  type RoomGatewayMetadata,
  type RoomGatewayOptions,
} from './gateway/room-gateway.decorator';
export type { OnRoomMessage, RoomClient, RoomPolicy } from './gateway/room-gateway.interface';
export { RoomExceptionFilter } from './gateway/room-exception.filter';
export { REALTIME_FRAME, currentFrame, type EventFrame } from './messages/room-frame';
export { RealtimeService, SYSTEM_SENDER, type RealtimeStats } from './realtime.service';
export type { GatewayStats } from './realtime.service';
