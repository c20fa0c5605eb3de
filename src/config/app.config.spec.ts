import { join, resolve } from 'node:path';
import { loadConfig } from './app.config';
import { ConfigError } from './config.error';

/** The ConfigError loadConfig throws for `env`; fails the test if it throws nothing else. */
function configError(env: Record<string, string>): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    it('uses the defaults DESIGN.md lists', () => {
      expect(loadConfig({})).toEqual({
        host: '127.0.0.1',
        port: 3000,
        dataDir: resolve('./data'),
        databaseUrl: join(resolve('./data'), 'app.db'),
        databaseQueryTimeoutMs: 10_000,
        databaseAcquireTimeoutMs: 3_000,
        redisUrl: undefined,
        jwtSecret: undefined,
        jwtClockToleranceSec: 30,
        jwtIssuer: 'nest-service-kit',
        jwtAudience: 'nest-service-kit',
        accessTokenTtlSec: 15 * 60,
        refreshTokenTtlSec: 14 * 86_400,
        corsOrigins: [],
        adminEmail: undefined,
        adminPassword: undefined,
        adminEmailVariable: 'ADMIN_EMAIL',
        shutdownGraceMs: 10_000,
        shutdownDelayMs: 0,
        logLevel: 'info',
        logFlushIntervalMs: 250,
        ingestSweepIntervalMs: 5_000,
        ingestSweepAfterMs: 10_000,
        ingestIdempotencyTtlMs: 86_400_000,
      });
    });

    it('returns a frozen object', () => {
      const config = loadConfig({});
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    });

    it('treats blank values as unset', () => {
      expect(loadConfig({ PORT: '  ', HOST: '', LOG_LEVEL: ' ' })).toMatchObject({
        port: 3000,
        host: '127.0.0.1',
        logLevel: 'info',
      });
    });
  });

  describe('with valid values', () => {
    it('reads every variable', () => {
      const config = loadConfig({
        HOST: '0.0.0.0',
        PORT: '0',
        DATA_DIR: '/tmp/kit-data',
        DATABASE_URL: 'postgres://app:pw@db.internal:5432/app',
        DATABASE_QUERY_TIMEOUT_MS: '1500',
        DATABASE_ACQUIRE_TIMEOUT_MS: '2s',
        REDIS_URL: 'rediss://cache:6380',
        JWT_SECRET: 'x'.repeat(32),
        JWT_CLOCK_TOLERANCE: '5s',
        JWT_ISSUER: 'iss',
        JWT_AUDIENCE: 'aud',
        ACCESS_TOKEN_TTL: '1h',
        REFRESH_TOKEN_TTL: '30d',
        CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'correct horse',
        SHUTDOWN_GRACE_MS: '2500',
        SHUTDOWN_DELAY_MS: '500',
        LOG_LEVEL: 'debug',
        LOG_FLUSH_INTERVAL_MS: '50',
        INGEST_SWEEP_INTERVAL: '0',
        INGEST_SWEEP_AFTER: '500ms',
        INGEST_IDEMPOTENCY_TTL: '7d',
      });
      expect(config).toEqual({
        host: '0.0.0.0',
        port: 0,
        dataDir: '/tmp/kit-data',
        databaseUrl: 'postgres://app:pw@db.internal:5432/app',
        databaseQueryTimeoutMs: 1500,
        databaseAcquireTimeoutMs: 2000,
        redisUrl: 'rediss://cache:6380',
        jwtSecret: 'x'.repeat(32),
        jwtClockToleranceSec: 5,
        jwtIssuer: 'iss',
        jwtAudience: 'aud',
        accessTokenTtlSec: 3600,
        refreshTokenTtlSec: 30 * 86_400,
        corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
        adminEmail: 'admin@example.com',
        adminPassword: 'correct horse',
        adminEmailVariable: 'ADMIN_EMAIL',
        shutdownGraceMs: 2500,
        shutdownDelayMs: 500,
        logLevel: 'debug',
        logFlushIntervalMs: 50,
        ingestSweepIntervalMs: 0,
        ingestSweepAfterMs: 500,
        ingestIdempotencyTtlMs: 7 * 86_400_000,
      });
    });

    it('puts the SQLite file under DATA_DIR when DATABASE_URL is unset', () => {
      expect(loadConfig({ DATA_DIR: '/srv/kit' }).databaseUrl).toBe('/srv/kit/app.db');
    });

    it('accepts sqlite: URLs and postgresql://', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl).toBe('sqlite::memory:');
      expect(loadConfig({ DATABASE_URL: 'sqlite:/var/app.db' }).databaseUrl).toBe(
        'sqlite:/var/app.db',
      );
      expect(loadConfig({ DATABASE_URL: 'postgresql://h/db' }).databaseUrl).toBe(
        'postgresql://h/db',
      );
    });

    it('reads a bare SHUTDOWN_GRACE_MS as milliseconds and a bare TTL as seconds', () => {
      expect(loadConfig({ SHUTDOWN_GRACE_MS: '0', ACCESS_TOKEN_TTL: '90' })).toMatchObject({
        shutdownGraceMs: 0,
        accessTokenTtlSec: 90,
      });
    });

    describe('with the deprecated ADMIN_USERNAME', () => {
      it('reads it as ADMIN_EMAIL and says where the email came from', () => {
        const env = { ADMIN_USERNAME: 'old@example.com', ADMIN_PASSWORD: 'pw' };
        expect(loadConfig(env)).toMatchObject({
          adminEmail: 'old@example.com',
          adminPassword: 'pw',
          adminEmailVariable: 'ADMIN_USERNAME',
        });
      });

      it('prefers ADMIN_EMAIL when both name the same admin', () => {
        const env = { ADMIN_EMAIL: 'a@example.com', ADMIN_USERNAME: 'a@example.com' };
        expect(loadConfig({ ...env, ADMIN_PASSWORD: 'pw' }).adminEmailVariable).toBe('ADMIN_EMAIL');
      });

      it('refuses two different admins, naming ADMIN_USERNAME', () => {
        const err = configError({
          ADMIN_EMAIL: 'a@example.com',
          ADMIN_USERNAME: 'b@example.com',
          ADMIN_PASSWORD: 'pw',
        });
        expect(err.variable).toBe('ADMIN_USERNAME');
        expect(err.message).toBe(
          'ADMIN_USERNAME is a deprecated alias of ADMIN_EMAIL and names another admin; unset ADMIN_USERNAME',
        );
      });

      it('names ADMIN_USERNAME when its value or its password is wrong', () => {
        expect(configError({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'pw' }).message).toBe(
          'ADMIN_USERNAME must be an email address; got "admin"',
        );
        expect(configError({ ADMIN_USERNAME: 'a@example.com' }).message).toBe(
          'ADMIN_PASSWORD must be set together with ADMIN_USERNAME',
        );
      });
    });

    it('accepts localhost and IPv6 for HOST', () => {
      expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
      expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    });
  });

  describe('with a bad value', () => {
    it.each([
      ['PORT', 'abc', /^PORT must be a port number from 0 to 65535; got "abc"$/],
      ['PORT', '70000', /^PORT must be a port number from 0 to 65535; got "70000"$/],
      ['PORT', '-1', /^PORT must be a port number/],
      ['HOST', 'not-an-ip', /^HOST must be an IP address or "localhost"; got "not-an-ip"$/],
      ['DATABASE_URL', 'mysql://x', /^DATABASE_URL must be a postgres:\/\/ URL/],
      ['DATABASE_URL', 'postgres://u:p@h:99999/db', /^DATABASE_URL must be a postgres:\/\/ URL/],
      ['DATABASE_URL', 'sqlite:', /^DATABASE_URL must be .* or sqlite:<path>$/],
      ['DATABASE_URL', 'sqlite://db.sqlite', /^DATABASE_URL must be .* or sqlite:<path>$/],
      [
        'DATABASE_QUERY_TIMEOUT_MS',
        '50',
        /^DATABASE_QUERY_TIMEOUT_MS .* between 100ms and 600000ms; got "50"$/,
      ],
      [
        'DATABASE_ACQUIRE_TIMEOUT_MS',
        'soon',
        /^DATABASE_ACQUIRE_TIMEOUT_MS must be a duration .* got "soon"$/,
      ],
      ['REDIS_URL', 'http://x', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      ['REDIS_URL', 'redis://[::1', /^REDIS_URL must be a redis:\/\/ .* got "redis:\/\/\[::1"$/],
      ['JWT_SECRET', 'too-short', /^JWT_SECRET must be at least 32 bytes/],
      ['JWT_CLOCK_TOLERANCE', '1h', /^JWT_CLOCK_TOLERANCE must be a duration .* got "1h"$/],
      ['ACCESS_TOKEN_TTL', 'forever', /^ACCESS_TOKEN_TTL must be a duration .* got "forever"$/],
      ['ACCESS_TOKEN_TTL', '0s', /^ACCESS_TOKEN_TTL must be a duration .* got "0s"$/],
      ['REFRESH_TOKEN_TTL', '2y', /^REFRESH_TOKEN_TTL must be a duration .* got "2y"$/],
      ['SHUTDOWN_GRACE_MS', '-1', /^SHUTDOWN_GRACE_MS must be a duration .* got "-1"$/],
      ['SHUTDOWN_GRACE_MS', '11m', /^SHUTDOWN_GRACE_MS .* between 0ms and 600000ms; got "11m"$/],
      ['LOG_FLUSH_INTERVAL_MS', '0', /^LOG_FLUSH_INTERVAL_MS .* between 1ms and 60000ms; got "0"$/],
      ['SHUTDOWN_DELAY_MS', '-1', /^SHUTDOWN_DELAY_MS must be a duration .* got "-1"$/],
      [
        'SHUTDOWN_DELAY_MS',
        '10s',
        /^SHUTDOWN_DELAY_MS \(10000ms\) must be shorter than SHUTDOWN_GRACE_MS \(10000ms\), which includes it/,
      ],
      ['INGEST_SWEEP_INTERVAL', '2h', /^INGEST_SWEEP_INTERVAL .* and 3600000ms; got "2h"$/],
      ['INGEST_SWEEP_AFTER', 'soon', /^INGEST_SWEEP_AFTER must be a duration .* got "soon"$/],
      ['INGEST_IDEMPOTENCY_TTL', '1s', /^INGEST_IDEMPOTENCY_TTL .* between 60000ms/],
      [
        'LOG_LEVEL',
        'loud',
        /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"$/,
      ],
      ['CORS_ORIGINS', '*', /^CORS_ORIGINS must list exact origins, not "\*"/],
      [
        'CORS_ORIGINS',
        'https://a.example.com/',
        /^CORS_ORIGINS must be a comma list of origins .* got "https:\/\/a.example.com\/"$/,
      ],
      ['CORS_ORIGINS', 'ftp://a.example.com', /^CORS_ORIGINS must be a comma list of origins/],
      ['ADMIN_EMAIL', 'not-an-email', /^ADMIN_EMAIL must be an email address; got "not-an-email"$/],
    ])('%s=%s names the variable', (variable, value, message) => {
      const env: Record<string, string> = { [variable]: value };
      if (variable === 'ADMIN_EMAIL') env.ADMIN_PASSWORD = 'pw';
      const err = configError(env);
      expect(err.variable).toBe(variable);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.name).toBe('ConfigError');
      expect(err.message).toMatch(message);
    });

    it('ADMIN_EMAIL without ADMIN_PASSWORD names ADMIN_PASSWORD', () => {
      const err = configError({ ADMIN_EMAIL: 'admin@example.com' });
      expect(err.variable).toBe('ADMIN_PASSWORD');
      expect(err.message).toBe('ADMIN_PASSWORD must be set together with ADMIN_EMAIL');
    });

    it('ADMIN_PASSWORD without ADMIN_EMAIL names ADMIN_EMAIL', () => {
      const err = configError({ ADMIN_PASSWORD: 'pw' });
      expect(err.variable).toBe('ADMIN_EMAIL');
      expect(err.message).toBe('ADMIN_EMAIL must be set together with ADMIN_PASSWORD');
    });

    it('counts JWT_SECRET in UTF-8 bytes', () => {
      // 11 three-byte characters = 33 bytes, although only 11 code units.
      expect(loadConfig({ JWT_SECRET: '€'.repeat(11) }).jwtSecret).toBe('€'.repeat(11));
      expect(configError({ JWT_SECRET: 'x'.repeat(31) }).variable).toBe('JWT_SECRET');
    });

    it('never echoes a DATABASE_URL, which may hold a password', () => {
      const err = configError({ DATABASE_URL: 'mysql://root:hunter2@db/app' });
      expect(err.message).not.toContain('hunter2');
    });
  });
});
