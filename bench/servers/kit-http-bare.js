'use strict';
// @kit/http alone: a minimal Nest app through `createHttpApp()` + `HttpKitModule` with one
// controller, none of the reference service's other modules (auth, tasks, lifespan). It loads
// the lib's built barrel (run `npm run build` first; the harness does), and separates what
// @kit/http costs from what the reference service adds on top.
const { join } = require('node:path');
const { Controller, Get, Module } = require('@nestjs/common');

const { createHttpApp, HttpKitModule } = require(
  join(__dirname, '..', '..', 'dist', 'libs', 'http', 'src', 'index.js'),
);

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
Reflect.decorate(
  [
    Module({
      imports: [HttpKitModule.forRoot({ isGlobal: true })],
      controllers: [HealthController],
    }),
  ],
  BenchModule,
);

async function main() {
  const app = await createHttpApp(BenchModule, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Printed directly: at warn the kit's logger does not print the listening line.
  process.stdout.write(`Server listening at ${await app.getUrl()}\n`);
}

main().catch((err) => {
  process.stderr.write(`kit-http-bare failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
