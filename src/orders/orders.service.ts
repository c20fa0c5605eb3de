import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '@kit/http';
import type { BackgroundTasks } from '@kit/tasks';
import type { CreateOrderDto, OrderView } from './order.dto';
import { ActivityRepository, OrdersRepository } from './orders.repository';

@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly activity: ActivityRepository,
  ) {}

  /** Stores the order in the request's transaction; its activity is recorded after the response. */
  async create(dto: CreateOrderDto, userId: string, tasks: BackgroundTasks): Promise<OrderView> {
    const order = await this.orders.insert({
      id: randomUUID(),
      item: dto.item,
      quantity: dto.quantity,
      user_id: userId,
      created_at: new Date().toISOString(),
    });
    tasks.add((o: OrderView) => this.recordCreated(o), order);
    return order;
  }

  list(userId: string): Promise<OrderView[]> {
    return this.orders.listForUser(userId);
  }

  /** Runs as a background task, in the originating request's context (same request id). */
  private async recordCreated(order: OrderView): Promise<void> {
    const requestId = RequestContext.requestId() ?? 'unknown';
    await this.activity.insert({
      id: randomUUID(),
      type: 'order_created',
      order_id: order.id,
      user_id: order.user_id,
      request_id: requestId,
      created_at: new Date().toISOString(),
    });
    this.logger.log(`recorded order_created for order ${order.id}`);
  }
}
