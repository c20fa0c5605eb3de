import { RealtimeConfigError } from './realtime.errors';
import { resolveRealtimeOptions } from './realtime-options.factory';
import type { RealtimeModuleOptions } from './realtime-options.interface';

function failure(raw: RealtimeModuleOptions): unknown {
  try {
    resolveRealtimeOptions(raw);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('resolveRealtimeOptions', () => {
  it('has finite defaults for every limit and no Redis', () => {
    expect(resolveRealtimeOptions()).toEqual({
      anyOrigin: false,
      allowedOrigins: new Set(),
      broker: undefined,
      redis: {
        keyPrefix: 'kit:realtime',
        presenceHeartbeatMs: 5_000,
        presenceTtlMs: 15_000,
        required: true,
      },
      maxPayloadBytes: 65_536,
      maxJsonDepth: 64,
      sendBufferCapBytes: 1_048_576,
      rateLimit: { messagesPerSecond: 20, burst: 40 },
      presence: { batchAbove: 100, intervalMs: 1_000, maxUsersPerFrame: 20 },
      maxViolations: 20,
      maxConnections: 10_000,
      maxRooms: 1_000,
      pingIntervalMs: 30_000,
      userRecheckIntervalMs: 30_000,
      handshakeTimeoutMs: 10_000,
      closeTimeoutMs: 5_000,
    });
  });

  it('keeps the broker kind and the Redis broker settings given', () => {
    const resolved = resolveRealtimeOptions({
      broker: 'redis',
      redis: { keyPrefix: 'app:rt', presenceHeartbeatMs: 100, presenceTtlMs: 200, required: false },
    });
    expect(resolved.broker).toBe('redis');
    expect(resolved.redis).toEqual({
      keyPrefix: 'app:rt',
      presenceHeartbeatMs: 100,
      presenceTtlMs: 200,
      required: false,
    });
  });

  it('keeps exact origins, or any origin with "*"', () => {
    const exact = resolveRealtimeOptions({
      allowedOrigins: ['https://a.example.com', 'http://localhost:5173'],
    });
    expect(exact.allowedOrigins).toEqual(
      new Set(['https://a.example.com', 'http://localhost:5173']),
    );
    expect(exact.anyOrigin).toBe(false);
    expect(resolveRealtimeOptions({ allowedOrigins: ['*'] }).anyOrigin).toBe(true);
  });

  it('takes presence settings, 0 batching every room and listing no user', () => {
    expect(
      resolveRealtimeOptions({ presence: { batchAbove: 0, maxUsersPerFrame: 0 } }).presence,
    ).toEqual({ batchAbove: 0, intervalMs: 1_000, maxUsersPerFrame: 0 });
  });

  it('ignores undefined members (as forRootAsync factories produce them)', () => {
    expect(
      resolveRealtimeOptions({
        maxRooms: undefined,
        rateLimit: { burst: undefined },
        presence: { intervalMs: undefined },
      }),
    ).toEqual(resolveRealtimeOptions());
  });

  describe('refuses, naming the option', () => {
    it.each<[string, RealtimeModuleOptions, string]>([
      [
        'a tiny payload limit',
        { maxPayloadBytes: 10 },
        'realtime.maxPayloadBytes must be a whole number from 1024 to 16777216; got 10',
      ],
      [
        'an infinite payload limit',
        { maxPayloadBytes: Infinity },
        'realtime.maxPayloadBytes must be a whole number from 1024 to 16777216; got Infinity',
      ],
      [
        'a zero JSON depth',
        { maxJsonDepth: 0 },
        'realtime.maxJsonDepth must be a whole number from 1 to 1000; got 0',
      ],
      [
        'an unbounded JSON depth',
        { maxJsonDepth: Infinity },
        'realtime.maxJsonDepth must be a whole number from 1 to 1000; got Infinity',
      ],
      [
        'a send buffer smaller than two messages',
        { maxPayloadBytes: 65_536, sendBufferCapBytes: 100_000 },
        'realtime.sendBufferCapBytes (100000) must be at least twice realtime.maxPayloadBytes (65536) so one full-size message always fits; raise it or lower maxPayloadBytes',
      ],
      [
        'a zero rate',
        { rateLimit: { messagesPerSecond: 0 } },
        'realtime.rateLimit.messagesPerSecond must be a whole number from 1 to 100000; got 0',
      ],
      [
        'a fractional burst',
        { rateLimit: { burst: 1.5 } },
        'realtime.rateLimit.burst must be a whole number from 1 to 100000; got 1.5',
      ],
      [
        'a negative presence threshold',
        { presence: { batchAbove: -1 } },
        'realtime.presence.batchAbove must be a whole number from 0 to 1000000; got -1',
      ],
      [
        'a zero presence interval',
        { presence: { intervalMs: 0 } },
        'realtime.presence.intervalMs must be a whole number from 10 to 60000; got 0',
      ],
      [
        'an unbounded presence interval',
        { presence: { intervalMs: Infinity } },
        'realtime.presence.intervalMs must be a whole number from 10 to 60000; got Infinity',
      ],
      [
        'too many users per presence batch',
        { presence: { maxUsersPerFrame: 10_001 } },
        'realtime.presence.maxUsersPerFrame must be a whole number from 0 to 10000; got 10001',
      ],
      [
        'no violations allowed',
        { maxViolations: 0 },
        'realtime.maxViolations must be a whole number from 1 to 10000; got 0',
      ],
      [
        'a negative connection cap',
        { maxConnections: -1 },
        'realtime.maxConnections must be a whole number from 1 to 1000000; got -1',
      ],
      [
        'an unbounded room count',
        { maxRooms: Number.MAX_SAFE_INTEGER },
        `realtime.maxRooms must be a whole number from 1 to 1000000; got ${Number.MAX_SAFE_INTEGER}`,
      ],
      [
        'a NaN ping interval',
        { pingIntervalMs: Number.NaN },
        'realtime.pingIntervalMs must be a whole number from 10 to 86400000; got NaN',
      ],
      [
        'a zero re-check interval',
        { userRecheckIntervalMs: 0 },
        'realtime.userRecheckIntervalMs must be a whole number from 10 to 86400000; got 0',
      ],
      [
        'a zero handshake timeout',
        { handshakeTimeoutMs: 0 },
        'realtime.handshakeTimeoutMs must be a whole number from 10 to 600000; got 0',
      ],
      [
        'a huge close timeout',
        { closeTimeoutMs: 10_000_000 },
        'realtime.closeTimeoutMs must be a whole number from 10 to 600000; got 10000000',
      ],
      [
        '"*" among origins',
        { allowedOrigins: ['*', 'https://a.example.com'] },
        'realtime.allowedOrigins mixes "*" with exact origins; use one or the other',
      ],
      [
        'an origin with a path',
        { allowedOrigins: ['https://a.example.com/app'] },
        'realtime.allowedOrigins[0] must be an origin like https://app.example.com (scheme://host[:port], no path); got "https://a.example.com/app"',
      ],
      [
        'the redisUrl of earlier versions',
        { redisUrl: 'redis://127.0.0.1:6379' } as RealtimeModuleOptions,
        'realtime.redisUrl is no longer an option: configure Redis once, in LifespanModule.forRoot({ redis: { url } }), and rooms fan out through it',
      ],
      [
        'an unknown broker',
        { broker: 'kafka' as 'redis' },
        'realtime.broker must be "redis" or "in-process"; got "kafka"',
      ],
      [
        'a broker "required" that is not a boolean',
        { redis: { required: 'yes' as unknown as boolean } },
        'realtime.redis.required must be true or false; got yes',
      ],
      [
        'a key prefix with spaces',
        { redis: { keyPrefix: 'my app' } },
        'realtime.redis.keyPrefix must be 1 to 64 characters among A-Z, a-z, 0-9, ":", ".", "_" and "-"; got "my app"',
      ],
      [
        'a presence TTL shorter than two heartbeats',
        { redis: { presenceHeartbeatMs: 1_000, presenceTtlMs: 1_500 } },
        'realtime.redis.presenceTtlMs (1500) must be at least twice realtime.redis.presenceHeartbeatMs (1000), or live members would expire between refreshes',
      ],
      [
        'a zero heartbeat',
        { redis: { presenceHeartbeatMs: 0 } },
        'realtime.redis.presenceHeartbeatMs must be a whole number from 10 to 86400000; got 0',
      ],
    ])('%s', (_name, raw, message) => {
      const err = failure(raw);
      expect(err).toBeInstanceOf(RealtimeConfigError);
      expect(err).toMatchObject({ message, code: 'REALTIME_INVALID_OPTION' });
    });
  });
});
