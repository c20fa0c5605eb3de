import { Logger, type WebSocketAdapter, type WsMessageHandler } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { RoomConnection } from '../connections/room-connection';
import { RealtimeConfigError } from '../realtime.errors';
import {
  ROOM_GATEWAY_PATH,
  ROOM_GATEWAY_TYPE,
  type RoomGatewayMetadata,
} from './room-gateway.decorator';
import { RoomRoute, type RoomGatewayInstance } from './room-route';
import type { RoomRoutes } from './room-routes';

type GatewayOptions = Partial<RoomGatewayMetadata>;

/**
 * The kit's `WebSocketAdapter`: Nest's gateway machinery (`@nestjs/websockets`) drives it, the
 * kit's upgrade handler feeds it. Each `@RoomGateway()` becomes a route on the HTTP server's
 * port, matched by its path template; Nest binds its connection handler, its message handlers
 * and its disconnect hook to each admitted socket. Installed by `RealtimeModule`.
 */
export class RoomsWsAdapter implements WebSocketAdapter<RoomRoute, RoomConnection, GatewayOptions> {
  private readonly logger = new Logger('Realtime');

  constructor(
    private readonly routes: RoomRoutes,
    private readonly moduleRef: ModuleRef,
  ) {}

  create(port: number, options: GatewayOptions = {}): RoomRoute {
    const type = options[ROOM_GATEWAY_TYPE];
    const path = options[ROOM_GATEWAY_PATH];
    if (!type || !path) {
      throw new RealtimeConfigError(
        `@WebSocketGateway(${options.path ? `{ path: '${options.path}' }` : ''})`,
        'is not served by the kit: declare room sockets with @RoomGateway({ path: "/ws/:room" })',
      );
    }
    if (port !== 0) {
      throw new RealtimeConfigError(
        `@RoomGateway on ${type.name}`,
        `takes no port (got ${port}): room sockets share the HTTP server's port`,
      );
    }
    const gateway = this.guardHooks(this.moduleRef.get(type, { strict: false }) as object);
    const route = new RoomRoute(path, gateway, type.name, {
      description: options.description,
      operationId: options.operationId ?? `join${type.name.replace(/Gateway$/, '')}`,
    });
    this.routes.add(route);
    return route;
  }

  bindClientConnect(route: RoomRoute, callback: (client: RoomConnection) => void): void {
    route.bindConnect(callback);
  }

  bindClientDisconnect(client: RoomConnection, callback: (reason: string) => void): void {
    client.onDisconnect = callback;
  }

  bindMessageHandlers(
    client: RoomConnection,
    handlers: WsMessageHandler[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    client.bound = { handlers, transform };
  }

  close(route: RoomRoute): void {
    this.routes.remove(route);
  }

  dispose(): void {
    // Sockets are closed by the kit at shutdown (1001), before Nest disposes the adapter.
  }

  /**
   * Nest calls `handleConnection` / `handleDisconnect` from an RxJS subscriber, where a throw
   * (or a rejected promise) would surface as an uncaught exception: log those instead.
   */
  private guardHooks(instance: object): RoomGatewayInstance {
    const gateway = instance as Record<string, unknown>;
    for (const name of ['handleConnection', 'handleDisconnect'] as const) {
      const hook = gateway[name];
      if (typeof hook !== 'function') continue;
      const logger = this.logger;
      const failed = (err: unknown): void => {
        logger.error(`gateway hook failed: ${err instanceof Error ? err.message : String(err)}`);
      };
      Object.defineProperty(instance, name, {
        configurable: true,
        writable: true,
        value: function guarded(this: unknown, ...args: unknown[]): void {
          try {
            const result: unknown = (hook as (...a: unknown[]) => unknown).apply(this, args);
            if (result instanceof Promise) result.catch(failed);
          } catch (err) {
            failed(err);
          }
        },
      });
    }
    return instance as RoomGatewayInstance;
  }
}
