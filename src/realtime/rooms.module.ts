import { Module } from '@nestjs/common';
import { RoomsController } from './rooms.controller';
import { RoomsGateway } from './rooms.gateway';

/** `GET /ws/{room}` (the gateway), `POST /rooms/{room}/messages` and `GET /rooms/{room}/members`. */
@Module({ controllers: [RoomsController], providers: [RoomsGateway] })
export class RoomsModule {}
