import { Injectable, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HttpKitModule } from '@kit/http';
import { LifespanModule } from '@kit/lifespan';
import { AuthConfigError } from './auth.errors';
import type { AuthUser, UserResolver } from './auth.interfaces';
import { RESOLVED_AUTH_OPTIONS } from './auth.internal-constants';
import { AuthModule } from './auth.module';
import type { AuthModuleOptions, ResolvedAuthOptions } from './options/auth-options.interface';
import { AccessTokenVerifier } from './tokens/access-token.verifier';
import { TokenService } from './tokens/token.service';

/** A resolver with one user, for the module to inject. */
@Injectable()
class OneUserResolver implements UserResolver {
  private readonly user: AuthUser = { id: 'u-1', roles: ['user'], active: true };
  findById(id: string): Promise<AuthUser | null> {
    return Promise.resolve(id === this.user.id ? this.user : null);
  }
  findByUsername(): Promise<null> {
    return Promise.resolve(null);
  }
}

const OPTIONS: AuthModuleOptions = {
  jwt: {
    secret: 'module-spec-secret-0123456789-abcdef',
    issuer: 'spec-issuer',
    audience: 'spec-audience',
    clockToleranceSec: 5,
    accessTokenTtlSec: 60,
  },
  throttle: { maxFailuresPerUsername: 3 },
  scryptCost: 1_024,
};

const provides = (m: DynamicModule) =>
  (m.providers ?? []).map((p) => (typeof p === 'object' && 'provide' in p ? p.provide : p));

async function compile(auth: DynamicModule) {
  return Test.createTestingModule({
    imports: [HttpKitModule.forRoot({}), LifespanModule.forRoot({}), auth],
  }).compile();
}

describe('AuthModule', () => {
  it('resolves the same options from forRoot and forRootAsync', async () => {
    const sync = await compile(AuthModule.forRoot({ ...OPTIONS, userResolver: OneUserResolver }));
    const async = await compile(
      AuthModule.forRootAsync({
        userResolver: OneUserResolver,
        useFactory: () => Promise.resolve(OPTIONS),
      }),
    );
    const a = sync.get<ResolvedAuthOptions>(RESOLVED_AUTH_OPTIONS);
    const b = async.get<ResolvedAuthOptions>(RESOLVED_AUTH_OPTIONS);
    expect(b).toEqual(a);
    expect(a.jwt).toMatchObject({ issuer: 'spec-issuer', accessTokenTtlSec: 60 });
    expect(a.throttle.maxFailuresPerUsername).toBe(3);
    await Promise.all([sync.close(), async.close()]);
  });

  it('signs with one module and verifies with the same key (one verification service)', async () => {
    const ref = await compile(AuthModule.forRoot({ ...OPTIONS, userResolver: OneUserResolver }));
    const token = await ref.get(TokenService).signAccessToken({ id: 'u-1', roles: ['user'] });
    const claims = await ref.get(AccessTokenVerifier).verify(token);
    expect(claims).toMatchObject({ sub: 'u-1', roles: ['user'], iss: 'spec-issuer' });
    await ref.close();
  });

  it('installs the guard globally by default, and not with globalGuard: false', () => {
    const guarded = AuthModule.forRoot({ ...OPTIONS, userResolver: OneUserResolver });
    const open = AuthModule.forRoot({
      ...OPTIONS,
      userResolver: OneUserResolver,
      globalGuard: false,
    });
    expect(provides(guarded)).toContain(APP_GUARD);
    expect(provides(open)).not.toContain(APP_GUARD);
    expect(guarded.global).toBe(true);
  });

  it.each([
    [
      'forRoot',
      () =>
        AuthModule.forRoot({
          jwt: { ...OPTIONS.jwt, secret: 'short' },
          userResolver: OneUserResolver,
        }),
    ],
    [
      'forRootAsync',
      () =>
        AuthModule.forRootAsync({
          userResolver: OneUserResolver,
          useFactory: () => ({ jwt: { ...OPTIONS.jwt, secret: 'short' } }),
        }),
    ],
  ])('fails to compile with a bad option through %s, naming it', async (_n, make) => {
    const error = await compile(make()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).option).toBe('auth.jwt.secret');
  });

  it('needs a user resolver', () => {
    expect(() => AuthModule.forRoot(OPTIONS)).toThrow(/auth\.userResolver is required/);
    expect(() => AuthModule.forRoot(OPTIONS)).toThrow(
      expect.objectContaining({ code: 'AUTH_INVALID_OPTION', option: 'auth.userResolver' }),
    );
  });
});
