import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AccessTokenVerifier, USER_RESOLVER } from '@kit/auth';
import { InProcessBroker } from './in-process.broker';
import { ApplicationConfig } from '@nestjs/core';
import { RoomsWsAdapter } from './gateway/rooms-ws.adapter';
import { REALTIME_BROKER } from './realtime.constants';
import { RealtimeConfigError } from './realtime.errors';
import { RESOLVED_REALTIME_OPTIONS } from './realtime.internal-constants';
import { RealtimeModule } from './realtime.module';
import type { RealtimeModuleOptions, ResolvedRealtimeOptions } from './realtime-options.interface';
import { RedisBroker } from './redis.broker';

/** Stands in for AuthModule: the realtime module only needs these two to be resolvable. */
@Global()
@Module({
  providers: [
    { provide: AccessTokenVerifier, useValue: {} },
    { provide: USER_RESOLVER, useValue: { findById: () => Promise.resolve(null) } },
  ],
  exports: [AccessTokenVerifier, USER_RESOLVER],
})
class AuthStandIn {}

@Global()
@Module({
  providers: [{ provide: AccessTokenVerifier, useValue: {} }],
  exports: [AccessTokenVerifier],
})
class VerifierOnly {}

const OPTIONS: RealtimeModuleOptions = {
  allowedOrigins: ['https://app.example.com'],
  maxRooms: 5,
  rateLimit: { messagesPerSecond: 3 },
};

async function compiled(module: ReturnType<typeof RealtimeModule.forRoot>) {
  const ref = await Test.createTestingModule({ imports: [AuthStandIn, module] }).compile();
  const result = {
    options: ref.get<ResolvedRealtimeOptions>(RESOLVED_REALTIME_OPTIONS),
    broker: ref.get<unknown>(REALTIME_BROKER),
    ioAdapter: ref.get(ApplicationConfig).getIoAdapter(),
  };
  await ref.close();
  return result;
}

describe('RealtimeModule', () => {
  it('resolves the same options from forRoot and forRootAsync', async () => {
    const sync = await compiled(RealtimeModule.forRoot(OPTIONS));
    const async = await compiled(
      RealtimeModule.forRootAsync({ useFactory: () => Promise.resolve(OPTIONS) }),
    );
    expect(async.options).toEqual(sync.options);
    expect(sync.options.rateLimit).toEqual({ messagesPerSecond: 3, burst: 40 });
  });

  it('uses the in-process broker by default', async () => {
    const { broker } = await compiled(RealtimeModule.forRoot({}));
    expect(broker).toBeInstanceOf(InProcessBroker);
  });

  it("installs the kit's WebSocket adapter as the app's, without a useWebSocketAdapter() call", async () => {
    const { ioAdapter } = await compiled(RealtimeModule.forRoot({}));
    expect(ioAdapter).toBeInstanceOf(RoomsWsAdapter);
  });

  it('selects the Redis broker when redisUrl is set', async () => {
    const { broker } = await compiled(RealtimeModule.forRoot({ redisUrl: 'redis://127.0.0.1:1' }));
    expect(broker).toBeInstanceOf(RedisBroker);
    expect((broker as RedisBroker).target).toBe('redis://127.0.0.1:1');
    await (broker as RedisBroker).close();
  });

  it('is global unless isGlobal is false', () => {
    expect(RealtimeModule.forRoot({}).global).toBe(true);
    expect(RealtimeModule.forRoot({ isGlobal: false }).global).toBe(false);
  });

  it('fails to compile with bad options', async () => {
    const compile = Test.createTestingModule({
      imports: [
        AuthStandIn,
        RealtimeModule.forRootAsync({ useFactory: () => ({ maxConnections: 0 }) }),
      ],
    }).compile();
    await expect(compile).rejects.toMatchObject({
      code: 'REALTIME_INVALID_OPTION',
      message: 'realtime.maxConnections must be a whole number from 1 to 1000000; got 0',
    });
  });

  it('names the fix when no UserResolver is provided', async () => {
    const ref = await Test.createTestingModule({
      imports: [VerifierOnly, RealtimeModule.forRoot({})],
    }).compile();
    const init = ref.init();
    await expect(init).rejects.toBeInstanceOf(RealtimeConfigError);
    await expect(init).rejects.toThrow(
      'RealtimeModule needs a UserResolver: import AuthModule.forRoot({ userResolver }) in the same application',
    );
    await ref.close();
  });
});
