'use strict';
// The realtime benchmark's servers, each its own child process on 127.0.0.1 with --expose-gc and
// bench/lib/ws-gc.preload.js (memory on request): the anchors in bench/ and the reference service,
// plus what the kit needs before load (users and their access tokens).
const { execFileSync } = require('node:child_process');
const { createHmac, randomUUID } = require('node:crypto');
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const { startServer } = require('./server');
const { cpuTimes } = require('./proc');

const ROOT = join(__dirname, '..', '..');
const BENCH = join(__dirname, '..');
const GC_PRELOAD = join(__dirname, 'ws-gc.preload.js');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
/** What the Nest anchors in bench/servers print (`listening()` in auth-anchor-env.js). */
const NEST_LISTENING = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
const JWT_SECRET = 'realtime-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const JWT_ISSUER = 'nest-service-kit';

function startAnchor(name, file, portPattern = LISTENING) {
  return startServer({
    name,
    args: ['--expose-gc', '-r', GC_PRELOAD, join(BENCH, file)],
    portPattern,
    ipc: true,
  });
}

/** Bare Nest 12 + `@nestjs/platform-ws` with the `typing` event (servers/realtime-nest-ws.js). */
function startNestWsAnchor(name) {
  return startAnchor(name, join('servers', 'realtime-nest-ws.js'), NEST_LISTENING);
}

/** The reference service (`dist/src/main.js`), LOG_LEVEL=warn, with its port read from /proc. */
function startKit(name, dataDir, redisUrl, ownsDir) {
  return startServer({
    name,
    args: ['--expose-gc', '-r', GC_PRELOAD, join(ROOT, 'dist', 'src', 'main.js')],
    cwd: ROOT,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      REDIS_URL: redisUrl,
      DATABASE_URL: undefined,
      CORS_ORIGINS: undefined,
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      NODE_OPTIONS: undefined,
    },
    ipc: true,
    cleanup: ownsDir ? () => rmSync(dataDir, { recursive: true, force: true }) : undefined,
  });
}

/** Registers `count` users on the service and signs an access token for each (HS256, at+jwt). */
async function kitTokens(url, count) {
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${randomUUID()}@example.com`,
        password: 'Bench-Pa55word',
      }),
    });
    const body = await res.json();
    if (res.status !== 201)
      throw new Error(`registering a bench user failed: ${res.status} ${JSON.stringify(body)}`);
    tokens.push(signToken(body.id));
  }
  return tokens;
}

function signToken(sub) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64({
    iss: JWT_ISSUER,
    aud: JWT_ISSUER,
    sub,
    iat: now,
    exp: now + 3_600,
    jti: randomUUID(),
    roles: ['user'],
  })}`;
  return `${input}.${createHmac('sha256', JWT_SECRET).update(input).digest('base64url')}`;
}

function b64(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A refused upgrade proves the kit runs with auth on before anything is measured. */
async function verifyKitRefusesAnonymous(url) {
  const { WebSocket } = require('ws');
  const status = await new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/bench`);
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
  if (status !== 401)
    throw new Error(`the kit accepted an upgrade without a token (HTTP ${status})`);
}

function redisPid() {
  try {
    return (
      Number(
        execFileSync('pidof', ['redis-server'], { encoding: 'utf8' }).trim().split(/\s+/)[0],
      ) || null
    );
  } catch {
    return null;
  }
}

function ticks(pids) {
  return pids.reduce((sum, pid) => {
    const t = cpuTimes(pid);
    return sum + t.user + t.system;
  }, 0);
}

module.exports = {
  kitTokens,
  redisPid,
  startAnchor,
  startKit,
  startNestWsAnchor,
  ticks,
  verifyKitRefusesAnonymous,
};
