import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@kit/auth';
import type { RoomClient, RoomGateway } from '@kit/realtime';
import { canJoinRoom } from './room.policy';

/** The reference service's side of `/ws/{room}`: the admin-* policy and connection logs. */
@Injectable()
export class RoomsGateway implements RoomGateway {
  private readonly logger = new Logger('Rooms');

  canJoin(user: AuthUser, room: string): boolean {
    return canJoinRoom(user, room);
  }

  handleConnection(client: RoomClient): void {
    this.logger.debug(`user ${client.user.id} joined room ${client.room} (${client.id})`);
  }

  handleDisconnect(client: RoomClient, code: number): void {
    this.logger.debug(
      `user ${client.user.id} left room ${client.room} with ${code} (${client.id})`,
    );
  }
}
