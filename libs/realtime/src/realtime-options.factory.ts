import { intOption, type OptionErrorFactory } from '@kit/http';
import { DEFAULT_MAX_JSON_DEPTH } from '@kit/http/internal';
import { RealtimeConfigError } from './realtime.errors';
import type {
  RealtimeBrokerKind,
  RealtimeModuleOptions,
  RedisBrokerOptions,
  ResolvedRealtimeOptions,
  ResolvedRedisBrokerOptions,
} from './realtime-options.interface';

const DEFAULTS = Object.freeze({
  maxPayloadBytes: 65_536,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  sendBufferCapBytes: 1_048_576,
  maxViolations: 20,
  maxConnections: 10_000,
  maxRooms: 1_000,
  pingIntervalMs: 30_000,
  userRecheckIntervalMs: 30_000,
  handshakeTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
});

const RATE_DEFAULTS = Object.freeze({ messagesPerSecond: 20, burst: 40 });

const PRESENCE_DEFAULTS = Object.freeze({
  batchAbove: 100,
  intervalMs: 1_000,
  maxUsersPerFrame: 20,
});

const REDIS_DEFAULTS = Object.freeze({
  keyPrefix: 'kit:realtime',
  presenceHeartbeatMs: 5_000,
  presenceTtlMs: 15_000,
  required: true,
});

const DAY_MS = 86_400_000;
const KEY_PREFIX = /^[A-Za-z0-9:._-]{1,64}$/;

const configError: OptionErrorFactory = (option, problem) =>
  new RealtimeConfigError(option, problem);

function int(option: string, value: number, min: number, max: number): number {
  return intOption(configError, option, value, min, max);
}

function bool(option: string, value: boolean): boolean {
  if (typeof value === 'boolean') return value;
  throw new RealtimeConfigError(option, `must be true or false; got ${String(value)}`);
}

function defined<T extends object>(raw: T): Partial<T> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Resolves and validates the options of `RealtimeModule`; the only reader of raw options. */
export function resolveRealtimeOptions(raw: RealtimeModuleOptions = {}): ResolvedRealtimeOptions {
  const o = { ...DEFAULTS, ...defined(raw) };
  const maxPayloadBytes = int('realtime.maxPayloadBytes', o.maxPayloadBytes, 1_024, 16_777_216);
  const sendBufferCapBytes = int(
    'realtime.sendBufferCapBytes',
    o.sendBufferCapBytes,
    1_024,
    268_435_456,
  );
  if (sendBufferCapBytes < 2 * maxPayloadBytes) {
    throw new RealtimeConfigError(
      'realtime.sendBufferCapBytes',
      `(${sendBufferCapBytes}) must be at least twice realtime.maxPayloadBytes (${maxPayloadBytes}) so one full-size message always fits; raise it or lower maxPayloadBytes`,
    );
  }
  const rate = { ...RATE_DEFAULTS, ...defined(raw.rateLimit ?? {}) };
  const presence = { ...PRESENCE_DEFAULTS, ...defined(raw.presence ?? {}) };
  return Object.freeze({
    ...origins(raw.allowedOrigins ?? []),
    broker: broker(raw),
    redis: resolveRedis(raw.redis ?? {}),
    maxPayloadBytes,
    maxJsonDepth: int('realtime.maxJsonDepth', o.maxJsonDepth, 1, 1_000),
    sendBufferCapBytes,
    rateLimit: Object.freeze({
      messagesPerSecond: int(
        'realtime.rateLimit.messagesPerSecond',
        rate.messagesPerSecond,
        1,
        100_000,
      ),
      burst: int('realtime.rateLimit.burst', rate.burst, 1, 100_000),
    }),
    presence: Object.freeze({
      batchAbove: int('realtime.presence.batchAbove', presence.batchAbove, 0, 1_000_000),
      intervalMs: int('realtime.presence.intervalMs', presence.intervalMs, 10, 60_000),
      maxUsersPerFrame: int(
        'realtime.presence.maxUsersPerFrame',
        presence.maxUsersPerFrame,
        0,
        10_000,
      ),
    }),
    maxViolations: int('realtime.maxViolations', o.maxViolations, 1, 10_000),
    maxConnections: int('realtime.maxConnections', o.maxConnections, 1, 1_000_000),
    maxRooms: int('realtime.maxRooms', o.maxRooms, 1, 1_000_000),
    pingIntervalMs: int('realtime.pingIntervalMs', o.pingIntervalMs, 10, DAY_MS),
    userRecheckIntervalMs: int(
      'realtime.userRecheckIntervalMs',
      o.userRecheckIntervalMs,
      10,
      DAY_MS,
    ),
    handshakeTimeoutMs: int('realtime.handshakeTimeoutMs', o.handshakeTimeoutMs, 10, 600_000),
    closeTimeoutMs: int('realtime.closeTimeoutMs', o.closeTimeoutMs, 10, 600_000),
  });
}

function origins(list: readonly string[]): {
  anyOrigin: boolean;
  allowedOrigins: ReadonlySet<string>;
} {
  if (!Array.isArray(list)) {
    throw new RealtimeConfigError('realtime.allowedOrigins', 'must be an array of origins');
  }
  if (list.includes('*')) {
    if (list.length > 1) {
      throw new RealtimeConfigError(
        'realtime.allowedOrigins',
        'mixes "*" with exact origins; use one or the other',
      );
    }
    return { anyOrigin: true, allowedOrigins: new Set() };
  }
  list.forEach((origin, i) => {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || url.origin !== origin) {
      throw new RealtimeConfigError(
        `realtime.allowedOrigins[${i}]`,
        `must be an origin like https://app.example.com (scheme://host[:port], no path); got "${origin}"`,
      );
    }
  });
  return { anyOrigin: false, allowedOrigins: new Set(list) };
}

function broker(raw: RealtimeModuleOptions): RealtimeBrokerKind | undefined {
  if ('redisUrl' in raw) {
    throw new RealtimeConfigError(
      'realtime.redisUrl',
      'is no longer an option: configure Redis once, in LifespanModule.forRoot({ redis: { url } }), and rooms fan out through it',
    );
  }
  if (raw.broker === undefined || raw.broker === 'redis' || raw.broker === 'in-process') {
    return raw.broker;
  }
  throw new RealtimeConfigError(
    'realtime.broker',
    `must be "redis" or "in-process"; got ${JSON.stringify(raw.broker)}`,
  );
}

function resolveRedis(raw: RedisBrokerOptions): ResolvedRedisBrokerOptions {
  const o = { ...REDIS_DEFAULTS, ...defined(raw) };
  if (!KEY_PREFIX.test(o.keyPrefix)) {
    throw new RealtimeConfigError(
      'realtime.redis.keyPrefix',
      `must be 1 to 64 characters among A-Z, a-z, 0-9, ":", ".", "_" and "-"; got "${o.keyPrefix}"`,
    );
  }
  const heartbeat = int('realtime.redis.presenceHeartbeatMs', o.presenceHeartbeatMs, 10, DAY_MS);
  const ttl = int('realtime.redis.presenceTtlMs', o.presenceTtlMs, 20, DAY_MS);
  if (ttl < 2 * heartbeat) {
    throw new RealtimeConfigError(
      'realtime.redis.presenceTtlMs',
      `(${ttl}) must be at least twice realtime.redis.presenceHeartbeatMs (${heartbeat}), or live members would expire between refreshes`,
    );
  }
  return Object.freeze({
    keyPrefix: o.keyPrefix,
    presenceHeartbeatMs: heartbeat,
    presenceTtlMs: ttl,
    required: bool('realtime.redis.required', o.required),
  });
}
