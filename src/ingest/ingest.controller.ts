import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ApiKeyAuth, type ApiKeyRecord, CurrentApiKey } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { EventsRepository } from './events.repository';
import { IngestAcceptedDto, IngestEventsDto } from './ingest.dto';

@ApiTags('ingest')
@Controller('ingest')
export class IngestController {
  constructor(private readonly events: EventsRepository) {}

  @Post('events')
  @HttpCode(202)
  @ApiKeyAuth()
  @ApiOperation({ summary: 'Accept a batch of events (stored now, processed by a job)' })
  @ApiAcceptedResponse({ type: IngestAcceptedDto })
  @ApiProblem(400, 'VALIDATION_FAILED')
  async ingest(
    @Body() dto: IngestEventsDto,
    @CurrentApiKey() key: Omit<ApiKeyRecord, 'hash'>,
  ): Promise<IngestAcceptedDto> {
    const jobId = randomUUID();
    await this.events.insertBatch(jobId, key.id, dto.events);
    return { accepted: dto.events.length, job_id: jobId };
  }
}
