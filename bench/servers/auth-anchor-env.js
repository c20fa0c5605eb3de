'use strict';
// Shared by the auth anchors (bench/servers/auth-*.js, nest-guard-floor.js): the HS256 secret,
// issuer and audience the harness signed its token with, passed in the environment (the anchors
// sign nothing), and how an anchor starts, listens and reports a failed start.
function authAnchorEnv() {
  const secret = process.env.BENCH_JWT_SECRET;
  const issuer = process.env.BENCH_JWT_ISSUER;
  const audience = process.env.BENCH_JWT_AUDIENCE;
  if (!secret || Buffer.byteLength(secret) < 32 || !issuer || !audience) {
    throw new Error('BENCH_JWT_SECRET (>= 32 bytes), BENCH_JWT_ISSUER and BENCH_JWT_AUDIENCE');
  }
  return { secret, issuer, audience };
}

/** Prints the line the harness reads the port from, and exits cleanly on SIGTERM/SIGINT. */
async function listening(app, url) {
  process.stdout.write(`Server listening at ${url}\n`);
  const close = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

/** Runs an anchor's `main`; a failure is printed under the anchor's `name` and exits 1. */
function runAnchor(name, main) {
  main().catch((err) => {
    process.stderr.write(`${name} failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}

/** Serves `module` on bare Nest 12 + `new FastifyAdapter()` (no logger) at 127.0.0.1, port 0. */
function serveNestAnchor(name, module) {
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  runAnchor(name, async () => {
    const app = await NestFactory.create(module, new FastifyAdapter(), { logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    await listening(app, await app.getUrl());
  });
}

module.exports = { authAnchorEnv, listening, runAnchor, serveNestAnchor };
