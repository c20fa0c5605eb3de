import { Module } from '@nestjs/common';
import { RoomsController } from './rooms.controller';

/** `POST /rooms/{room}/messages` and `GET /rooms/{room}/members`; the sockets come from `RealtimeModule`. */
@Module({ controllers: [RoomsController] })
export class RoomsModule {}
