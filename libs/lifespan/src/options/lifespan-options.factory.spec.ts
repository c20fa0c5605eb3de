import { KitConfigError } from '@kit/http';
import { LifespanConfigError } from '../lifespan.errors';
import { resolveLifespanOptions } from './lifespan-options.factory';
import type { LifespanModuleOptions, MigrationSet } from './lifespan-options.interface';

/** The LifespanConfigError resolveLifespanOptions throws for these options. */
function optionError(raw: LifespanModuleOptions): LifespanConfigError {
  let thrown: unknown;
  try {
    resolveLifespanOptions(raw);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(LifespanConfigError);
  return thrown as LifespanConfigError;
}

/** One migration, many names: the sets below differ by names only. */
const migration = { up: () => Promise.resolve() };
/** A set of `names`, each the migration above. */
const set = (namespace: string, names: string[]): MigrationSet => ({
  namespace,
  migrations: Object.fromEntries(names.map((n) => [n, migration])),
});
/** Database options with `migrations` as given, valid or not. */
const database = (migrations: unknown): LifespanModuleOptions => ({
  database: { url: ':memory:', migrations: migrations as readonly MigrationSet[] },
});

describe('resolveLifespanOptions', () => {
  describe('with no options', () => {
    it('has no database and a 2 s check timeout', () => {
      expect(resolveLifespanOptions()).toEqual({
        database: undefined,
        health: { checkTimeoutMs: 2000 },
        redis: undefined,
        httpClients: [],
      });
    });

    it('freezes what it returns', () => {
      const resolved = resolveLifespanOptions({ database: { url: ':memory:' } });
      expect(Object.isFrozen(resolved)).toBe(true);
      expect(Object.isFrozen(resolved.health)).toBe(true);
      expect(Object.isFrozen(resolved.database)).toBe(true);
      expect(Object.isFrozen(resolved.database?.migrations)).toBe(true);
    });
  });

  describe('when the database URL is PostgreSQL', () => {
    it('resolves the dialect, the defaults and a masked target', () => {
      const url = 'postgres://app:s3cret@db.internal:5432/app';
      expect(resolveLifespanOptions({ database: { url } }).database).toEqual({
        dialect: 'postgres',
        url,
        sqlitePath: '',
        target: 'postgres://app:****@db.internal:5432/app',
        migrations: [],
        poolSize: 10,
        connectTimeoutMs: 5000,
        acquireTimeoutMs: 3000,
        queryTimeoutMs: 10000,
        sqliteBusyTimeoutMs: 5000,
        required: true,
      });
    });

    it('accepts postgresql:// and trims the URL', () => {
      const db = resolveLifespanOptions({ database: { url: ' postgresql://h/db ' } }).database;
      expect(db).toMatchObject({ dialect: 'postgres', url: 'postgresql://h/db' });
    });
  });

  describe('when the database URL is SQLite', () => {
    it.each([
      ['sqlite:/var/app.db', '/var/app.db'],
      ['/var/app.db', '/var/app.db'],
      ['relative/app.db', 'relative/app.db'],
      ['sqlite::memory:', ':memory:'],
      [':memory:', ':memory:'],
    ])('%s is the file %s', (url, sqlitePath) => {
      expect(resolveLifespanOptions({ database: { url } }).database).toMatchObject({
        dialect: 'sqlite',
        sqlitePath,
        target: `sqlite:${sqlitePath}`,
      });
    });
  });

  describe('with an invalid option', () => {
    it.each<[string, LifespanModuleOptions, RegExp]>([
      [
        'health.checkTimeoutMs = 0',
        { health: { checkTimeoutMs: 0 } },
        /^lifespan\.health\.checkTimeoutMs must be a whole number from 1 to 9007199254740991; got 0$/,
      ],
      [
        'health.checkTimeoutMs = 1.5',
        { health: { checkTimeoutMs: 1.5 } },
        /^lifespan\.health\.checkTimeoutMs must be a whole number from 1 to 9007199254740991; got 1\.5$/,
      ],
      [
        'database.poolSize = -1',
        { database: { url: ':memory:', poolSize: -1 } },
        /^lifespan\.database\.poolSize must be a whole number from 1 to 9007199254740991; got -1$/,
      ],
      [
        'database.connectTimeoutMs = NaN',
        { database: { url: ':memory:', connectTimeoutMs: Number.NaN } },
        /^lifespan\.database\.connectTimeoutMs must be a whole number from 1 to 9007199254740991; got NaN$/,
      ],
      [
        'database.sqliteBusyTimeoutMs = Infinity',
        { database: { url: ':memory:', sqliteBusyTimeoutMs: Number.POSITIVE_INFINITY } },
        /^lifespan\.database\.sqliteBusyTimeoutMs must be a whole number from 1 to 9007199254740991; got Infinity$/,
      ],
      [
        'database.acquireTimeoutMs = 0',
        { database: { url: ':memory:', acquireTimeoutMs: 0 } },
        /^lifespan\.database\.acquireTimeoutMs must be a whole number from 1 to 9007199254740991; got 0$/,
      ],
      [
        'database.queryTimeoutMs = 2.5',
        { database: { url: ':memory:', queryTimeoutMs: 2.5 } },
        /^lifespan\.database\.queryTimeoutMs must be a whole number from 1 to 9007199254740991; got 2\.5$/,
      ],
      [
        'database.required not a boolean',
        { database: { url: ':memory:', required: 'no' as unknown as boolean } },
        /^lifespan\.database\.required must be true or false; got no$/,
      ],
      [
        'redis.reconnectMaxDelayMs = 0',
        { redis: { url: 'redis://127.0.0.1:6379', reconnectMaxDelayMs: 0 } },
        /^lifespan\.redis\.reconnectMaxDelayMs must be a whole number from 1 to \d+; got 0$/,
      ],
      [
        'redis.required not a boolean',
        { redis: { url: 'redis://127.0.0.1:6379', required: 0 as unknown as boolean } },
        /^lifespan\.redis\.required must be true or false; got 0$/,
      ],
      [
        'database.url empty',
        { database: { url: '  ' } },
        /^lifespan\.database\.url is empty; give a postgres:\/\/ URL or an SQLite file path$/,
      ],
      [
        'database.url not a string',
        { database: { url: undefined as unknown as string } },
        /^lifespan\.database\.url is empty/,
      ],
      [
        'database.url sqlite: without a path',
        { database: { url: 'sqlite:' } },
        /^lifespan\.database\.url names no SQLite file; write sqlite:<path> or sqlite::memory:$/,
      ],
      [
        'database.url with another scheme',
        { database: { url: 'mysql://root:hunter2@db/app' } },
        /^lifespan\.database\.url has an unsupported scheme \(mysql:\/\/root:\*\*\*\*@db\/app\); use postgres:\/\/ or an SQLite path$/,
      ],
      [
        'database.url an unparsable postgres URL',
        { database: { url: 'postgres://app:hunter2@db:99999/app' } },
        /^lifespan\.database\.url is not a valid URL: postgres:\/\/app:\*\*\*\*@db:99999\/app$/,
      ],
    ])('%s fails with a message naming the option', (_name, raw, message) => {
      const err = optionError(raw);
      expect(err).toBeInstanceOf(KitConfigError);
      expect(err.code).toBe('LIFESPAN_INVALID_OPTION');
      expect(err.name).toBe('LifespanConfigError');
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('hunter2');
    });
  });

  describe('with migration sets', () => {
    it('keeps their order and gives each its own migration and lock tables', () => {
      const resolved = resolveLifespanOptions(
        database([set('auth', ['0100_auth']), set('service', ['0001_users'])]),
      ).database?.migrations;
      expect(resolved).toEqual([
        {
          namespace: 'auth',
          migrations: { '0100_auth': migration },
          table: 'kit_migrations_auth',
          lockTable: 'kit_migrations_auth_lock',
        },
        {
          namespace: 'service',
          migrations: { '0001_users': migration },
          table: 'kit_migrations_service',
          lockTable: 'kit_migrations_service_lock',
        },
      ]);
      expect(Object.isFrozen(resolved?.[0])).toBe(true);
      expect(Object.isFrozen(resolved?.[0]?.migrations)).toBe(true);
    });

    it.each<[string, unknown, string]>([
      [
        'a flat record of migrations',
        { '0001_users': migration },
        'lifespan.database.migrations must be a list of migration sets { namespace, migrations }, ' +
          "libs first, e.g. [authMigrationSet, { namespace: 'service', migrations }]",
      ],
      [
        'a namespace with capitals',
        [set('Service', [])],
        'lifespan.database.migrations[0].namespace must be 1 to 32 lowercase letters, digits or ' +
          '"_", starting with a letter; got "Service"',
      ],
      [
        'no namespace',
        [{ migrations: {} }],
        'lifespan.database.migrations[0].namespace must be 1 to 32 lowercase letters, digits or ' +
          '"_", starting with a letter; got null',
      ],
      [
        'a namespace given twice',
        [set('auth', ['a']), set('auth', ['b'])],
        'lifespan.database.migrations[1].namespace "auth" is given twice; merge the two sets or ' +
          'rename one',
      ],
      [
        'migrations that are not an object',
        [{ namespace: 'service', migrations: [migration] }],
        'lifespan.database.migrations[0] (service).migrations must be an object of migrations by ' +
          'name ({ up, down? })',
      ],
      [
        'a migration name with a space',
        [set('service', ['0001 users'])],
        'lifespan.database.migrations[0] (service).migrations has an invalid name "0001 users"; ' +
          'use 1 to 200 letters, digits, "_", "-" or "."',
      ],
      [
        'a migration without up()',
        [{ namespace: 'service', migrations: { '0001_users': {} } }],
        'lifespan.database.migrations[0] (service).migrations.0001_users has no up() function; ' +
          'a migration is { up(db), down?(db) }',
      ],
      [
        'a migration name two sets declare',
        [set('auth', ['0001_init']), set('service', ['0001_init'])],
        'lifespan.database.migrations[1] (service) declares the migration "0001_init" that the ' +
          'set "auth" declares too; rename one (names are unique across sets)',
      ],
    ])('rejects %s, naming the option', (_name, migrations, message) => {
      const err = optionError(database(migrations));
      expect(err.code).toBe('LIFESPAN_INVALID_OPTION');
      expect(err.message).toBe(message);
    });
  });

  describe('when Redis is configured', () => {
    it.each(['REDIS://127.0.0.1:6379', 'Rediss://cache.internal:6380/2'])(
      'accepts %j (the scheme in any case, as every lib does)',
      (url) => {
        expect(resolveLifespanOptions({ redis: { url } }).redis?.url).toBe(url);
      },
    );

    it('masks the password in the target', () => {
      expect(
        resolveLifespanOptions({ redis: { url: 'redis://:pw@127.0.0.1:6379/2' } }).redis,
      ).toEqual({
        url: 'redis://:pw@127.0.0.1:6379/2',
        target: 'redis://:****@127.0.0.1:6379/2',
        connectTimeoutMs: 5000,
        commandTimeoutMs: 2000,
        reconnectMaxDelayMs: 2000,
        required: true,
      });
    });

    it.each(['http://127.0.0.1:6379', '127.0.0.1:6379', ''])(
      'rejects the URL %j naming lifespan.redis.url',
      (url) => {
        const err = optionError({ redis: { url } });
        expect(err.code).toBe('LIFESPAN_INVALID_OPTION');
        expect(err.message).toMatch(
          /^lifespan\.redis\.url must be a redis:\/\/ or rediss:\/\/ URL/,
        );
      },
    );
  });

  describe('when HTTP clients are configured', () => {
    it('splits the base URL into origin and base path', () => {
      const [client] = resolveLifespanOptions({
        httpClients: { billing: { baseUrl: 'http://127.0.0.1:9000/api/', healthPath: '/health' } },
      }).httpClients;
      expect(client).toEqual({
        name: 'billing',
        origin: 'http://127.0.0.1:9000',
        basePath: '/api',
        healthPath: '/health',
        connections: 10,
        timeoutMs: 10000,
        required: true,
      });
    });

    it.each([
      [{ bad: { baseUrl: 'ftp://x' } }, 'lifespan.httpClients.bad.baseUrl must use http or https'],
      [
        { bad: { baseUrl: 'not a url' } },
        'lifespan.httpClients.bad.baseUrl must be an absolute http(s) URL',
      ],
      [
        { bad: { baseUrl: 'http://x', healthPath: 'health' } },
        'lifespan.httpClients.bad.healthPath must start with "/"',
      ],
      [
        { bad: { baseUrl: 'http://x', connections: 0 } },
        'lifespan.httpClients.bad.connections must be a whole number from 1 to 9007199254740991',
      ],
      [
        { 'bad name': { baseUrl: 'http://x' } },
        'lifespan.httpClients.bad name has an invalid name',
      ],
    ])('rejects %j', (httpClients, message) => {
      expect(optionError({ httpClients }).message).toContain(message);
    });
  });
});
