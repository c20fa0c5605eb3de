'use strict';
// Auth anchor: bare Nest 12 + Fastify with `@nestjs/passport` + `passport-jwt`, the way the Nest
// docs wire it: a JwtStrategy (HS256 only, iss, aud and exp checked, validate() returns the
// payload) and `AuthGuard('jwt')` on the controller. GET /auth/whoami answers the verified claims.
// Plain JS: decorators applied with Reflect.decorate, as tsc would emit.
const { Controller, Get, Injectable, Module, Req, UseGuards } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { AuthGuard, PassportModule, PassportStrategy } = require('@nestjs/passport');
const { ExtractJwt, Strategy } = require('passport-jwt');
const { authAnchorEnv, listening } = require('./auth-anchor-env');

const { secret, issuer, audience } = authAnchorEnv();

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

class WhoamiController {
  whoami(request) {
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
Reflect.decorate([Controller('auth'), UseGuards(AuthGuard('jwt'))], WhoamiController);

class BenchModule {}
Reflect.decorate(
  [
    Module({
      imports: [PassportModule],
      controllers: [WhoamiController],
      providers: [JwtStrategy],
    }),
  ],
  BenchModule,
);

async function main() {
  const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  await listening(app, await app.getUrl());
}

main().catch((err) => {
  process.stderr.write(`auth-nest-passport failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
