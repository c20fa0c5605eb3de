import { LifespanConfigError } from './lifespan.errors';
import type {
  DatabaseOptions,
  HttpClientOptions,
  RedisOptions,
  ResolvedHttpClientOptions,
  ResolvedRedisOptions,
  LifespanModuleOptions,
  ResolvedDatabaseOptions,
  ResolvedLifespanOptions,
} from './lifespan-options.interface';
import { maskUrl } from './url.mask';

/** Resolves and validates `LifespanModule` options once; nothing else reads the raw ones. */
export function resolveLifespanOptions(raw: LifespanModuleOptions = {}): ResolvedLifespanOptions {
  const checkTimeoutMs = raw.health?.checkTimeoutMs ?? 2_000;
  positiveInt('lifespan.health.checkTimeoutMs', checkTimeoutMs);
  return Object.freeze({
    redis: raw.redis ? resolveRedis(raw.redis) : undefined,
    httpClients: Object.freeze(
      Object.entries(raw.httpClients ?? {}).map(([name, o]) => resolveHttpClient(name, o)),
    ),
    database: raw.database ? resolveDatabase(raw.database) : undefined,
    health: Object.freeze({ checkTimeoutMs }),
  });
}

function resolveRedis(raw: RedisOptions): ResolvedRedisOptions {
  const url = typeof raw.url === 'string' ? raw.url.trim() : '';
  if (!/^rediss?:\/\/[^/]/i.test(url) || !URL.canParse(url)) {
    throw new LifespanConfigError(
      'lifespan.redis.url',
      `must be a redis:// or rediss:// URL; got "${maskUrl(url)}"`,
    );
  }
  const connectTimeoutMs = raw.connectTimeoutMs ?? 5_000;
  positiveInt('lifespan.redis.connectTimeoutMs', connectTimeoutMs);
  const commandTimeoutMs = raw.commandTimeoutMs ?? 2_000;
  positiveInt('lifespan.redis.commandTimeoutMs', commandTimeoutMs);
  const required = flag('lifespan.redis.required', raw.required);
  return Object.freeze({ url, target: maskUrl(url), connectTimeoutMs, commandTimeoutMs, required });
}

function resolveHttpClient(name: string, raw: HttpClientOptions): ResolvedHttpClientOptions {
  const option = `lifespan.httpClients.${name}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new LifespanConfigError(
      option,
      'has an invalid name; use 1 to 64 letters, digits, "_" or "-"',
    );
  if (typeof raw.baseUrl !== 'string' || !URL.canParse(raw.baseUrl)) {
    throw new LifespanConfigError(
      `${option}.baseUrl`,
      `must be an absolute http(s) URL; got "${String(raw.baseUrl)}"`,
    );
  }
  const url = new URL(raw.baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new LifespanConfigError(`${option}.baseUrl`, 'must use http or https');
  if (raw.healthPath !== undefined && !raw.healthPath.startsWith('/'))
    throw new LifespanConfigError(`${option}.healthPath`, 'must start with "/"');
  const connections = raw.connections ?? 10;
  const timeoutMs = raw.timeoutMs ?? 10_000;
  positiveInt(`${option}.connections`, connections);
  positiveInt(`${option}.timeoutMs`, timeoutMs);
  return Object.freeze({
    name,
    origin: url.origin,
    basePath: url.pathname.replace(/\/$/, ''),
    healthPath: raw.healthPath,
    connections,
    timeoutMs,
    required: flag(`${option}.required`, raw.required),
  });
}

function resolveDatabase(raw: DatabaseOptions): ResolvedDatabaseOptions {
  const url = typeof raw.url === 'string' ? raw.url.trim() : '';
  if (!url)
    throw new LifespanConfigError(
      'lifespan.database.url',
      'is empty; give a postgres:// URL or an SQLite file path',
    );
  const poolSize = raw.poolSize ?? 10;
  const connectTimeoutMs = raw.connectTimeoutMs ?? 5_000;
  const sqliteBusyTimeoutMs = raw.sqliteBusyTimeoutMs ?? 5_000;
  const acquireTimeoutMs = raw.acquireTimeoutMs ?? 3_000;
  const queryTimeoutMs = raw.queryTimeoutMs ?? 10_000;
  positiveInt('lifespan.database.poolSize', poolSize);
  positiveInt('lifespan.database.connectTimeoutMs', connectTimeoutMs);
  positiveInt('lifespan.database.acquireTimeoutMs', acquireTimeoutMs);
  positiveInt('lifespan.database.queryTimeoutMs', queryTimeoutMs);
  positiveInt('lifespan.database.sqliteBusyTimeoutMs', sqliteBusyTimeoutMs);
  const required = flag('lifespan.database.required', raw.required);
  const migrations = Object.freeze({ ...raw.migrations });
  if (/^postgres(ql)?:\/\//i.test(url)) {
    if (!URL.canParse(url)) {
      throw new LifespanConfigError('lifespan.database.url', `is not a valid URL: ${maskUrl(url)}`);
    }
    return Object.freeze({
      dialect: 'postgres',
      url,
      sqlitePath: '',
      target: maskUrl(url),
      migrations,
      poolSize,
      connectTimeoutMs,
      acquireTimeoutMs,
      queryTimeoutMs,
      sqliteBusyTimeoutMs,
      required,
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new LifespanConfigError(
      'lifespan.database.url',
      `has an unsupported scheme (${maskUrl(url)}); use postgres:// or an SQLite path`,
    );
  }
  const sqlitePath = url.replace(/^sqlite:/i, '');
  if (!sqlitePath)
    throw new LifespanConfigError(
      'lifespan.database.url',
      'names no SQLite file; write sqlite:<path> or sqlite::memory:',
    );
  return Object.freeze({
    dialect: 'sqlite',
    url,
    sqlitePath,
    target: `sqlite:${sqlitePath}`,
    migrations,
    poolSize,
    connectTimeoutMs,
    acquireTimeoutMs,
    queryTimeoutMs,
    sqliteBusyTimeoutMs,
    required,
  });
}

function positiveInt(option: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new LifespanConfigError(option, `must be a whole number above 0; got ${String(value)}`);
  }
}

/** A `required` option: a boolean when given, true when omitted. */
function flag(option: string, value: boolean | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean')
    throw new LifespanConfigError(option, `must be true or false; got ${String(value)}`);
  return value;
}
