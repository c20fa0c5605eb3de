import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@kit/auth';
import { RequestContext } from '@kit/http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { RoomDelivery } from '../delivery/room-delivery';
import { MessageIntake, roomContext } from '../messages/message-intake';
import type { RoomRoute } from '../gateway/room-route';
import { CloseCode } from '../realtime.constants';
import { RESOLVED_REALTIME_OPTIONS } from '../realtime.internal-constants';
import type { ResolvedRealtimeOptions } from '../realtime-options.interface';
import { RoomPresence } from '../rooms/room-presence';
import { RoomRegistry } from '../rooms/room-registry';
import { UserLookup } from '../user-lookup';
import { type ConnectionOwner, RoomConnection } from './room-connection';
import { listenTo, onExpiry } from './socket-listeners';

/** What the upgrade handler decided: who joins which room, until when. */
export interface AdmittedClient {
  readonly user: AuthUser;
  readonly room: string;
  /** Epoch ms of the token's `exp`. */
  readonly expiresAt: number;
  readonly requestId: string;
  /** The gateway path it came in on. */
  readonly route: RoomRoute;
}

const MAX_TIMEOUT_MS = 2_147_483_647;
const RECHECK_CONCURRENCY = 8;

/**
 * The life of each room socket: admitted into its room, kept alive by pings, re-checked against
 * the user resolver and the room policy, closed at token expiry, with the contract's codes, or
 * at shutdown with 1001; join and leave are announced to the room.
 */
@Injectable()
export class RoomConnections implements ConnectionOwner {
  private readonly logger = new Logger('Realtime');
  private sequence = 0;
  private draining = false;
  private rechecking = false;
  private onEmpty: (() => void) | undefined;

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly registry: RoomRegistry,
    private readonly delivery: RoomDelivery,
    private readonly presence: RoomPresence,
    private readonly intake: MessageIntake,
    private readonly users: UserLookup,
  ) {}

  /** True once shutdown began: new upgrades are refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Takes an upgraded socket into its room. Synchronous, so capacity checks cannot race.
   * `socket` is the TCP socket the upgrade came on (the one `ws` writes to).
   */
  accept(ws: WebSocket, client: AdmittedClient, socket: Duplex): void {
    const now = performance.now();
    const conn = new RoomConnection(
      this,
      client.route,
      `${client.requestId}:${(++this.sequence).toString(36)}`,
      ws,
      socket,
      client.user,
      client.room,
      client.expiresAt,
      client.requestId,
      Date.now(),
      this.options.rateLimit.burst,
      now,
    );
    listenTo(ws, conn);
    this.registry.add(conn);
    this.scheduleExpiry(conn);
    this.presence.announce(conn, 'join');
    this.runHook(conn, () => conn.route.connect(conn));
  }

  /** One liveness round: drops peers that missed the previous ping, pings the others. */
  pingAll(): void {
    for (const conn of this.registry.connections) {
      if (!conn.alive) {
        conn.closeCode ??= 1006;
        conn.closeReason ??= `no pong within ${this.options.pingIntervalMs} ms`;
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  /** Re-resolves every connected user: gone or inactive → 4001, no longer admitted → 1008. */
  async recheckUsers(): Promise<void> {
    if (this.rechecking || this.draining) return;
    this.rechecking = true;
    try {
      const byUser = new Map<string, RoomConnection[]>();
      for (const conn of this.registry.connections) {
        const list = byUser.get(conn.user.id);
        if (list) list.push(conn);
        else byUser.set(conn.user.id, [conn]);
      }
      const queue = [...byUser.entries()];
      const worker = async (): Promise<void> => {
        for (let next = queue.pop(); next; next = queue.pop()) await this.recheck(...next);
      };
      await Promise.all(Array.from({ length: RECHECK_CONCURRENCY }, worker));
    } finally {
      this.rechecking = false;
    }
  }

  /**
   * Shutdown: refuses new upgrades, closes every socket with 1001 and waits for them to go,
   * destroying those still open after `closeTimeoutMs`.
   */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      await this.closeAll();
    } finally {
      // Batched leaves still reach the other instances' members (the broker is still open).
      this.presence.close();
    }
  }

  private async closeAll(): Promise<void> {
    if (this.registry.size === 0) return;
    const empty = new Promise<void>((resolve) => (this.onEmpty = resolve));
    for (const conn of this.registry.connections)
      this.close(conn, CloseCode.GOING_AWAY, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs);
    });
    await Promise.race([empty, timeout]);
    clearTimeout(timer);
    for (const conn of this.registry.connections) conn.ws.terminate();
  }

  /** @internal socket events, dispatched by the shared listeners below. */
  onMessage(conn: RoomConnection, raw: Buffer, isBinary: boolean): void {
    this.intake.onMessage(conn, raw, isBinary);
  }

  /** @internal */
  onClose(conn: RoomConnection, code: number, reason: string): void {
    if (!this.registry.forget(conn)) return;
    conn.sendQueue.drop();
    this.logger.log({
      msg: 'room socket closed',
      reqId: conn.upgradeRequestId,
      room: conn.room,
      userId: conn.user.id,
      code: conn.closeCode ?? code,
      reason: conn.closeCode === undefined ? reason : conn.closeReason,
      by: conn.closeCode === undefined ? 'client' : 'server',
    });
    clearTimeout(conn.expiryTimer);
    conn.closing = true;
    this.leave(conn, code, reason);
    if (this.registry.size === 0) this.onEmpty?.();
  }

  /** @internal */
  onError(conn: RoomConnection, err: Error): void {
    this.logger.debug(`socket ${conn.id} failed: ${err.message}`);
  }

  /**
   * Closes a socket and takes it out of its room at once, without waiting for the peer. Frames
   * still queued for it are dropped, so the close frame is the next thing its socket gets; the
   * socket is destroyed if the closing handshake takes longer than `closeTimeoutMs`.
   */
  close(conn: RoomConnection, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    conn.closeCode = code;
    conn.closeReason = reason;
    conn.sendQueue.drop();
    conn.ws.close(code, reason);
    this.leave(conn, code, reason);
  }

  /** @internal */
  send(conn: RoomConnection, text: string): void {
    this.delivery.send(conn, text);
  }

  /** @internal */
  expire(conn: RoomConnection): void {
    if (Date.now() < conn.expiresAt) {
      this.scheduleExpiry(conn);
      return;
    }
    this.close(conn, CloseCode.TOKEN_EXPIRED, 'token expired');
  }

  private leave(conn: RoomConnection, code: number, reason: string): void {
    if (conn.left) return;
    conn.left = true;
    clearTimeout(conn.expiryTimer);
    this.registry.removeFromRoom(conn);
    this.presence.announce(conn, 'leave');
    const closed = `${conn.closeCode ?? code}${(conn.closeReason ?? reason) ? ` ${conn.closeReason ?? reason}` : ''}`;
    this.runHook(conn, () => conn.onDisconnect?.(closed));
  }

  private scheduleExpiry(conn: RoomConnection): void {
    const ms = Math.min(Math.max(conn.expiresAt - Date.now(), 0), MAX_TIMEOUT_MS);
    conn.expiryTimer = setTimeout(onExpiry, ms, conn);
    conn.expiryTimer.unref();
  }

  private async recheck(userId: string, conns: RoomConnection[]): Promise<void> {
    let user: AuthUser | null;
    try {
      user = await this.users.findActive(userId);
    } catch (err) {
      this.logger.warn(
        `re-checking a user failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    for (const conn of conns) {
      if (!user) {
        this.close(conn, CloseCode.TOKEN_EXPIRED, 'user deactivated');
        continue;
      }
      conn.user = user;
      if (!(await conn.route.canJoin(user, conn.room))) {
        this.close(conn, CloseCode.POLICY_VIOLATION, 'no longer allowed in this room');
      }
    }
  }

  private runHook(conn: RoomConnection, hook: () => void): void {
    RequestContext.run(roomContext(conn, randomUUID()), () => {
      try {
        hook();
      } catch (err) {
        this.logger.error(
          `gateway hook failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    });
  }
}
