import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '@kit/auth';
import { MetricsService } from '@kit/http';
import type { FastifyReply } from 'fastify';

/** Prometheus metrics; not public: an API key with the `metrics` scope. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiKeyAuth('metrics')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Prometheus text exposition (API key with the metrics scope)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4' })
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    await reply.type(contentType).send(body);
  }
}
