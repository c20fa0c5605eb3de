'use strict';
// Auth anchor: bare Fastify 5 (no logger) + `@fastify/jwt` (fast-jwt), HS256 only, iss, aud and
// exp checked; GET /auth/whoami calls `request.jwtVerify()` and answers the verified claims.
// @fastify/jwt's defaults otherwise (no verified-token cache).
const Fastify = require('fastify');
const fastifyJwt = require('@fastify/jwt');
const { authAnchorEnv, listening, runAnchor } = require('./auth-anchor-env');

const { secret, issuer, audience } = authAnchorEnv();

async function main() {
  const app = Fastify({ logger: false });
  await app.register(fastifyJwt, {
    secret,
    verify: { algorithms: ['HS256'], allowedIss: issuer, allowedAud: audience },
  });
  app.get('/auth/whoami', async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch {
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized' });
    }
    return request.user;
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  await listening(app, address);
}

runAnchor('auth-fastify-jwt', main);
