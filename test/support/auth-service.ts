import type { HttpServerOptions } from '@kit/http';
import {
  createTestApp,
  expectedProblemType,
  expectProblem,
  type TestApp,
  type DatabaseVariant,
  type TestDatabase,
} from '@kit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule, type AppModuleOverrides } from '../../src/app.module';
import { type AppConfig, loadConfig } from '../../src/config/app.config';

// The reference service booted for the auth, users, admin, ingest and OpenAPI suites, plus the
// request and assertion helpers they share.

/** The HS256 key of every booted service (its UTF-8 bytes, as `JWT_SECRET` says). */
export const JWT_SECRET = 'e2e-signing-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ISSUER = 'kit-e2e-issuer';
export const AUDIENCE = 'kit-e2e-audience';
export const ADMIN = { email: 'root@example.com', password: 'Bootstrap-Admin-Pa55word' };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const API_KEY = /^kit_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

export interface Service {
  readonly t: TestApp;
  readonly url: string;
  readonly config: AppConfig;
  readonly db: TestDatabase;
  /** Closes the app, then drops the database and the data dir (idempotent). */
  close(): Promise<void>;
}

export interface BootExtras {
  /** A database already created (e.g. to reopen it, kept on close); else a fresh one. */
  db?: TestDatabase;
  /** Knobs of `AppModule.forRoot()` beyond the fast scrypt cost tests use. */
  overrides?: AppModuleOverrides;
}

/**
 * Boots the reference service on a fresh database of `variant` (SQLite file or PostgreSQL
 * schema) with a fixed signing key, issuer, audience and bootstrap admin.
 */
export async function bootService(
  variant: DatabaseVariant,
  label: string,
  env: Record<string, string> = {},
  server: HttpServerOptions = {},
  extras: BootExtras = {},
): Promise<Service> {
  const db = extras.db ?? (await variant.create(label));
  const dataDir = mkdtempSync(join(tmpdir(), `kit-${label}-data-`));
  const cleanup = async (): Promise<void> => {
    if (!extras.db) await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let t: TestApp;
  let config: AppConfig;
  try {
    config = loadConfig({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      JWT_SECRET,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    });
    t = await createTestApp(
      AppModule.forRoot(config, { scryptCost: 1024, ...extras.overrides }),
      server,
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    t,
    url: t.url,
    config,
    db,
    close: () => (closed ??= t.close().finally(cleanup)),
  };
}

export interface RequestOptions {
  method?: string;
  token?: string;
  apiKey?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

/** One request to the service; `token` goes in `Authorization: Bearer`, `json` is the body. */
export function call(s: Service, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  return fetch(`${s.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
}

/** `POST /auth/token` with a form-encoded body. */
export function tokenRequest(s: Service, form: Record<string, string>): Promise<Response> {
  return fetch(`${s.url}/auth/token`, { method: 'POST', body: new URLSearchParams(form) });
}

export interface TokenPair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  role: string;
  is_active: boolean;
  created_at: string;
}

/** Password grant that must succeed; checks the RFC 6749 §5.1 response. */
export async function login(s: Service, username: string, password: string): Promise<TokenPair> {
  const res = await tokenRequest(s, { grant_type: 'password', username, password });
  return expectTokenResponse(res);
}

/** Asserts a successful token response (status, headers, shape) and returns it. */
export async function expectTokenResponse(res: Response): Promise<TokenPair> {
  const text = await res.text();
  expect({ status: res.status, text }).toEqual({ status: 200, text: expect.any(String) });
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
  const body = JSON.parse(text) as TokenPair;
  expect(body).toEqual({
    access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    token_type: 'bearer',
    expires_in: 900,
    refresh_token: expect.stringMatching(/^rt_[\w-]{43}$/),
  });
  return body;
}

let counter = 0;
/** A unique e-mail address for this run. */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Registers a user (201 asserted) and returns its view. */
export async function register(
  s: Service,
  email = uniqueEmail(),
  password = 'Sup3r-Secret-Pass',
  name?: string,
): Promise<UserView> {
  const res = await call(s, '/users', { json: { email, password, ...(name && { name }) } });
  const body = (await res.json()) as UserView;
  expect({ status: res.status, body }).toEqual({ status: 201, body: expect.any(Object) });
  return body;
}

/** Registers a user, logs in and returns both. */
export async function registerAndLogin(
  s: Service,
  password = 'Sup3r-Secret-Pass',
): Promise<{ user: UserView; password: string; tokens: TokenPair }> {
  const user = await register(s, uniqueEmail(), password);
  return { user, password, tokens: await login(s, user.email, password) };
}

/** The bootstrap admin's access token. */
export async function adminToken(s: Service): Promise<string> {
  return (await login(s, ADMIN.email, ADMIN.password)).access_token;
}

/** Each of `headers` (lower-case names) has exactly its value on `res`. */
function expectHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name)).toBe(value);
}

export const INVALID_TOKEN_DETAIL = 'The access token is invalid or has expired.';

/** The one 401 every bad bearer token gets: same body, `Bearer error="invalid_token"`. */
export async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  const body = await expectProblem(res, 401, 'AUTH_TOKEN_INVALID', {
    detail: INVALID_TOKEN_DETAIL,
  });
  expect(body).toEqual({
    type: 'urn:problem:auth-token-invalid',
    title: 'Unauthorized',
    status: 401,
    detail: INVALID_TOKEN_DETAIL,
    error: 'AUTH_TOKEN_INVALID',
    request_id: res.headers.get('x-request-id'),
  });
}

/** 401 without credentials: a bare `Bearer` challenge. */
export async function expectMissingToken(res: Response): Promise<void> {
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  const body = await expectProblem(res, 401, 'AUTH_TOKEN_MISSING');
  expect(body).toEqual({
    type: 'urn:problem:auth-token-missing',
    title: 'Unauthorized',
    status: 401,
    detail: 'This route needs a bearer access token in the Authorization header.',
    error: 'AUTH_TOKEN_MISSING',
    request_id: res.headers.get('x-request-id'),
  });
}

/** 403 for a valid token whose user lacks the admin role. */
export async function expectNotAdmin(res: Response): Promise<void> {
  expect(res.headers.get('www-authenticate')).toBe(
    'Bearer error="insufficient_scope", scope="admin"',
  );
  const body = await expectProblem(res, 403, 'AUTH_INSUFFICIENT_ROLE');
  expect(body).toEqual({
    type: 'urn:problem:auth-insufficient-role',
    title: 'Forbidden',
    status: 403,
    detail: 'This route needs the role "admin".',
    error: 'AUTH_INSUFFICIENT_ROLE',
    request_id: res.headers.get('x-request-id'),
  });
}

const OAUTH_TITLES: Record<number, string> = {
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * An RFC 6749 §5.2 error of the token endpoint: `error` and `error_description` (plus the
 * problem members), `application/json`, `Cache-Control: no-store`, and the exact value of each
 * of `headers` (`{ 'retry-after': '30' }`).
 */
export async function expectOAuthError(
  res: Response,
  status: number,
  error: string,
  description?: string | RegExp,
  headers: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect({ status: res.status, text }).toEqual({ status, text: expect.any(String) });
  expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
  expectHeaders(res, headers);
  const body = JSON.parse(text) as Record<string, unknown>;
  const expected =
    description === undefined
      ? expect.any(String)
      : typeof description === 'string'
        ? description
        : expect.stringMatching(description);
  expect(body).toEqual({
    error,
    error_description: expected,
    type: expectedProblemType(error),
    title: OAUTH_TITLES[status] ?? 'Bad Request',
    status,
    detail: expected,
    request_id: res.headers.get('x-request-id'),
  });
  return body;
}

/**
 * `count` password grants for `username` with wrong passwords, each answered 400 invalid_grant
 * (with `description`, when given), sent to the instances in turn.
 */
export async function failLogins(
  instances: Service | readonly Service[],
  username: string,
  count: number,
  description?: string,
): Promise<void> {
  const list = Array.isArray(instances) ? instances : [instances];
  for (let i = 1; i <= count; i++) {
    const s = list[(i - 1) % list.length] as Service;
    const res = await tokenRequest(s, { grant_type: 'password', username, password: `Wrong-${i}` });
    await expectOAuthError(res, 400, 'invalid_grant', description);
  }
}

/**
 * `POST /auth/token` sent from another loopback address (`127.0.0.2`, `127.0.0.3`, …), so the
 * service sees another client address without trusting any proxy header.
 */
export function tokenRequestFrom(
  s: Service,
  address: string,
  form: Record<string, string>,
): Promise<Response> {
  const body = new URLSearchParams(form).toString();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(body)),
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${s.url}/auth/token`,
      { method: 'POST', headers, localAddress: address, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of [value ?? []].flat()) responseHeaders.append(name, v);
          }
          const status = res.statusCode ?? 0;
          resolve(new Response(Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` wrong passwords for `username` from `address`, each answered 400 invalid_grant. */
export async function failLoginsFrom(
  s: Service,
  address: string,
  username: string,
  count: number,
): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const res = await tokenRequestFrom(s, address, {
      grant_type: 'password',
      username,
      password: `Wrong-${i}`,
    });
    await expectOAuthError(res, 400, 'invalid_grant');
  }
}

/** The right password for `username` is refused: 429 too_many_requests with a Retry-After. */
export async function expectLoginThrottled(
  s: Service,
  username: string,
  password: string,
): Promise<void> {
  const res = await tokenRequest(s, { grant_type: 'password', username, password });
  await expectOAuthError(res, 429, 'too_many_requests');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}
