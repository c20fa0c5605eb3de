import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type AuthUser, findActiveUser, USER_RESOLVER, type UserResolver } from '@kit/auth';
import { RealtimeConfigError } from './realtime.errors';

/**
 * The service's `UserResolver` (`USER_RESOLVER`), looked up once at init across the whole module
 * graph (non-strictly), so `AuthModule` need be neither global nor imported by `RealtimeModule`.
 */
@Injectable()
export class UserLookup implements OnModuleInit {
  private resolver: UserResolver | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    try {
      this.resolver = this.moduleRef.get<UserResolver>(USER_RESOLVER, { strict: false });
    } catch (cause) {
      throw Object.assign(
        new RealtimeConfigError(
          'RealtimeModule',
          'needs a UserResolver: import AuthModule.forRoot({ userResolver }) in the same application',
        ),
        { cause },
      );
    }
  }

  /** The user if it exists and is active, else null. */
  findActive(id: string): Promise<AuthUser | null> {
    return findActiveUser(this.resolver as UserResolver, id);
  }
}
