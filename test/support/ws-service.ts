import { Test } from '@nestjs/testing';
import type { HttpServerOptions } from '@kit/http';
import type { RedisOptions } from '@kit/lifespan';
import { REALTIME_MODULE_OPTIONS, type RealtimeModuleOptions } from '@kit/realtime';
import { createTestApp, type TestApp } from '@kit/testing';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { type AppConfig, loadConfig } from '../../src/config/app.config';

// The reference service booted for the realtime suites, with its realtime options replaced
// (timers, limits, Redis) and helpers to make users and tokens.

export const WS_JWT_SECRET = 'realtime-e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const WS_ISSUER = 'kit-realtime-e2e';
export const WS_AUDIENCE = 'kit-realtime-e2e';
export const WS_ADMIN = { email: 'rt-admin@example.com', password: 'Realtime-Admin-Pa55word' };
export const WS_ALLOWED_ORIGIN = 'https://app.example.com';

/** A data dir with an SQLite file, shared by every instance booted on it. */
export interface SharedStore {
  readonly dataDir: string;
  readonly databaseUrl: string;
  drop(): void;
}

export function createSharedStore(label: string): SharedStore {
  const dataDir = mkdtempSync(join(tmpdir(), `kit-rt-${label}-`));
  return {
    dataDir,
    databaseUrl: `sqlite:${join(dataDir, 'app.db')}`,
    drop: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export interface TestUser {
  readonly id: string;
  readonly token: string;
}

export interface RealtimeTestService {
  readonly t: TestApp;
  readonly url: string;
  readonly config: AppConfig;
  /** The bootstrap admin (role admin). */
  readonly admin: TestUser;
  /** Registers a user (role user) and mints a token for it. */
  user(): Promise<TestUser>;
  /** Closes the app (idempotent); the store is dropped only if this service created it. */
  close(): Promise<void>;
}

export interface BootOptions {
  label: string;
  /** Realtime options replacing the service's own (its origins included). */
  realtime?: RealtimeModuleOptions;
  /**
   * The service's Redis (`REDIS_URL` and LifespanModule's connection settings): rooms fan out
   * through it; its jobs queue and login-throttle keys are unique to this boot. @default none
   */
  redis?: RedisOptions;
  /** Share a store with another instance (two instances, one user table). */
  store?: SharedStore;
  /** Server options (log level, …). */
  server?: HttpServerOptions;
  /** Provider overrides applied to the testing module, e.g. a recording gateway. */
  override?: (builder: ReturnType<typeof Test.createTestingModule>) => void;
}

/** Test defaults: short timers so liveness and re-checks are observable within a test. */
export const FAST_REALTIME: RealtimeModuleOptions = {
  allowedOrigins: [WS_ALLOWED_ORIGIN],
  pingIntervalMs: 60_000,
  userRecheckIntervalMs: 60_000,
  closeTimeoutMs: 1_000,
};

/** Boots the reference service with its realtime options replaced by `options.realtime`. */
export async function bootRealtimeService(options: BootOptions): Promise<RealtimeTestService> {
  const ownStore = options.store === undefined;
  const store = options.store ?? createSharedStore(options.label);
  const config = loadConfig({
    DATABASE_URL: store.databaseUrl,
    DATA_DIR: store.dataDir,
    JWT_SECRET: WS_JWT_SECRET,
    JWT_ISSUER: WS_ISSUER,
    JWT_AUDIENCE: WS_AUDIENCE,
    ADMIN_EMAIL: WS_ADMIN.email,
    ADMIN_PASSWORD: WS_ADMIN.password,
    CORS_ORIGINS: WS_ALLOWED_ORIGIN,
    ...(options.redis && { REDIS_URL: options.redis.url }),
  });
  const unique = randomUUID();
  let t: TestApp;
  try {
    const builder = Test.createTestingModule({
      imports: [
        AppModule.forRoot(config, {
          scryptCost: 1024,
          ...(options.redis && {
            redis: options.redis,
            jobsQueueName: `kit-test-rt-${unique}`,
            loginThrottleKeyPrefix: `kit-test-rt-${unique}:`,
          }),
        }),
      ],
    });
    builder.overrideProvider(REALTIME_MODULE_OPTIONS).useValue(options.realtime ?? FAST_REALTIME);
    options.override?.(builder);
    t = await createTestApp(builder, options.server);
  } catch (err) {
    if (ownStore) store.drop();
    throw err;
  }
  const url = t.url;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= t.close().finally(() => {
      if (ownStore) store.drop();
    }));
  let admin: TestUser;
  try {
    admin = await login(url, WS_ADMIN.email, WS_ADMIN.password);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    t,
    url,
    config,
    admin,
    user: async () => {
      const id = await register(url);
      return { id, token: signToken({ sub: id }) };
    },
    close,
  };
}

async function register(url: string): Promise<string> {
  const email = `rt-${randomUUID()}@example.com`;
  const res = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'Realtime-User-Pa55' }),
  });
  const body = (await res.json()) as { id: string };
  if (res.status !== 201)
    throw new Error(`registering failed: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

async function login(url: string, username: string, password: string): Promise<TestUser> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username, password }),
  });
  const body = (await res.json()) as { access_token: string };
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  const claims = JSON.parse(
    Buffer.from(body.access_token.split('.')[1] as string, 'base64url').toString(),
  ) as {
    sub: string;
  };
  return { id: claims.sub, token: body.access_token };
}

/**
 * An access token the service accepts (HS256 with the test secret, `typ: at+jwt`), for `sub`,
 * expiring `expiresInSec` from now (whole seconds, as `exp` is).
 */
export function signToken(claims: {
  sub: string;
  roles?: string[];
  expiresInSec?: number;
}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'HS256', typ: 'at+jwt' };
  const payload = {
    iss: WS_ISSUER,
    aud: WS_AUDIENCE,
    sub: claims.sub,
    iat: now,
    exp: now + (claims.expiresInSec ?? 600),
    jti: randomUUID(),
    roles: claims.roles ?? ['user'],
  };
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', WS_JWT_SECRET).update(input).digest('base64url')}`;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Calls the service with an optional bearer token and JSON body. */
export function api(
  s: RealtimeTestService,
  path: string,
  options: { method?: string; token?: string; json?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${path}`, {
    method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
}
