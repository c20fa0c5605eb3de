import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
} from '@nestjs/websockets';
import { type AuthUser, CurrentUser } from '@kit/auth';
import { RealtimeService, type RoomClient, RoomGateway, type RoomPolicy } from '@kit/realtime';
import { canJoinRoom } from './room.policy';
import { TypingDto } from './rooms.dto';

const EVENTS = [
  '**`typing`** — `{"event": "typing", "data": {"typing": true|false}}`: tells the other members',
  'of the room (on every instance, not the sender) `{type:"typing", room, from:{id}, typing}`.',
  'Nothing is stored or replied; a `data` other than `{typing: <boolean>}` is answered',
  '`VALIDATION_FAILED` with its field errors. It counts against the message rate limit.',
].join(' ');

/** The reference service's room sockets at `/ws/{room}`: the admin-* policy and `typing`. */
@RoomGateway({ path: '/ws/:room', description: EVENTS, operationId: 'joinRoom' })
export class RoomsGateway
  implements RoomPolicy, OnGatewayConnection<RoomClient>, OnGatewayDisconnect<RoomClient>
{
  private readonly logger = new Logger('Rooms');

  constructor(private readonly realtime: RealtimeService) {}

  canJoin(user: AuthUser, room: string): boolean {
    return canJoinRoom(user, room);
  }

  handleConnection(client: RoomClient): void {
    this.logger.debug(`user ${client.user.id} joined room ${client.room} (${client.id})`);
  }

  /** `reason` is the close code and reason, e.g. `1001 server shutting down`. */
  handleDisconnect(client: RoomClient, reason: string): void {
    this.logger.debug(`user ${client.user.id} left room ${client.room}: ${reason} (${client.id})`);
  }

  @SubscribeMessage('typing')
  typing(
    @MessageBody() body: TypingDto,
    @ConnectedSocket() client: RoomClient,
    @CurrentUser() user: AuthUser,
  ): void {
    this.realtime.relay(
      client.room,
      'typing',
      user.id,
      { typing: body.typing },
      { except: client },
    );
  }
}
