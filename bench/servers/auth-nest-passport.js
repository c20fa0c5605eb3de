'use strict';
// Auth anchor: bare Nest 12 + Fastify with `@nestjs/passport` + `passport-jwt`, the way the Nest
// docs wire it: a JwtStrategy (HS256 only, iss, aud and exp checked, validate() returns the
// payload) and `AuthGuard('jwt')` on the controller. GET /auth/whoami answers the verified claims.
// Plain JS: decorators applied with Reflect.decorate, as tsc would emit.
const { Controller, Get, Injectable, Module, Req, UseGuards } = require('@nestjs/common');
const { AuthGuard, PassportModule, PassportStrategy } = require('@nestjs/passport');
const { ExtractJwt, Strategy } = require('passport-jwt');
const { authAnchorEnv, serveNestAnchor } = require('./auth-anchor-env');

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

serveNestAnchor('auth-nest-passport', BenchModule);
