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
    summary:
      'Readiness: 200 when every required resource answers and the service is not shutting down',
    description:
      'Each resource reports `status` (`up`/`down`) and `required`. A resource with ' +
      '`required: false` that is down leaves readiness at 200 with `status: "degraded"`.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'degraded',
        shuttingDown: false,
        resources: {
          database: { status: 'up', required: true, durationMs: 1 },
          redis: { status: 'down', required: false, durationMs: 0, error: 'CHECK_FAILED' },
        },
      },
    },
  })
  @ApiProblem(503, 'NOT_READY', 'A required resource is down or the service is shutting down')
  async ready(): Promise<HealthReport> {
    const report = await this.registry.health();
    if (report.status === 'unavailable') throw new NotReadyError(report);
    return report;
  }
}
