import { Injectable } from '@nestjs/common';
import type { UserResolver } from '@kit/auth';
import type { AppUser, UserView } from './user.view';
import { UsersRepository } from './users.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tells `@kit/auth` who a token's subject or a login's username is. */
@Injectable()
export class UsersAuthResolver implements UserResolver {
  constructor(private readonly users: UsersRepository) {}

  async findById(id: string): Promise<AppUser | null> {
    if (!UUID.test(id)) return null;
    const row = await this.users.findById(id);
    return row ? toPrincipal(row.view) : null;
  }

  async findByUsername(username: string): Promise<{ user: AppUser; passwordHash: string } | null> {
    const row = await this.users.findByEmail(username.trim().toLowerCase());
    return row ? { user: toPrincipal(row.view), passwordHash: row.passwordHash } : null;
  }
}

function toPrincipal(view: UserView): AppUser {
  return { id: view.id, roles: [view.role], active: view.is_active, view };
}
