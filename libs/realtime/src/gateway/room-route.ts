import type { AuthUser } from '@kit/auth';
import type { RoomConnection } from '../connections/room-connection';
import { RealtimeConfigError } from '../realtime.errors';
import type { OnRoomMessage, RoomPolicy } from './room-gateway.interface';
import type { RoomPath } from './room-path';

/** What a gateway instance may implement besides Nest's hooks. */
export type RoomGatewayInstance = Partial<RoomPolicy & OnRoomMessage> & object;

/**
 * One gateway's path: the "server" the kit's adapter hands to Nest for a `@RoomGateway()`. Nest
 * binds its connection handler here; the kit calls it for every socket admitted on this path.
 */
export class RoomRoute {
  private connectHandler: ((client: RoomConnection) => void) | undefined;

  constructor(
    readonly path: RoomPath,
    readonly gateway: RoomGatewayInstance,
    readonly gatewayName: string,
    /** How the upgrade is documented in OpenAPI. */
    readonly docs: { readonly description?: string; readonly operationId?: string } = {},
  ) {}

  /** Called by Nest (through the adapter) with the gateway's connection handler. */
  bindConnect(handler: (client: RoomConnection) => void): void {
    if (this.connectHandler) {
      throw new RealtimeConfigError(
        `@RoomGateway({ path: '${this.path.template}' })`,
        `is declared by more than one gateway (${this.gatewayName} is one); give each its own path`,
      );
    }
    this.connectHandler = handler;
  }

  /** The room policy; every room is open without one. */
  canJoin(user: AuthUser, room: string): boolean | Promise<boolean> {
    return this.gateway.canJoin ? this.gateway.canJoin(user, room) : true;
  }

  /** Hands an admitted socket to Nest: `handleConnection`, then its message handlers. */
  connect(conn: RoomConnection): void {
    this.connectHandler?.(conn);
  }

  /** Nest's server contract: events on the server are not used. */
  on(): void {
    // Connections come through bindConnect; the server emits nothing else.
  }

  /** Nest's server contract, called at shutdown; sockets are closed by the kit before. */
  close(done?: () => void): void {
    done?.();
  }
}
