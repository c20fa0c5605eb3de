'use strict';
// Shared by the auth anchors (bench/servers/auth-*.js): the HS256 secret, issuer and audience the
// harness signed its token with, passed in the environment. The anchors sign nothing.
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

module.exports = { authAnchorEnv, listening };
