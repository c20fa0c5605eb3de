import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isExactOrigin, LOG_LEVELS, redisUrlOption, type LogLevel } from '@kit/http';
import { ConfigError } from './config.error';
import { parseDuration } from './duration';

/** The reference service's configuration, read once from the environment at boot. */
export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://…`, or the SQLite file under `dataDir` when `DATABASE_URL` is unset. */
  readonly databaseUrl: string;
  /** Milliseconds one PostgreSQL query may run before the request answers 503. */
  readonly databaseQueryTimeoutMs: number;
  /** Milliseconds a request waits for a pooled PostgreSQL connection before it answers 503. */
  readonly databaseAcquireTimeoutMs: number;
  readonly redisUrl: string | undefined;
  readonly jwtSecret: string | undefined;
  readonly jwtClockToleranceSec: number;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
  readonly corsOrigins: readonly string[];
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  /**
   * The variable `adminEmail` came from: `ADMIN_USERNAME` is a deprecated alias of `ADMIN_EMAIL`
   * (the name generated services used), read only when `ADMIN_EMAIL` is unset and warned about
   * at boot. @default 'ADMIN_EMAIL'
   */
  readonly adminEmailVariable: AdminEmailVariable;
  readonly shutdownGraceMs: number;
  /** Pre-stop delay: readiness answers 503 while requests are still served. */
  readonly shutdownDelayMs: number;
  readonly logLevel: LogLevel;
  /** How often buffered log lines are written out; what a SIGKILL can lose. */
  readonly logFlushIntervalMs: number;
  /** `INGEST_SWEEP_INTERVAL`: how often stored batches without a job are enqueued; 0 = never. */
  readonly ingestSweepIntervalMs: number;
  /** `INGEST_SWEEP_AFTER`: age after which the sweeper enqueues a batch the relay did not. */
  readonly ingestSweepAfterMs: number;
  /** `INGEST_IDEMPOTENCY_TTL`: how long an Idempotency-Key's first answer is replayed. */
  readonly ingestIdempotencyTtlMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export type AdminEmailVariable = 'ADMIN_EMAIL' | 'ADMIN_USERNAME';

/** Reads and validates the environment; a bad value throws a `ConfigError` naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const dataDir = resolve(read('DATA_DIR') ?? './data');
  const adminEmailVariable = adminVariable(read('ADMIN_EMAIL'), read('ADMIN_USERNAME'));
  const { adminEmail, adminPassword } = admin(
    adminEmailVariable,
    read(adminEmailVariable),
    env.ADMIN_PASSWORD || undefined,
  );
  return Object.freeze({
    host: host(read('HOST') ?? '127.0.0.1'),
    port: port(read('PORT') ?? '3000'),
    dataDir,
    databaseUrl: databaseUrl(read('DATABASE_URL'), dataDir),
    databaseQueryTimeoutMs: duration(
      'DATABASE_QUERY_TIMEOUT_MS',
      read('DATABASE_QUERY_TIMEOUT_MS') ?? '10000ms',
      100,
      600_000,
      'ms',
    ),
    databaseAcquireTimeoutMs: duration(
      'DATABASE_ACQUIRE_TIMEOUT_MS',
      read('DATABASE_ACQUIRE_TIMEOUT_MS') ?? '3000ms',
      100,
      600_000,
      'ms',
    ),
    redisUrl: redisUrl(read('REDIS_URL')),
    jwtSecret: jwtSecret(env.JWT_SECRET || undefined),
    jwtClockToleranceSec:
      duration('JWT_CLOCK_TOLERANCE', read('JWT_CLOCK_TOLERANCE') ?? '30s', 0, 300_000) / 1000,
    jwtIssuer: read('JWT_ISSUER') ?? 'nest-service-kit',
    jwtAudience: read('JWT_AUDIENCE') ?? 'nest-service-kit',
    accessTokenTtlSec:
      duration('ACCESS_TOKEN_TTL', read('ACCESS_TOKEN_TTL') ?? '15m', 1_000, 86_400_000) / 1000,
    refreshTokenTtlSec:
      duration('REFRESH_TOKEN_TTL', read('REFRESH_TOKEN_TTL') ?? '14d', 60_000, 365 * 86_400_000) /
      1000,
    corsOrigins: corsOrigins(read('CORS_ORIGINS') ?? ''),
    adminEmail,
    adminPassword,
    adminEmailVariable,
    shutdownGraceMs: duration(
      'SHUTDOWN_GRACE_MS',
      read('SHUTDOWN_GRACE_MS') ?? '10000ms',
      0,
      600_000,
      'ms',
    ),
    shutdownDelayMs: shutdownDelay(read('SHUTDOWN_DELAY_MS'), read('SHUTDOWN_GRACE_MS')),
    logLevel: logLevel(read('LOG_LEVEL') ?? 'info'),
    logFlushIntervalMs: duration(
      'LOG_FLUSH_INTERVAL_MS',
      read('LOG_FLUSH_INTERVAL_MS') ?? '250ms',
      1,
      60_000,
      'ms',
    ),
    ingestSweepIntervalMs: duration(
      'INGEST_SWEEP_INTERVAL',
      read('INGEST_SWEEP_INTERVAL') ?? '5s',
      0,
      3_600_000,
    ),
    ingestSweepAfterMs: duration(
      'INGEST_SWEEP_AFTER',
      read('INGEST_SWEEP_AFTER') ?? '10s',
      0,
      86_400_000,
    ),
    ingestIdempotencyTtlMs: duration(
      'INGEST_IDEMPOTENCY_TTL',
      read('INGEST_IDEMPOTENCY_TTL') ?? '24h',
      60_000,
      30 * 86_400_000,
    ),
  });
}

/** `SHUTDOWN_DELAY_MS` counts inside the grace, so it must leave time for the rest. */
function shutdownDelay(value: string | undefined, grace: string | undefined): number {
  const ms = duration('SHUTDOWN_DELAY_MS', value ?? '0ms', 0, 600_000, 'ms');
  const graceMs = duration('SHUTDOWN_GRACE_MS', grace ?? '10000ms', 0, 600_000, 'ms');
  if (ms > 0 && ms >= graceMs) {
    throw new ConfigError(
      'SHUTDOWN_DELAY_MS',
      `(${ms}ms) must be shorter than SHUTDOWN_GRACE_MS (${graceMs}ms), which includes it; raise the grace or shorten the delay`,
    );
  }
  return ms;
}

/** `ADMIN_EMAIL` unless only the deprecated `ADMIN_USERNAME` is set; both set must agree. */
function adminVariable(
  email: string | undefined,
  username: string | undefined,
): AdminEmailVariable {
  if (username === undefined) return 'ADMIN_EMAIL';
  if (email === undefined) return 'ADMIN_USERNAME';
  if (email === username) return 'ADMIN_EMAIL';
  throw new ConfigError(
    'ADMIN_USERNAME',
    'is a deprecated alias of ADMIN_EMAIL and names another admin; unset ADMIN_USERNAME',
  );
}

function admin(
  variable: AdminEmailVariable,
  email: string | undefined,
  password: string | undefined,
): { adminEmail: string | undefined; adminPassword: string | undefined } {
  if ((email === undefined) !== (password === undefined)) {
    const [missing, given] = email ? ['ADMIN_PASSWORD', variable] : [variable, 'ADMIN_PASSWORD'];
    throw new ConfigError(missing, `must be set together with ${given}`);
  }
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new ConfigError(variable, `must be an email address; got "${email}"`);
  }
  return { adminEmail: email, adminPassword: password };
}

function jwtSecret(value: string | undefined): string | undefined {
  if (value !== undefined && Buffer.byteLength(value, 'utf8') < 32) {
    throw new ConfigError(
      'JWT_SECRET',
      'must be at least 32 bytes (it is the HS256 key); unset it to use a generated key',
    );
  }
  return value;
}

function host(value: string): string {
  if (value === 'localhost' || isIP(value) !== 0) return value;
  throw new ConfigError('HOST', `must be an IP address or "localhost"; got "${value}"`);
}

function port(value: string): number {
  const n = Number(value);
  if (/^\d{1,5}$/.test(value) && n >= 0 && n <= 65_535) return n;
  throw new ConfigError('PORT', `must be a port number from 0 to 65535; got "${value}"`);
}

function duration(
  name: string,
  value: string,
  min: number,
  max: number,
  bareUnit: 's' | 'ms' = 's',
): number {
  const ms = parseDuration(/^\d+$/.test(value) ? value + bareUnit : value);
  if (ms === undefined || ms < min || ms > max) {
    throw new ConfigError(
      name,
      `must be a duration like 30s, 15m or 14d (a bare number counts ${bareUnit === 's' ? 'seconds' : 'milliseconds'}) between ${min}ms and ${max}ms; got "${value}"`,
    );
  }
  return ms;
}

function databaseUrl(value: string | undefined, dataDir: string): string {
  if (value === undefined) return join(dataDir, 'app.db');
  if (/^postgres(ql)?:\/\/[^/]/i.test(value) && URL.canParse(value)) return value;
  // `sqlite:<path>` or `sqlite::memory:`; not `sqlite://…`, which reads as a host.
  if (/^sqlite:(?!\/\/)./i.test(value)) return value;
  throw new ConfigError(
    'DATABASE_URL',
    'must be a postgres:// URL (e.g. postgres://user:pass@127.0.0.1:5432/db) or sqlite:<path>',
  );
}

function corsOrigins(value: string): readonly string[] {
  const origins = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') {
      throw new ConfigError(
        'CORS_ORIGINS',
        'must list exact origins, not "*": the service answers CORS with credentials',
      );
    }
    if (!isExactOrigin(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be a comma list of origins like https://app.example.com (scheme://host[:port], no path or trailing slash); got "${origin}"`,
      );
    }
  }
  return Object.freeze(origins);
}

function redisUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return redisUrlOption(
    (variable, problem) => new ConfigError(variable, problem),
    'REDIS_URL',
    value,
  );
}

function logLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got "${value}"`);
}
