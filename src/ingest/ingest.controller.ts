import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth, type ApiKeyRecord, CurrentApiKey } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { IngestAcceptedDto, IngestEventsDto } from './ingest.dto';
import { IngestService } from './ingest.service';

@ApiTags('ingest')
@Controller('ingest')
export class IngestController {
  constructor(private readonly service: IngestService) {}

  @Post('events')
  @HttpCode(202)
  @ApiKeyAuth()
  @ApiOperation({
    summary: 'Accept a batch of events: stored at once, processed by a durable job with retries',
    description:
      'The batch and its job are committed together: a stored batch always gets its job, even ' +
      'when the job queue is down at the time (it is enqueued once it answers). `job_id` is the ' +
      'batch id. With an `Idempotency-Key`, a retry of the same batch under the same key ' +
      '(per API key, kept 24 h by default) stores nothing new and gets the first answer, with ' +
      '`Idempotent-Replayed: true`; a malformed key is 400 `IDEMPOTENCY_KEY_INVALID`.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes a retry safe: 1 to 128 letters, digits, ".", "_", ":" or "-", unique per batch.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128 },
  })
  @ApiAcceptedResponse({
    type: IngestAcceptedDto,
    headers: {
      'Idempotent-Replayed': {
        description: '`true` when this is the first answer to the Idempotency-Key, replayed.',
        schema: { type: 'string', enum: ['true'] },
      },
    },
  })
  @ApiProblem(400, 'VALIDATION_FAILED')
  @ApiProblem(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    'The Idempotency-Key was already used with a different batch',
  )
  async ingest(
    @Body() dto: IngestEventsDto,
    @CurrentApiKey() key: Omit<ApiKeyRecord, 'hash'>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestAcceptedDto> {
    const answer = await this.service.accept(dto.events, key, idempotencyKey);
    if (answer.replayed) void reply.header('idempotent-replayed', 'true');
    return answer.body;
  }
}
