'use strict';
// Anchor for the realtime benchmark's `events` part: what a Nest user writes without the kit.
// Bare Nest 12 on `new FastifyAdapter()` (no logger) with `@nestjs/platform-ws`'s `WsAdapter` on
// the same port, one `@WebSocketGateway({ path: '/ws' })` keeping rooms itself (`?room=` at
// connect, an id per socket), and the reference service's `typing` event: a
// `@SubscribeMessage('typing')` handler whose `@MessageBody()` is a DTO checked by a
// `ValidationPipe` (the kit's options: whitelist, forbidNonWhitelisted, transform,
// forbidUnknownValues), relayed to the other members of the room as
// `{type:"typing", room, from:{id}, typing}`, nothing replied. No auth, no Origin check, no rate
// limit, no request context, no backpressure, no pings.
const { Injectable, Module, UsePipes, ValidationPipe } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { WsAdapter } = require('@nestjs/platform-ws');
const {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} = require('@nestjs/websockets');
const { IsBoolean } = require('class-validator');
const { listening, runAnchor } = require('./auth-anchor-env');

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;
const OPEN = 1;

class TypingDto {}
Reflect.decorate(
  [IsBoolean(), Reflect.metadata('design:type', Boolean)],
  TypingDto.prototype,
  'typing',
  undefined,
);

class RoomsAnchorGateway {
  constructor() {
    this.rooms = new Map();
    this.users = 0;
  }

  handleConnection(client, req) {
    const room = new URL(req.url ?? '/', 'http://anchor').searchParams.get('room') ?? '';
    if (!ROOM.test(room)) {
      client.close(1008, 'bad room');
      return;
    }
    client.room = room;
    client.userId = `user-${++this.users}`;
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(client);
  }

  handleDisconnect(client) {
    const members = this.rooms.get(client.room);
    if (!members) return;
    members.delete(client);
    if (members.size === 0) this.rooms.delete(client.room);
  }

  typing(body, client) {
    const members = this.rooms.get(client.room);
    if (!members) return;
    const frame = JSON.stringify({
      type: 'typing',
      room: client.room,
      from: { id: client.userId },
      typing: body.typing,
    });
    for (const member of members) {
      if (member !== client && member.readyState === OPEN) member.send(frame);
    }
  }
}
MessageBody()(RoomsAnchorGateway.prototype, 'typing', 0);
ConnectedSocket()(RoomsAnchorGateway.prototype, 'typing', 1);
Reflect.decorate(
  [SubscribeMessage('typing'), Reflect.metadata('design:paramtypes', [TypingDto, Object])],
  RoomsAnchorGateway.prototype,
  'typing',
  Object.getOwnPropertyDescriptor(RoomsAnchorGateway.prototype, 'typing'),
);
Reflect.decorate(
  [
    Injectable(),
    WebSocketGateway({ path: '/ws' }),
    UsePipes(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        forbidUnknownValues: true,
        validationError: { target: false, value: false },
      }),
    ),
  ],
  RoomsAnchorGateway,
);

class AnchorModule {}
Reflect.decorate([Module({ providers: [RoomsAnchorGateway] })], AnchorModule);

runAnchor('realtime-nest-ws', async () => {
  const app = await NestFactory.create(AnchorModule, new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen({ host: '127.0.0.1', port: 0 });
  await listening(app, await app.getUrl());
});
