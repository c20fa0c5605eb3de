import { LifespanConfigError } from './lifespan.errors';
import type {
  DatabaseOptions,
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
    database: raw.database ? resolveDatabase(raw.database) : undefined,
    health: Object.freeze({ checkTimeoutMs }),
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
  positiveInt('lifespan.database.poolSize', poolSize);
  positiveInt('lifespan.database.connectTimeoutMs', connectTimeoutMs);
  positiveInt('lifespan.database.sqliteBusyTimeoutMs', sqliteBusyTimeoutMs);
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
      sqliteBusyTimeoutMs,
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
    sqliteBusyTimeoutMs,
  });
}

function positiveInt(option: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new LifespanConfigError(option, `must be a whole number above 0; got ${String(value)}`);
  }
}
