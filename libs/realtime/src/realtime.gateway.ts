import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_PRINCIPAL, type AuthUser } from '@kit/auth';
import { DomainError, RequestContext } from '@kit/http';
import { createContextStore, jsonDepthExceeds } from '@kit/http/internal';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { errorFrame, messageFrame, presenceFrame } from './envelope';
import { SharedFrame } from './frame-writer';
import { CloseCode, REALTIME_BROKER, REALTIME_CLIENT, ROOM_GATEWAY } from './realtime.constants';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import type { LocalRooms, RealtimeBroker } from './realtime-broker.interface';
import type { ResolvedRealtimeOptions } from './realtime-options.interface';
import { type ConnectionOwner, RoomConnection } from './room-connection';
import type { RoomGateway } from './room-gateway.interface';
import { UserLookup } from './user-lookup';

/** What the upgrade handler decided: who joins which room, until when. */
export interface AdmittedClient {
  readonly user: AuthUser;
  readonly room: string;
  /** Epoch ms of the token's `exp`. */
  readonly expiresAt: number;
  readonly requestId: string;
}

/** Counters of this instance's room sockets. */
export interface GatewayStats {
  connections: number;
  rooms: number;
  messagesIn: number;
  deliveries: number;
  rateLimited: number;
  invalidMessages: number;
  slowConsumersClosed: number;
  /**
   * Bytes held for this instance's sockets: queued by the kit plus handed to the sockets and not
   * yet taken by the kernel. A slow consumer's share is dropped when it is closed.
   */
  sendBufferedBytes: number;
}

const CONNECTION = Symbol('kit.realtime.connection');
const OPEN = 1;
const MAX_TIMEOUT_MS = 2_147_483_647;
const RECHECK_CONCURRENCY = 8;

type TaggedSocket = WebSocket & { [CONNECTION]?: RoomConnection };

/**
 * This instance's rooms: admits upgraded sockets, handles their messages (each in its own
 * request context), delivers envelopes (serialized once per broadcast) and closes sockets with
 * the contract's codes. The upgrade itself is decided by `UpgradeHandler`.
 */
@Injectable()
export class RealtimeGateway implements LocalRooms, ConnectionOwner {
  private readonly logger = new Logger('Realtime');
  private readonly connections = new Set<RoomConnection>();
  private readonly rooms = new Map<string, Set<RoomConnection>>();
  /** room → user id → sockets of that user in the room on this instance. */
  private readonly presence = new Map<string, Map<string, number>>();
  private readonly tokensPerMs: number;
  private readonly tooDeepDetail: string;
  private readonly counters: Omit<GatewayStats, 'connections' | 'rooms' | 'sendBufferedBytes'> = {
    messagesIn: 0,
    deliveries: 0,
    rateLimited: 0,
    invalidMessages: 0,
    slowConsumersClosed: 0,
  };
  private sequence = 0;
  private draining = false;
  private rechecking = false;
  private onEmpty: (() => void) | undefined;

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    @Inject(REALTIME_BROKER) private readonly broker: RealtimeBroker,
    @Inject(ROOM_GATEWAY) private readonly hooks: RoomGateway,
    private readonly users: UserLookup,
  ) {
    this.tokensPerMs = options.rateLimit.messagesPerSecond / 1000;
    this.tooDeepDetail = `Messages may nest arrays and objects at most ${options.maxJsonDepth} levels deep.`;
    broker.attach(this);
  }

  /** True once shutdown began: new upgrades are refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Why a new socket in `room` cannot be admitted now, if it cannot. */
  capacityProblem(room: string): 'connections' | 'rooms' | undefined {
    if (this.connections.size >= this.options.maxConnections) return 'connections';
    if (!this.rooms.has(room) && this.rooms.size >= this.options.maxRooms) return 'rooms';
    return undefined;
  }

  /**
   * Takes an upgraded socket into its room. Synchronous, so capacity checks cannot race.
   * `socket` is the TCP socket the upgrade came on (the one `ws` writes to).
   */
  accept(ws: WebSocket, client: AdmittedClient, socket: Duplex): void {
    const now = performance.now();
    const conn = new RoomConnection(
      this,
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
    (ws as TaggedSocket)[CONNECTION] = conn;
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('close', onSocketClose);
    ws.on('error', onSocketError);
    this.connections.add(conn);
    let members = this.rooms.get(conn.room);
    if (!members) this.rooms.set(conn.room, (members = new Set()));
    members.add(conn);
    this.scheduleExpiry(conn);
    this.countPresence(conn, +1);
    this.broadcastFrame(conn.room, presenceFrame(conn.room, 'join', conn.userJson));
    this.runHook(conn, () => this.hooks.handleConnection?.(conn));
  }

  /** Sends an envelope to this instance's members of `room`, then to the other instances. */
  broadcastFrame(room: string, frame: string): void {
    this.deliverLocal(room, Buffer.from(frame, 'utf8'));
    this.broker.publish(room, frame);
  }

  deliverRemote(room: string, frame: string): void {
    this.deliverLocal(room, Buffer.from(frame, 'utf8'));
  }

  localMembers(room: string): string[] {
    return [...(this.presence.get(room)?.keys() ?? [])];
  }

  localRooms(): string[] {
    return [...this.rooms.keys()];
  }

  stats(): GatewayStats {
    let sendBufferedBytes = 0;
    for (const conn of this.connections) {
      sendBufferedBytes += conn.sendQueue.queuedBytes + conn.sendQueue.socketBytes;
    }
    return {
      connections: this.connections.size,
      rooms: this.rooms.size,
      ...this.counters,
      sendBufferedBytes,
    };
  }

  /** One liveness round: drops peers that missed the previous ping, pings the others. */
  pingAll(): void {
    for (const conn of this.connections) {
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
      for (const conn of this.connections) {
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
    if (this.connections.size === 0) return;
    const empty = new Promise<void>((resolve) => (this.onEmpty = resolve));
    for (const conn of this.connections)
      this.close(conn, CloseCode.GOING_AWAY, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs);
    });
    await Promise.race([empty, timeout]);
    clearTimeout(timer);
    for (const conn of this.connections) conn.ws.terminate();
  }

  /** @internal socket events, dispatched by the shared listeners below. */
  onMessage(conn: RoomConnection, raw: Buffer, isBinary: boolean): void {
    if (conn.closing) return;
    conn.alive = true;
    if (isBinary) {
      this.close(conn, CloseCode.UNSUPPORTED_DATA, 'only JSON text frames are accepted');
      return;
    }
    const rate = this.options.rateLimit;
    if (!conn.take(performance.now(), this.tokensPerMs, rate.burst)) {
      this.counters.rateLimited++;
      this.refuse(conn, 'RATE_LIMITED', `At most ${rate.messagesPerSecond} messages per second.`);
      return;
    }
    const text = raw.toString('utf8');
    if (jsonDepthExceeds(text, this.options.maxJsonDepth)) {
      this.counters.invalidMessages++;
      this.logger.debug(`message refused in room ${conn.room}: nested deeper than allowed`);
      this.refuse(conn, 'JSON_TOO_DEEP', this.tooDeepDetail);
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      this.counters.invalidMessages++;
      this.refuse(conn, 'INVALID_JSON', 'Messages must be JSON text.');
      return;
    }
    conn.violations = 0;
    this.counters.messagesIn++;
    const id = randomUUID();
    RequestContext.run(this.contextFor(conn, id), () => this.handleMessage(conn, id, text, data));
  }

  /** @internal */
  onClose(conn: RoomConnection, code: number, reason: string): void {
    if (!this.connections.delete(conn)) return;
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
    this.leave(conn, code);
    if (this.connections.size === 0) this.onEmpty?.();
  }

  /** @internal */
  onError(conn: RoomConnection, err: Error): void {
    this.logger.debug(`socket ${conn.id} failed: ${err.message}`);
  }

  private handleMessage(conn: RoomConnection, id: string, text: string, data: unknown): void {
    if (this.hooks.handleMessage) {
      try {
        this.hooks.handleMessage(conn, data);
      } catch (err) {
        this.messageFailed(conn, id, err);
        return;
      }
    }
    const frame = messageFrame(conn.room, id, conn.userJson, text, new Date().toISOString());
    this.broadcastFrame(conn.room, frame);
  }

  private messageFailed(conn: RoomConnection, id: string, err: unknown): void {
    if (err instanceof DomainError) {
      this.send(conn, errorFrame(err.code, err.detail));
      return;
    }
    this.logger.error(
      `message handler failed in room ${conn.room}: ${err instanceof Error ? err.message : String(err)}`,
      err instanceof Error ? err.stack : undefined,
    );
    this.send(conn, errorFrame('MESSAGE_FAILED', `The message was not accepted; quote ${id}.`));
  }

  private deliverLocal(room: string, payload: Buffer): void {
    const members = this.rooms.get(room);
    if (!members) return;
    const frame = new SharedFrame(payload);
    let delivered = 0;
    for (const conn of members) {
      if (this.deliver(conn, frame)) delivered++;
    }
    this.counters.deliveries += delivered;
  }

  private send(conn: RoomConnection, text: string): void {
    this.deliver(conn, new SharedFrame(Buffer.from(text, 'utf8')));
  }

  /** Writes or queues a frame for one client; a client past its send cap is closed with 1013. */
  private deliver(conn: RoomConnection, frame: SharedFrame): boolean {
    if (conn.closing || conn.ws.readyState !== OPEN) return false;
    if (conn.sendQueue.push(frame.bytes, this.options.sendBufferCapBytes)) return true;
    this.slowConsumer(conn);
    return false;
  }

  private refuse(conn: RoomConnection, code: string, detail: string): void {
    if (++conn.violations > this.options.maxViolations) {
      this.close(conn, CloseCode.POLICY_VIOLATION, 'too many refused messages');
      return;
    }
    this.send(conn, errorFrame(code, detail));
  }

  private slowConsumer(conn: RoomConnection): void {
    this.counters.slowConsumersClosed++;
    const queue = conn.sendQueue;
    this.logger.debug({
      msg: 'closing a slow consumer',
      reqId: conn.upgradeRequestId,
      room: conn.room,
      droppedBytes: queue.queuedBytes,
      aheadOfCloseBytes: queue.socketBytes,
    });
    this.close(conn, CloseCode.TRY_AGAIN_LATER, 'slow consumer');
  }

  /**
   * Closes a socket and takes it out of its room at once, without waiting for the peer. Frames
   * still queued for it are dropped, so the close frame is the next thing its socket gets; the
   * socket is destroyed if the closing handshake takes longer than `closeTimeoutMs`.
   */
  private close(conn: RoomConnection, code: number, reason: string): void {
    if (conn.closing) return;
    conn.closing = true;
    conn.closeCode = code;
    conn.closeReason = reason;
    conn.sendQueue.drop();
    conn.ws.close(code, reason);
    this.leave(conn, code);
  }

  private leave(conn: RoomConnection, code: number): void {
    if (conn.left) return;
    conn.left = true;
    clearTimeout(conn.expiryTimer);
    const members = this.rooms.get(conn.room);
    members?.delete(conn);
    if (members?.size === 0) this.rooms.delete(conn.room);
    this.countPresence(conn, -1);
    this.broadcastFrame(conn.room, presenceFrame(conn.room, 'leave', conn.userJson));
    this.runHook(conn, () => this.hooks.handleDisconnect?.(conn, conn.closeCode ?? code));
  }

  private scheduleExpiry(conn: RoomConnection): void {
    const ms = Math.min(Math.max(conn.expiresAt - Date.now(), 0), MAX_TIMEOUT_MS);
    conn.expiryTimer = setTimeout(onExpiry, ms, conn);
    conn.expiryTimer.unref();
  }

  /** @internal */
  expire(conn: RoomConnection): void {
    if (Date.now() < conn.expiresAt) {
      this.scheduleExpiry(conn);
      return;
    }
    this.close(conn, CloseCode.TOKEN_EXPIRED, 'token expired');
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
      if (this.hooks.canJoin && !(await this.hooks.canJoin(user, conn.room))) {
        this.close(conn, CloseCode.POLICY_VIOLATION, 'no longer allowed in this room');
      }
    }
  }

  private countPresence(conn: RoomConnection, delta: 1 | -1): void {
    let counts = this.presence.get(conn.room);
    if (!counts) this.presence.set(conn.room, (counts = new Map()));
    const userId = conn.user.id;
    const next = (counts.get(userId) ?? 0) + delta;
    if (next > 0) counts.set(userId, next);
    else counts.delete(userId);
    if (counts.size === 0) this.presence.delete(conn.room);
    if ((delta === 1 && next === 1) || next === 0) {
      this.broker.presenceChanged(conn.room, userId, next > 0);
    }
  }

  private contextFor(conn: RoomConnection, requestId: string) {
    const store = createContextStore(requestId);
    store.values.set(AUTH_PRINCIPAL, conn.user);
    store.values.set(REALTIME_CLIENT, conn);
    return store;
  }

  private runHook(conn: RoomConnection, hook: () => void): void {
    RequestContext.run(this.contextFor(conn, randomUUID()), () => {
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

// Shared listeners (no closure per socket): the socket carries its connection.
function onSocketMessage(this: TaggedSocket, data: Buffer, isBinary: boolean): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onMessage(conn, data, isBinary);
}
function onSocketPong(this: TaggedSocket): void {
  const conn = this[CONNECTION];
  if (conn) conn.alive = true;
}
function onSocketClose(this: TaggedSocket, code: number, reason: Buffer): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onClose(conn, code, reason.toString('utf8'));
}
function onSocketError(this: TaggedSocket, err: Error): void {
  const conn = this[CONNECTION];
  if (conn) conn.owner.onError(conn, err);
}
function onExpiry(conn: RoomConnection): void {
  conn.owner.expire(conn);
}
