import { ResourceRegistry, RedisResource } from '@kit/lifespan';
import { resolveLifespanOptions } from '@kit/lifespan/internal';
import { OwnRedisServer, timed } from '@kit/testing';

// @kit/lifespan's Redis resource against a redis-server this suite owns and freezes (SIGSTOP)
// or kills: its readiness check and its close() end within `commandTimeoutMs` instead of
// waiting for a server that does not answer.

const COMMAND_TIMEOUT_MS = 300;
/** Room above the deadline for a busy machine, well under the 5 s connect timeout. */
const SLACK_MS = 1_500;

describe('RedisResource deadlines (own redis-server)', () => {
  let server: OwnRedisServer | undefined;
  let redis: RedisResource | undefined;

  beforeEach(async () => {
    server = await OwnRedisServer.start();
    const options = resolveLifespanOptions({
      redis: { url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS },
    });
    redis = new RedisResource(options.redis!, new ResourceRegistry(options));
    await redis.open();
  }, 20_000);

  afterEach(async () => {
    server?.thaw();
    await redis?.close();
    await server?.stop();
    server = redis = undefined;
  }, 20_000);

  it('fails a readiness check with REDIS_TIMEOUT when the server stops answering', async () => {
    await redis!.check();
    server!.freeze();
    const { ms, error } = await timed(redis!.check());
    expect(error).toMatchObject({
      code: 'REDIS_TIMEOUT',
      message: `redis did not answer PING within ${COMMAND_TIMEOUT_MS} ms`,
    });
    expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
  }, 10_000);

  it('closes within commandTimeoutMs when QUIT goes unanswered', async () => {
    server!.freeze();
    const { ms, error } = await timed(redis!.close());
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
    expect(redis!.client.status).toBe('end');
  }, 10_000);

  it('closes at once while the server is down and the client keeps reconnecting', async () => {
    await server!.stop();
    const { ms, error } = await timed(redis!.close());
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(SLACK_MS);
    // ioredis leaves the status at "reconnecting" here; what matters is that it stops trying.
    expect(redis!.client.status).not.toBe('ready');
  }, 10_000);
});
