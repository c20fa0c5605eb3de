import type { AuthUser } from '@kit/auth';

/** One open room socket, as the gateway hooks and the request context see it. */
export interface RoomClient<U extends AuthUser = AuthUser> {
  /** Connection id, unique on this instance. */
  readonly id: string;
  readonly room: string;
  /** The user resolved at the upgrade (refreshed by the periodic re-check). */
  readonly user: U;
  /** Request id of the upgrade request (its `X-Request-ID`). */
  readonly upgradeRequestId: string;
  /** Epoch milliseconds of the upgrade. */
  readonly connectedAt: number;
}

/**
 * The service's side of the room sockets, in the spirit of Nest's `@WebSocketGateway()` with
 * `OnGatewayConnection` / `OnGatewayDisconnect`: a provider (with DI) given to
 * `RealtimeModule.forRoot({ gateway })`. Every hook is optional.
 */
export interface RoomGateway<U extends AuthUser = AuthUser> {
  /**
   * Room policy, checked before the upgrade (false → HTTP 403) and again at each user re-check
   * (false → close 1008). @default every room is open to every authenticated user
   */
  canJoin?(user: U, room: string): boolean | Promise<boolean>;
  /** A client joined its room (after the join presence was sent). */
  handleConnection?(client: RoomClient<U>): void;
  /** A client left, whatever the reason; `code` is the close code. */
  handleDisconnect?(client: RoomClient<U>, code: number): void;
  /**
   * Each accepted message, before it is broadcast, inside its own request context (fresh
   * request id, the user under `AUTH_PRINCIPAL`). Throwing refuses the message: the sender gets
   * `{type:"error", error:"MESSAGE_FAILED"}` and the error is logged with the request id.
   */
  handleMessage?(client: RoomClient<U>, data: unknown): void;
}

/** The default gateway: every room open, no hooks. */
export class OpenRoomGateway implements RoomGateway {}
