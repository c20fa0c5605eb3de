import { HttpKitConfigError } from '../http.errors';
import { DEFAULT_MAX_JSON_DEPTH } from '../server/json-depth.util';
import { DEFAULT_PROBLEM_TYPE_BASE } from '../problem/problem';
import { intOption, type OptionErrorFactory } from './option-validators';
import type {
  CorsOptions,
  HttpKitModuleOptions,
  HttpServerOptions,
  LogLevel,
  ResolvedCorsOptions,
  ResolvedHttpKitOptions,
  ResolvedHttpServerOptions,
} from './http-options.interface';
import { LOG_LEVELS } from './http-options.interface';

const SERVER_DEFAULTS = Object.freeze({
  bodyLimit: 1_048_576,
  maxHeaderSize: 16_384,
  requestTimeout: 30_000,
  headersTimeout: 10_000,
  keepAliveTimeout: 5_000,
  maxRequestsPerSocket: 1_000,
  maxParamLength: 100,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  logLevel: 'info' as LogLevel,
  logFlushIntervalMs: 250,
  trustProxy: false,
});

const CORS_DEFAULTS = Object.freeze({
  credentials: false,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-ID'],
  exposedHeaders: [
    'X-Request-ID',
    'X-Process-Time-Ms',
    'Server-Timing',
    'Retry-After',
    'WWW-Authenticate',
  ],
  maxAge: 600,
});

/** Deeper documents overflow class-transformer's recursion (near 1,500 levels). */
const MAX_JSON_DEPTH = 1_000;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const configError: OptionErrorFactory = (option, problem) =>
  new HttpKitConfigError(option, problem);

function positiveInt(option: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  return intOption(configError, option, value, 1, max);
}

/** Resolves and validates the server-level options of `createHttpApp()`. */
export function resolveHttpServerOptions(raw: HttpServerOptions = {}): ResolvedHttpServerOptions {
  const o = { ...SERVER_DEFAULTS, ...stripUndefined(raw) };
  positiveInt('http.server.bodyLimit', o.bodyLimit);
  positiveInt('http.server.maxHeaderSize', o.maxHeaderSize, 1_048_576);
  positiveInt('http.server.requestTimeout', o.requestTimeout);
  positiveInt('http.server.headersTimeout', o.headersTimeout);
  positiveInt('http.server.keepAliveTimeout', o.keepAliveTimeout);
  positiveInt('http.server.maxRequestsPerSocket', o.maxRequestsPerSocket);
  positiveInt('http.server.maxParamLength', o.maxParamLength);
  positiveInt('http.server.maxJsonDepth', o.maxJsonDepth, MAX_JSON_DEPTH);
  positiveInt('http.server.logFlushIntervalMs', o.logFlushIntervalMs, 60_000);
  if (o.headersTimeout > o.requestTimeout) {
    throw new HttpKitConfigError(
      'http.server.headersTimeout',
      `(${o.headersTimeout}) must not exceed requestTimeout (${o.requestTimeout})`,
    );
  }
  if (!LOG_LEVELS.includes(o.logLevel)) {
    throw new HttpKitConfigError(
      'http.server.logLevel',
      `must be one of ${LOG_LEVELS.join(', ')}; got "${String(o.logLevel)}"`,
    );
  }
  return Object.freeze(o);
}

/** Resolves and validates the options of `HttpKitModule`; the only reader of raw options. */
export function resolveHttpKitOptions(raw: HttpKitModuleOptions = {}): ResolvedHttpKitOptions {
  const openapi = {
    enabled: true,
    title: 'API',
    version: '1.0.0',
    description: '',
    docsPath: '/docs',
    jsonPath: '/openapi.json',
    ...stripUndefined(raw.openapi ?? {}),
  };
  for (const key of ['docsPath', 'jsonPath'] as const) {
    if (!openapi[key].startsWith('/')) {
      throw new HttpKitConfigError(
        `http.openapi.${key}`,
        `must start with "/"; got "${openapi[key]}"`,
      );
    }
  }
  return Object.freeze({
    cors: resolveCors(raw.cors),
    openapi: Object.freeze(openapi),
    problemTypeBase: raw.problemTypeBase ?? DEFAULT_PROBLEM_TYPE_BASE,
  });
}

function resolveCors(raw: CorsOptions | undefined): ResolvedCorsOptions | undefined {
  if (!raw || raw.origins.length === 0) return undefined;
  const o = { ...CORS_DEFAULTS, ...stripUndefined(raw), origins: raw.origins };
  const anyOrigin = o.origins.includes('*');
  if (anyOrigin && o.credentials) {
    throw new HttpKitConfigError(
      'http.cors.origins',
      'contains "*" while http.cors.credentials is true: browsers refuse that and it would expose credentialed responses to every site; list the exact origins instead',
    );
  }
  if (anyOrigin && o.origins.length > 1) {
    throw new HttpKitConfigError(
      'http.cors.origins',
      'mixes "*" with exact origins; use one or the other',
    );
  }
  if (!anyOrigin) o.origins.forEach((origin, i) => checkOrigin(`http.cors.origins[${i}]`, origin));
  o.methods.forEach((m, i) => checkToken(`http.cors.methods[${i}]`, m));
  o.allowedHeaders.forEach((h, i) => checkToken(`http.cors.allowedHeaders[${i}]`, h));
  o.exposedHeaders.forEach((h, i) => checkToken(`http.cors.exposedHeaders[${i}]`, h));
  intOption(configError, 'http.cors.maxAge', o.maxAge, 0, 86_400);
  return Object.freeze({
    anyOrigin,
    origins: new Set(o.origins),
    credentials: o.credentials,
    methods: o.methods.join(', '),
    allowedHeaders: o.allowedHeaders.join(', '),
    exposedHeaders: o.exposedHeaders.join(', '),
    maxAge: String(o.maxAge),
  });
}

/** An origin is `scheme://host[:port]` exactly as a browser serializes it. */
/** True for an exact `http(s)://host[:port]` origin as a browser sends it (no path, no wildcard). */
export function isExactOrigin(origin: string): boolean {
  try {
    checkOrigin('origin', origin);
    return true;
  } catch {
    return false;
  }
}

function checkOrigin(option: string, origin: string): void {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new HttpKitConfigError(
      option,
      `"${origin}" is not an origin; write it as scheme://host[:port], e.g. https://app.example.com`,
    );
  }
  // The URL parser keeps `*` in a host, so `https://*.example.com` would pass as "exact" and
  // then silently never match anything.
  if (url.hostname.includes('*')) {
    throw new HttpKitConfigError(
      option,
      `"${origin}" contains a wildcard; list every allowed origin exactly, e.g. https://app.example.com`,
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin) {
    throw new HttpKitConfigError(
      option,
      `"${origin}" is not an exact origin; write it as the browser sends it (${url.origin === 'null' ? 'scheme://host[:port]' : url.origin}), without path, trailing slash or wildcard`,
    );
  }
}

function checkToken(option: string, value: string): void {
  if (!TOKEN.test(value))
    throw new HttpKitConfigError(option, `"${value}" is not a valid HTTP token`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
