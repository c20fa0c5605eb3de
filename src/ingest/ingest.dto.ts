import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';

export class EventDto {
  @ApiProperty({ example: 'page_view', pattern: '^[A-Za-z0-9._:-]{1,100}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, {
    message: 'type must be 1 to 100 letters, digits, ".", "_", ":" or "-"',
  })
  type!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { path: '/' } })
  @IsObject()
  payload!: Record<string, unknown>;
}

export class IngestEventsDto {
  @ApiProperty({ type: [EventDto], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => EventDto)
  events!: EventDto[];
}

export class IngestAcceptedDto {
  @ApiProperty({ example: 2 }) accepted!: number;
  @ApiProperty({ format: 'uuid' }) job_id!: string;
}
