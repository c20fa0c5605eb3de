import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, type AuthUser, CurrentUser } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import {
  InvalidRoomError,
  type MessageEnvelope,
  RealtimeService,
  RoomForbiddenError,
  ROOM_NAME_PATTERN,
} from '@kit/realtime';
import { canJoinRoom } from './room.policy';
import { PostRoomMessageDto, RoomMembersDto, RoomMessageDto } from './rooms.dto';

@ApiTags('rooms')
@Controller('rooms')
export class RoomsController {
  constructor(private readonly realtime: RealtimeService) {}

  @Post(':room/messages')
  @Auth('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Broadcast into a room on every instance, from {id: "system"}' })
  @ApiAcceptedResponse({ type: RoomMessageDto })
  @ApiProblem(400, 'REALTIME_INVALID_ROOM')
  @ApiProblem(413, 'REALTIME_MESSAGE_TOO_LARGE')
  @ApiProblem(
    503,
    'REALTIME_BROKER_UNAVAILABLE',
    'Redis is not reachable: nothing was delivered; retry after Retry-After seconds',
  )
  post(@Param('room') room: string, @Body() dto: PostRoomMessageDto): MessageEnvelope {
    return this.realtime.broadcast(room, dto.data);
  }

  @Get(':room/members')
  @Auth()
  @ApiOperation({ summary: 'Users connected to a room, across instances' })
  @ApiOkResponse({ type: RoomMembersDto })
  @ApiProblem(400, 'REALTIME_INVALID_ROOM')
  @ApiProblem(403, 'REALTIME_ROOM_FORBIDDEN', 'admin-* rooms are for admins')
  @ApiProblem(503, 'REALTIME_BROKER_UNAVAILABLE', 'Redis is not reachable')
  async members(
    @Param('room') room: string,
    @CurrentUser() user: AuthUser,
  ): Promise<RoomMembersDto> {
    if (!ROOM_NAME_PATTERN.test(room)) throw new InvalidRoomError();
    if (!canJoinRoom(user, room)) throw new RoomForbiddenError();
    const ids = await this.realtime.members(room);
    return { room, members: ids.map((id) => ({ id })), count: ids.length };
  }
}
