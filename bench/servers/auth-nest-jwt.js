'use strict';
// Auth anchor: bare Nest 12 + Fastify (as servers/nest-fastify-bare.js) with a guard that calls
// `JwtService.verifyAsync` (@nestjs/jwt, i.e. jsonwebtoken) on every request, HS256 only, iss,
// aud and exp checked. GET /auth/whoami answers the verified claims. Plain JS: decorators applied
// with Reflect.decorate, constructor types as tsc's emitDecoratorMetadata would record them.
const {
  Controller,
  Get,
  Injectable,
  Module,
  Req,
  UnauthorizedException,
  UseGuards,
} = require('@nestjs/common');
const { JwtModule, JwtService } = require('@nestjs/jwt');
const { authAnchorEnv, serveNestAnchor } = require('./auth-anchor-env');

const { secret, issuer, audience } = authAnchorEnv();

class JwtGuard {
  constructor(jwt) {
    this.jwt = jwt;
  }
  async canActivate(context) {
    const request = context.switchToHttp().getRequest();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException();
    try {
      request.user = await this.jwt.verifyAsync(token);
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }
}
Reflect.decorate([Injectable(), Reflect.metadata('design:paramtypes', [JwtService])], JwtGuard);

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
Reflect.decorate([Controller('auth'), UseGuards(JwtGuard)], WhoamiController);

class BenchModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        JwtModule.register({
          secret,
          verifyOptions: { algorithms: ['HS256'], issuer, audience },
        }),
      ],
      controllers: [WhoamiController],
      providers: [JwtGuard],
    }),
  ],
  BenchModule,
);

serveNestAnchor('auth-nest-jwt', BenchModule);
