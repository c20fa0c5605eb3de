'use strict';
// Floor anchor: what Nest's own request pipeline costs for the route shapes the reference
// service has, with the least work a correct auth guard can do and nothing else. Bare Nest 12 +
// Fastify (as nest-fastify-bare.js, no logger) with:
//   - one global guard (APP_GUARD), synchronous: `@Public()` routes pass at once; the others
//     need an HS256 bearer token, verified once with node:crypto (alg, MAC, iss, aud, exp) and
//     then served from a bounded Map of verified tokens, `exp` re-checked on every use;
//   - the claims handed to the handler by a custom parameter decorator, like @CurrentClaims();
//   - a global ValidationPipe, as any Nest service that validates its DTOs has (the kit too).
// No request ids, timing headers, logging, metrics, CORS or problem bodies.
//   GET /health/live   public: the floor of any app with a global guard
//   GET /auth/whoami   bearer: the floor of a guarded route that reads the claims
const { createHmac, timingSafeEqual } = require('node:crypto');
const {
  Controller,
  createParamDecorator,
  Get,
  Injectable,
  Module,
  SetMetadata,
  UnauthorizedException,
  ValidationPipe,
} = require('@nestjs/common');
const { APP_GUARD, APP_PIPE, Reflector } = require('@nestjs/core');
const { authAnchorEnv, serveNestAnchor } = require('./auth-anchor-env');

const { secret, issuer, audience } = authAnchorEnv();
const IS_PUBLIC = 'floor:public';
const MAX_CACHED = 10_000;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Verified claims by token; a full Map is emptied, so it stays bounded. */
const verified = new Map();

function verify(token) {
  const now = Math.floor(Date.now() / 1000);
  const hit = verified.get(token);
  if (hit !== undefined) {
    if (hit.exp > now) return hit;
    verified.delete(token);
    throw new UnauthorizedException();
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER) throw new UnauthorizedException();
  const mac = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const signature = Buffer.from(parts[2], 'base64url');
  if (signature.length !== mac.length || !timingSafeEqual(signature, mac)) {
    throw new UnauthorizedException();
  }
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new UnauthorizedException();
  }
  const valid =
    claims !== null &&
    typeof claims === 'object' &&
    claims.iss === issuer &&
    claims.aud === audience &&
    typeof claims.exp === 'number' &&
    claims.exp > now;
  if (!valid) throw new UnauthorizedException();
  if (verified.size >= MAX_CACHED) verified.clear();
  verified.set(token, claims);
  return claims;
}

class FloorGuard {
  constructor(reflector) {
    this.reflector = reflector;
  }
  canActivate(context) {
    if (this.reflector.get(IS_PUBLIC, context.getHandler())) return true;
    const request = context.getArgByIndex(0);
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
      throw new UnauthorizedException();
    }
    request.claims = verify(header.slice(7));
    return true;
  }
}
Reflect.decorate([Injectable(), Reflect.metadata('design:paramtypes', [Reflector])], FloorGuard);

const Claims = createParamDecorator((_data, context) => context.getArgByIndex(0).claims);

class FloorController {
  live() {
    return { status: 'ok' };
  }
  whoami(claims) {
    return claims;
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(FloorController.prototype, name);
Reflect.decorate(
  [Get('health/live'), SetMetadata(IS_PUBLIC, true)],
  FloorController.prototype,
  'live',
  method('live'),
);
Claims()(FloorController.prototype, 'whoami', 0);
Reflect.decorate(
  [Get('auth/whoami'), Reflect.metadata('design:paramtypes', [Object])],
  FloorController.prototype,
  'whoami',
  method('whoami'),
);
Reflect.decorate([Controller()], FloorController);

class BenchModule {}
Reflect.decorate(
  [
    Module({
      controllers: [FloorController],
      providers: [
        { provide: APP_GUARD, useClass: FloorGuard },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
          }),
        },
      ],
    }),
  ],
  BenchModule,
);

serveNestAnchor('nest-guard-floor', BenchModule);
