import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  AccessTokenVerifier,
  type AuthUser,
  checkBearerToken,
  parseBearerAuthorization,
  type PresentedBearerToken,
  TokenVerificationError,
} from '@kit/auth';
import {
  DEFAULT_PROBLEM_TYPE_BASE,
  generateRequestId,
  InjectProblemTypeBase,
  redactUrl,
  timingHeaderLines,
} from '@kit/http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ServerOptions, WebSocketServer } from 'ws';
import { RoomRoutes } from './gateway/room-routes';
import { type AdmittedClient, RoomConnections } from './connections/room-connections';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import type { ResolvedRealtimeOptions } from './realtime-options.interface';
import { Rejections, type UpgradeRejection, writeRejection } from './upgrade-rejection';
import { RoomRegistry } from './rooms/room-registry';
import { UserLookup } from './user-lookup';

const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;
const REQUEST_ID = Symbol('kit.realtime.requestId');

const STARTED_AT = Symbol('kit.realtime.startedAt');
const USER_ID = Symbol('kit.realtime.userId');

type TaggedRequest = IncomingMessage & {
  [REQUEST_ID]?: string;
  [STARTED_AT]?: number;
  /** Set once the token is verified, so a later refusal names the user. */
  [USER_ID]?: string;
};

/**
 * Decides every upgrade on a gateway's path before it happens — handshake, token, user, Origin,
 * room name, the gateway's room policy, capacity, in that order — and answers a refusal with
 * problem+json. Accepted sockets go to their room and their gateway.
 */
@Injectable()
export class UpgradeHandler {
  private readonly logger = new Logger('RealtimeUpgrade');
  readonly wss: WebSocketServer;

  constructor(
    @Inject(RESOLVED_REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly routes: RoomRoutes,
    private readonly connections: RoomConnections,
    private readonly registry: RoomRegistry,
    private readonly verifier: AccessTokenVerifier,
    private readonly users: UserLookup,
    // HttpKitModule's, when it is global or imported; the default prefix otherwise.
    @Optional()
    @InjectProblemTypeBase()
    private readonly problemTypeBase: string = DEFAULT_PROBLEM_TYPE_BASE,
  ) {
    const serverOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes,
      // ws >= 8.19: how long a closing handshake may take before the socket is destroyed.
      closeTimeout: options.closeTimeoutMs,
    };
    this.wss = new WebSocketServer(serverOptions);
    this.wss.on('headers', (headers: string[], req: TaggedRequest) => {
      if (req[REQUEST_ID]) headers.push(`X-Request-ID: ${req[REQUEST_ID]}`);
      if (req[STARTED_AT] !== undefined) headers.push(...timingHeaderLines(req[STARTED_AT]));
    });
  }

  /** Whether an upgrade request is for a gateway's path (anything else is left to others). */
  matches(req: IncomingMessage): boolean {
    return this.routes.match(splitTarget(req).path) !== undefined;
  }

  /** The `upgrade` listener body for a matching request. Never throws. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const requestId = begin(req, socket);
    const early = this.connections.isDraining ? Rejections.shuttingDown : checkHandshake(req);
    if (early) {
      this.reject(req, socket, early, requestId);
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      this.reject(req, socket, Rejections.handshakeTimeout, requestId);
    }, this.options.handshakeTimeoutMs);
    this.decide(req, requestId)
      .catch((err: unknown) => {
        this.logger.error(
          `deciding an upgrade failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return Rejections.internal as UpgradeRejection;
      })
      .then((outcome) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        this.complete(req, socket, head, outcome, requestId);
      });
  }

  private complete(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    outcome: AdmittedClient | UpgradeRejection,
    requestId: string,
  ): void {
    if (socket.destroyed) return;
    if ('status' in outcome) {
      this.reject(req, socket, outcome, requestId);
      return;
    }
    const problem = this.connections.isDraining
      ? 'draining'
      : this.registry.capacityProblem(outcome.room);
    if (problem) {
      const rejection =
        problem === 'draining'
          ? Rejections.shuttingDown
          : problem === 'rooms'
            ? Rejections.tooManyRooms
            : Rejections.atCapacity;
      this.reject(req, socket, rejection, requestId);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.logger.log({
        msg: 'room socket opened',
        reqId: requestId,
        room: outcome.room,
        userId: outcome.user.id,
        status: 101,
      });
      this.connections.accept(ws, outcome, socket);
    });
  }

  private async decide(
    req: IncomingMessage,
    requestId: string,
  ): Promise<AdmittedClient | UpgradeRejection> {
    const { path, token } = splitTarget(req);
    const match = this.routes.match(path);
    if (!match) return Rejections.notFound;
    const presented = bearerToken(req, token);
    if (presented === undefined) return Rejections.tokenMissing;
    if (presented === null) return Rejections.tokenInvalid;
    const admitted = await this.authenticate(presented);
    if (!admitted) return Rejections.tokenInvalid;
    (req as TaggedRequest)[USER_ID] = admitted.user.id;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) return Rejections.originForbidden;
    const { route, room } = match;
    if (room === undefined) return Rejections.invalidRoom;
    if (!(await route.canJoin(admitted.user, room))) return Rejections.roomForbidden;
    return { user: admitted.user, room, expiresAt: admitted.expiresAt, requestId, route };
  }

  private async authenticate(
    token: string,
  ): Promise<{ user: AuthUser; expiresAt: number } | undefined> {
    let exp: number;
    let sub: string;
    try {
      ({ exp, sub } = await this.verifier.verify(token));
    } catch (err) {
      if (err instanceof TokenVerificationError) {
        this.logger.debug(`upgrade token refused: ${err.reason}`);
        return undefined;
      }
      throw err;
    }
    // Accepted within the clock tolerance but already expired: the socket would close at once.
    if (exp * 1000 <= Date.now()) return undefined;
    const user = await this.users.findActive(sub);
    if (!user) {
      this.logger.debug('upgrade token refused: AUTH_USER_INACTIVE');
      return undefined;
    }
    return { user, expiresAt: exp * 1000 };
  }

  private originAllowed(origin: string): boolean {
    return this.options.anyOrigin || this.options.allowedOrigins.has(origin);
  }

  /** The room an upgrade asked for, when its name is one (anything else is not logged as a room). */
  private roomOf(url: string): string | undefined {
    const q = url.indexOf('?');
    return this.routes.match(q < 0 ? url : url.slice(0, q))?.room;
  }

  /** An upgrade for a path nobody serves (only when Node cannot route upgrades by path). */
  notFound(req: IncomingMessage, socket: Duplex): void {
    this.reject(req, socket, Rejections.notFound, begin(req, socket));
  }

  private reject(
    req: IncomingMessage,
    socket: Duplex,
    rejection: UpgradeRejection,
    requestId: string,
  ): void {
    const url = redactUrl(req.url ?? '');
    this.logger.log({
      msg: 'room socket refused',
      reqId: requestId,
      url,
      room: this.roomOf(url),
      userId: (req as TaggedRequest)[USER_ID],
      status: rejection.status,
      code: rejection.code,
      reason: rejection.detail,
    });
    writeRejection(
      socket,
      this.problemTypeBase,
      rejection,
      requestId,
      (req as TaggedRequest)[STARTED_AT],
    );
  }
}

/** What every upgrade gets first: its start time, a socket error handler and a request id. */
function begin(req: IncomingMessage, socket: Duplex): string {
  const tagged = req as TaggedRequest;
  tagged[STARTED_AT] = performance.now();
  socket.on('error', destroySocket);
  const requestId = generateRequestId(
    req as { headers: Record<string, string | string[] | undefined> },
  );
  tagged[REQUEST_ID] = requestId;
  return requestId;
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

/** What Node let through as an upgrade but is not a usable RFC 6455 handshake. */
function checkHandshake(req: IncomingMessage): UpgradeRejection | undefined {
  if (req.method !== 'GET') return Rejections.methodNotAllowed;
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return Rejections.notWebSocket;
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !WS_KEY.test(key)) return Rejections.badKey;
  if (req.headers['sec-websocket-version'] !== '13') return Rejections.badVersion;
  return undefined;
}

function splitTarget(req: IncomingMessage): { path: string; token: string[] } {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q < 0) return { path: url, token: [] };
  return { path: url.slice(0, q), token: new URLSearchParams(url.slice(q + 1)).getAll('token') };
}

/**
 * The presented token, read like the HTTP guard reads it: a Bearer Authorization header wins
 * over `?token=`; a header with another scheme (e.g. the Basic credentials a browser resends on
 * a site behind Basic auth) carries no bearer token, so `?token=` is read then. Undefined when
 * none was sent, null when what was sent is unusable (a malformed Bearer header, an empty,
 * over-long or repeated `?token=`).
 */
function bearerToken(req: IncomingMessage, query: string[]): PresentedBearerToken {
  const fromHeader = parseBearerAuthorization(req.headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  if (query.length === 0) return undefined;
  if (query.length > 1) return null;
  return checkBearerToken(query[0]);
}
