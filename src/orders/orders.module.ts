import { Module } from '@nestjs/common';
import { OrdersController } from './orders.controller';
import { ActivityRepository, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  controllers: [OrdersController],
  providers: [OrdersRepository, ActivityRepository, OrdersService],
})
export class OrdersModule {}
