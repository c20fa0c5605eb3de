import { Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { OrdersController } from './orders.controller';
import { ActivityRepository, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  controllers: [OrdersController, ActivityController],
  providers: [OrdersRepository, ActivityRepository, OrdersService],
})
export class OrdersModule {}
