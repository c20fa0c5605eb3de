'use strict';
// Anchor 2: a minimal Nest 12 app on `new FastifyAdapter()` (defaults), no logger, one
// controller. Plain JS: the decorators are applied with Reflect.decorate, as tsc would emit
// (@nestjs/common loads reflect-metadata, which provides Reflect.decorate).
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class HealthController {
  live() {
    return { status: 'ok' };
  }
}
Reflect.decorate(
  [Get('live')],
  HealthController.prototype,
  'live',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'),
);
Reflect.decorate([Controller('health')], HealthController);

class BenchModule {}
Reflect.decorate([Module({ controllers: [HealthController] })], BenchModule);

async function main() {
  const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`Server listening at ${await app.getUrl()}\n`);
  const close = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((err) => {
  process.stderr.write(`nest-fastify-bare failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
