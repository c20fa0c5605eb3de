import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem, DomainError, Public } from '@kit/http';
import { ResourceRegistry } from './resource.registry';
import type { HealthReport } from './resource.interface';

/** 503 from readiness, with each resource's state as `resources`. */
export class NotReadyError extends DomainError {
  constructor(report: HealthReport) {
    super('NOT_READY', 503, 'Service Unavailable', {
      detail: report.shuttingDown
        ? 'The service is shutting down.'
        : 'A resource the service needs is not answering.',
      extensions: { resources: report.resources, shuttingDown: report.shuttingDown },
    });
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly registry: ResourceRegistry) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: 200 when every resource answers and the service is not shutting down',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        shuttingDown: false,
        resources: { database: { status: 'up', durationMs: 1 } },
      },
    },
  })
  @ApiProblem(503, 'NOT_READY', 'A resource is down or the service is shutting down')
  async ready(): Promise<HealthReport> {
    const report = await this.registry.health();
    if (report.status !== 'ok') throw new NotReadyError(report);
    return report;
  }
}
