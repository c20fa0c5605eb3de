import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ApiKeyAuth, type ApiKeyRecord, CurrentApiKey } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { EventsRepository } from './events.repository';
import { IngestAcceptedDto, IngestEventsDto } from './ingest.dto';
import { IngestProcessor } from './ingest.processor';

@ApiTags('ingest')
@Controller('ingest')
export class IngestController {
  constructor(
    private readonly events: EventsRepository,
    private readonly processor: IngestProcessor,
  ) {}

  @Post('events')
  @HttpCode(202)
  @ApiKeyAuth()
  @ApiOperation({
    summary: 'Accept a batch of events: stored at once, processed by a durable job with retries',
  })
  @ApiAcceptedResponse({ type: IngestAcceptedDto })
  @ApiProblem(400, 'VALIDATION_FAILED')
  async ingest(
    @Body() dto: IngestEventsDto,
    @CurrentApiKey() key: Omit<ApiKeyRecord, 'hash'>,
  ): Promise<IngestAcceptedDto> {
    const batchId = randomUUID();
    await this.events.insertBatch(batchId, key.id, dto.events);
    return { accepted: dto.events.length, job_id: await this.processor.enqueue(batchId) };
  }
}
