import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsDefined } from 'class-validator';

export class PostRoomMessageDto {
  @ApiProperty({
    description: "Any JSON value; members receive it as the envelope's `data`.",
    example: { text: 'Deploy starts in 5 minutes' },
  })
  @IsDefined()
  data!: unknown;
}

export class RoomMessageSenderDto {
  @ApiProperty({ example: 'system' })
  id!: string;
}

/** The envelope every member of the room receives. */
export class RoomMessageDto {
  @ApiProperty({ enum: ['message'] })
  type!: 'message';
  @ApiProperty({ example: 'lobby' })
  room!: string;
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ type: RoomMessageSenderDto })
  from!: RoomMessageSenderDto;
  @ApiProperty({ example: { text: 'Deploy starts in 5 minutes' } })
  data!: unknown;
  @ApiProperty({ format: 'date-time' })
  ts!: string;
}

export class RoomMemberDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
}

export class RoomMembersDto {
  @ApiProperty({ example: 'lobby' })
  room!: string;
  @ApiProperty({
    type: [RoomMemberDto],
    description: 'Users connected on any instance, sorted by id',
  })
  members!: RoomMemberDto[];
  @ApiProperty({ example: 1 })
  count!: number;
}

/** `data` of a `typing` event frame on `/ws/{room}`. */
export class TypingDto {
  @ApiProperty({ description: 'Whether the sender is typing now.', example: true })
  @IsBoolean()
  typing!: boolean;
}
