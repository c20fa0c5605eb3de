import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, type AuthUser, CurrentUser } from '@kit/auth';
import { ApiProblem } from '@kit/http';
import { Background, type BackgroundTasks } from '@kit/tasks';
import { CreateOrderDto, OrderView } from './order.dto';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@Controller()
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post('orders')
  @Auth()
  @ApiOperation({
    summary: 'Place an order; an order_created activity is recorded after the response',
  })
  @ApiCreatedResponse({ type: OrderView })
  @ApiProblem(400, 'VALIDATION_FAILED')
  @ApiProblem(
    503,
    'TASK_QUEUE_FULL',
    'The background task queue is full or the service is shutting down',
  )
  create(
    @Body() dto: CreateOrderDto,
    @CurrentUser() user: AuthUser,
    @Background() tasks: BackgroundTasks,
  ): Promise<OrderView> {
    return this.orders.create(dto, user.id, tasks);
  }

  @Get('orders')
  @Auth()
  @ApiOperation({ summary: 'My orders, newest first (at most 100)' })
  @ApiOkResponse({ type: [OrderView] })
  list(@CurrentUser() user: AuthUser): Promise<OrderView[]> {
    return this.orders.list(user.id);
  }
}
