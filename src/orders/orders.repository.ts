import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type { Schema } from '../database/schema';
import { UnitOfWork } from '../database/unit-of-work';
import type { ActivityView, OrderView } from './order.dto';

const LIST_LIMIT = 100;

/** Orders are written in the request's unit of work; reads use the plain database. */
@Injectable()
export class OrdersRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @InjectKysely() private readonly db: Kysely<Schema>,
  ) {}

  async insert(order: OrderView): Promise<OrderView> {
    const trx = await this.uow.get();
    await trx.insertInto('orders').values(order).execute();
    return order;
  }

  listForUser(userId: string): Promise<OrderView[]> {
    return this.db
      .selectFrom('orders')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(LIST_LIMIT)
      .execute();
  }
}

/** Activities are written by background tasks, each in its own unit of work. */
@Injectable()
export class ActivityRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @InjectKysely() private readonly db: Kysely<Schema>,
  ) {}

  async insert(activity: ActivityView): Promise<void> {
    const trx = await this.uow.get();
    await trx.insertInto('activities').values(activity).execute();
  }

  list(): Promise<ActivityView[]> {
    return this.db
      .selectFrom('activities')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(LIST_LIMIT)
      .execute();
  }
}
