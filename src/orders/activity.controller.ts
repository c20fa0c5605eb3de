import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '@kit/auth';
import { ActivityView } from './order.dto';
import { ActivityRepository } from './orders.repository';

/** The admin's view of recorded activities; its own controller so it carries only the admin tag. */
@ApiTags('admin')
@Controller('admin/activity')
export class ActivityController {
  constructor(private readonly activity: ActivityRepository) {}

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'Activities, newest first (at most 100)' })
  @ApiOkResponse({ type: [ActivityView] })
  list(): Promise<ActivityView[]> {
    return this.activity.list();
  }
}
