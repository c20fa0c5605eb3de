'use strict';
// Glue-stack anchor: what users assemble today instead of the kit, each part wired the way its
// docs show, on Nest 12 + `new FastifyAdapter()`:
//   - nestjs-pino (pino-http): one `request completed` line per request at LOG_LEVEL (default
//     info) to stdout, the request id (Fastify's `genReqId`) from `X-Request-ID` or a new UUID;
//     credentials in headers redacted; Nest logs through it;
//   - nestjs-cls: the request context (AsyncLocalStorage) entered by its middleware, with the
//     same request id; the handlers read it (a request without it fails with 500);
//   - @nestjs/passport + passport-jwt: a global `AuthGuard('jwt')` (APP_GUARD) that lets
//     `@Public()` routes through (Reflector metadata), HS256 only, iss, aud and exp checked;
//   - a global ValidationPipe (whitelist, transform).
//   GET /health/live   public  → {"status":"ok"}
//   GET /auth/whoami   bearer  → the verified claims
// Plain JS: decorators applied with Reflect.decorate, as tsc would emit.
const { randomUUID } = require('node:crypto');
const {
  Controller,
  Get,
  Injectable,
  InternalServerErrorException,
  Module,
  Req,
  SetMetadata,
  ValidationPipe,
} = require('@nestjs/common');
const { APP_GUARD, APP_PIPE, NestFactory, Reflector } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { AuthGuard, PassportModule, PassportStrategy } = require('@nestjs/passport');
const { ExtractJwt, Strategy } = require('passport-jwt');
const { ClsModule, ClsService } = require('nestjs-cls');
const { Logger, LoggerModule } = require('nestjs-pino');
const { authAnchorEnv, listening, runAnchor } = require('./auth-anchor-env');

const { secret, issuer, audience } = authAnchorEnv();
const IS_PUBLIC = 'glue:public';
const Public = () => SetMetadata(IS_PUBLIC, true);

/** `X-Request-ID` when the client sent one, else a new UUID: the usual glue for both libs. */
function requestId(req) {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && incoming !== '' ? incoming : randomUUID();
}

class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: secret,
      issuer,
      audience,
      algorithms: ['HS256'],
    });
  }
  validate(payload) {
    return payload;
  }
}
Reflect.decorate([Injectable()], JwtStrategy);

/** The global guard of the docs' "public routes" recipe. */
class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(reflector) {
    super();
    this.reflector = reflector;
  }
  canActivate(context) {
    const open = this.reflector.getAllAndOverride(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return open ? true : super.canActivate(context);
  }
}
Reflect.decorate([Injectable(), Reflect.metadata('design:paramtypes', [Reflector])], JwtAuthGuard);

/** Fails the request when the CLS context is missing: the anchor must really carry one. */
function requireContext(cls) {
  if (!cls.isActive() || typeof cls.getId() !== 'string') {
    throw new InternalServerErrorException('no CLS context');
  }
}

class HealthController {
  constructor(cls) {
    this.cls = cls;
  }
  live() {
    requireContext(this.cls);
    return { status: 'ok' };
  }
}
Reflect.decorate(
  [Get('live'), Public()],
  HealthController.prototype,
  'live',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'),
);
Reflect.decorate(
  [Controller('health'), Reflect.metadata('design:paramtypes', [ClsService])],
  HealthController,
);

class WhoamiController {
  constructor(cls) {
    this.cls = cls;
  }
  whoami(request) {
    requireContext(this.cls);
    return request.user;
  }
}
Reflect.decorate(
  [Get('whoami')],
  WhoamiController.prototype,
  'whoami',
  Object.getOwnPropertyDescriptor(WhoamiController.prototype, 'whoami'),
);
Req()(WhoamiController.prototype, 'whoami', 0);
Reflect.decorate(
  [Controller('auth'), Reflect.metadata('design:paramtypes', [ClsService])],
  WhoamiController,
);

class GlueModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: process.env.LOG_LEVEL ?? 'info',
            genReqId: requestId,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
          // The mount point nestjs-cls uses on Fastify 5: nestjs-pino's default route
          // (`{/*splat}`) matched no request here (Nest 12.5, Fastify 5), so nothing was logged.
          forRoutes: ['{*path}'],
        }),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true, generateId: true, idGenerator: requestId },
        }),
        PassportModule,
      ],
      controllers: [HealthController, WhoamiController],
      providers: [
        JwtStrategy,
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ whitelist: true, transform: true }),
        },
      ],
    }),
  ],
  GlueModule,
);

runAnchor('glue-stack', async () => {
  // Fastify's request id is the one the middleware see (`req.id`): the same glue for all three.
  const adapter = new FastifyAdapter({ genReqId: requestId });
  const app = await NestFactory.create(GlueModule, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.listen({ host: '127.0.0.1', port: 0 });
  await listening(app, await app.getUrl());
});
