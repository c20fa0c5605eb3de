import type { Migration } from 'kysely';
import { LifespanConfigError } from '../lifespan.errors';
import type {
  DatabaseOptions,
  HttpClientOptions,
  RedisOptions,
  ResolvedHttpClientOptions,
  ResolvedRedisOptions,
  LifespanModuleOptions,
  MigrationSet,
  ResolvedDatabaseOptions,
  ResolvedMigrationSet,
  ResolvedLifespanOptions,
} from './lifespan-options.interface';
import { intOption, maskUrl, redisUrlOption, type OptionErrorFactory } from '@kit/http';

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
  const url = redisUrlOption(
    configError,
    'lifespan.redis.url',
    typeof raw.url === 'string' ? raw.url.trim() : raw.url,
  );
  const connectTimeoutMs = raw.connectTimeoutMs ?? 5_000;
  positiveInt('lifespan.redis.connectTimeoutMs', connectTimeoutMs);
  const commandTimeoutMs = raw.commandTimeoutMs ?? 2_000;
  positiveInt('lifespan.redis.commandTimeoutMs', commandTimeoutMs);
  const reconnectMaxDelayMs = raw.reconnectMaxDelayMs ?? 2_000;
  positiveInt('lifespan.redis.reconnectMaxDelayMs', reconnectMaxDelayMs);
  const required = flag('lifespan.redis.required', raw.required);
  return Object.freeze({
    url,
    target: maskUrl(url),
    connectTimeoutMs,
    commandTimeoutMs,
    reconnectMaxDelayMs,
    required,
  });
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
  const limits = resolveDatabaseLimits(raw);
  const migrations = resolveMigrationSets(raw.migrations);
  return Object.freeze({ ...resolveDatabaseTarget(url), migrations, ...limits });
}

type DatabaseTarget = Pick<ResolvedDatabaseOptions, 'dialect' | 'url' | 'sqlitePath' | 'target'>;
type DatabaseLimits = Pick<
  ResolvedDatabaseOptions,
  | 'poolSize'
  | 'connectTimeoutMs'
  | 'acquireTimeoutMs'
  | 'queryTimeoutMs'
  | 'sqliteBusyTimeoutMs'
  | 'required'
>;

/** The pool's size and deadlines with their defaults, and whether readiness needs the database. */
function resolveDatabaseLimits(raw: DatabaseOptions): DatabaseLimits {
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
  return {
    poolSize,
    connectTimeoutMs,
    acquireTimeoutMs,
    queryTimeoutMs,
    sqliteBusyTimeoutMs,
    required: flag('lifespan.database.required', raw.required),
  };
}

/** The dialect a (non-empty) database URL names: a postgres:// URL or an SQLite path. */
function resolveDatabaseTarget(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    if (!URL.canParse(url)) {
      throw new LifespanConfigError('lifespan.database.url', `is not a valid URL: ${maskUrl(url)}`);
    }
    return { dialect: 'postgres', url, sqlitePath: '', target: maskUrl(url) };
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
  return { dialect: 'sqlite', url, sqlitePath, target: `sqlite:${sqlitePath}` };
}

const MIGRATION_SETS = 'lifespan.database.migrations';
const NAMESPACE = /^[a-z][a-z0-9_]{0,31}$/;
const MIGRATION_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

/** Validates the sets (a list, namespaces, migration names) and names their tables. */
function resolveMigrationSets(
  raw: readonly MigrationSet[] | undefined,
): readonly ResolvedMigrationSet[] {
  if (raw === undefined) return Object.freeze([]);
  if (!Array.isArray(raw)) {
    throw new LifespanConfigError(
      MIGRATION_SETS,
      'must be a list of migration sets { namespace, migrations }, libs first, e.g. ' +
        "[authMigrationSet, { namespace: 'service', migrations }]",
    );
  }
  const namespaces = new Set<string>();
  const owners = new Map<string, string>();
  return Object.freeze(
    raw.map((set: MigrationSet, index) => {
      const namespace = validNamespace(set, `${MIGRATION_SETS}[${index}]`, namespaces);
      const migrations = validMigrations(set, `${MIGRATION_SETS}[${index}] (${namespace})`);
      for (const name of Object.keys(migrations)) {
        const owner = owners.get(name);
        if (owner !== undefined)
          throw new LifespanConfigError(
            `${MIGRATION_SETS}[${index}] (${namespace})`,
            `declares the migration "${name}" that the set "${owner}" declares too; rename one ` +
              '(names are unique across sets)',
          );
        owners.set(name, namespace);
      }
      return Object.freeze({
        namespace,
        migrations,
        table: `kit_migrations_${namespace}`,
        lockTable: `kit_migrations_${namespace}_lock`,
      });
    }),
  );
}

function validNamespace(set: MigrationSet, option: string, seen: Set<string>): string {
  const namespace: unknown = (set as Partial<MigrationSet> | null)?.namespace;
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw new LifespanConfigError(
      `${option}.namespace`,
      'must be 1 to 32 lowercase letters, digits or "_", starting with a letter; got ' +
        JSON.stringify(namespace ?? null),
    );
  }
  if (seen.has(namespace)) {
    throw new LifespanConfigError(
      `${option}.namespace`,
      `"${namespace}" is given twice; merge the two sets or rename one`,
    );
  }
  seen.add(namespace);
  return namespace;
}

function validMigrations(set: MigrationSet, option: string): MigrationSet['migrations'] {
  const migrations: unknown = set.migrations;
  if (typeof migrations !== 'object' || migrations === null || Array.isArray(migrations)) {
    throw new LifespanConfigError(
      `${option}.migrations`,
      'must be an object of migrations by name ({ up, down? })',
    );
  }
  for (const [name, migration] of Object.entries(migrations as MigrationSet['migrations'])) {
    if (!MIGRATION_NAME.test(name))
      throw new LifespanConfigError(
        `${option}.migrations`,
        `has an invalid name ${JSON.stringify(name)}; use 1 to 200 letters, digits, "_", "-" or "."`,
      );
    if (typeof (migration as Partial<Migration> | null)?.up !== 'function')
      throw new LifespanConfigError(
        `${option}.migrations.${name}`,
        'has no up() function; a migration is { up(db), down?(db) }',
      );
  }
  return Object.freeze({ ...(migrations as MigrationSet['migrations']) });
}

const configError: OptionErrorFactory = (option, problem) =>
  new LifespanConfigError(option, problem);

function positiveInt(option: string, value: number): void {
  intOption(configError, option, value, 1);
}

/** A `required` option: a boolean when given, true when omitted. */
function flag(option: string, value: boolean | undefined): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean')
    throw new LifespanConfigError(option, `must be true or false; got ${String(value)}`);
  return value;
}
