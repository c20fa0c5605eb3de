import type { AuthUser } from '@kit/auth';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { WsMessageHandler } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { SendQueue } from '../delivery/frame-writer';
import type { RoomClient } from '../gateway/room-gateway.interface';
import type { RoomRoute } from '../gateway/room-route';

/** Who handles a connection's socket events (its gateway). */
export interface ConnectionOwner {
  onMessage(conn: RoomConnection, data: Buffer, isBinary: boolean): void;
  onClose(conn: RoomConnection, code: number, reason: string): void;
  onError(conn: RoomConnection, err: Error): void;
  expire(conn: RoomConnection): void;
  /** Closes the socket with `code` and takes it out of its room at once. */
  close(conn: RoomConnection, code: number, reason: string): void;
  /** Sends an envelope (JSON text) to this connection only. */
  send(conn: RoomConnection, text: string): void;
}

/** What Nest bound to a connection: its gateway's message handlers and its disconnect hook. */
export interface BoundHandlers {
  readonly handlers: readonly WsMessageHandler[];
  /** Turns a handler's result (value, Promise or Observable) into an Observable. */
  readonly transform: (result: unknown) => Observable<unknown>;
}

/** One room socket and its per-connection state (kept small: thousands are idle at once). */
export class RoomConnection implements RoomClient {
  /** The user id as JSON text, serialized once for every envelope this client sends. */
  readonly userJson: string;
  /** Token bucket: tokens left and when it was last refilled (ms, monotonic). */
  tokens: number;
  refilledAt: number;
  /** Refused messages in a row (rate limited or invalid). */
  violations = 0;
  /** Answered the last ping (or sent something) since the previous one. */
  alive = true;
  /** close() was called: nothing more is sent to it. */
  closing = false;
  /** Removed from its room (leave announced), which happens as soon as it is closed. */
  left = false;
  /** The code this side closed with, if it did. */
  closeCode: number | undefined;
  /** The reason this side closed with, if it did. */
  closeReason: string | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Frames for this client that its socket has not taken yet (bounded by the send cap). */
  readonly sendQueue: SendQueue;
  /** The gateway's `@SubscribeMessage()` handlers, bound by Nest once the client connected. */
  bound: BoundHandlers | undefined;
  /**
   * Nest's disconnect hook (the gateway's `handleDisconnect(client, reason)`), bound once
   * connected; `reason` is the close code and reason, e.g. `1013 slow consumer`.
   */
  onDisconnect: ((reason: string) => void) | undefined;

  constructor(
    readonly owner: ConnectionOwner,
    /** The gateway path this socket came in on. */
    readonly route: RoomRoute,
    readonly id: string,
    readonly ws: WebSocket,
    socket: Duplex,
    public user: AuthUser,
    readonly room: string,
    readonly expiresAt: number,
    readonly upgradeRequestId: string,
    readonly connectedAt: number,
    burst: number,
    now: number,
  ) {
    this.userJson = JSON.stringify(user.id);
    this.sendQueue = new SendQueue(socket, ws);
    this.tokens = burst;
    this.refilledAt = now;
  }

  send(value: unknown): void {
    this.owner.send(this, JSON.stringify(value ?? null));
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number, perMs: number, burst: number): boolean {
    const refilled = this.tokens + (now - this.refilledAt) * perMs;
    this.tokens = refilled > burst ? burst : refilled;
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
