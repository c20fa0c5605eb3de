import type { AuthUser } from '@kit/auth';

/**
 * One open room socket, as a gateway sees it: the `@ConnectedSocket()` of its message handlers
 * and the client of `handleConnection` / `handleDisconnect`.
 */
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
  /**
   * Sends a JSON value to this client only, through its bounded send queue (a client past its
   * send cap is closed with 1013). Nothing is sent once the socket is closing.
   */
  send(value: unknown): void;
}

/**
 * A gateway's room policy, checked before the upgrade (false → HTTP 403) and again at each user
 * re-check (false → close 1008). Without it every room is open to every authenticated user.
 */
export interface RoomPolicy<U extends AuthUser = AuthUser> {
  canJoin(user: U, room: string): boolean | Promise<boolean>;
}

/**
 * A hook for the frames that name no `@SubscribeMessage()` event of the gateway (they are
 * broadcast to the room): it runs first, in the message's request context; throwing refuses the
 * message (a `DomainError` is answered with its code, anything else with `MESSAGE_FAILED`).
 */
export interface OnRoomMessage<U extends AuthUser = AuthUser> {
  handleMessage(client: RoomClient<U>, data: unknown): void;
}
