import { findActiveUser } from './active-user';
import type { AuthUser, UserResolver } from '../auth.interfaces';

/** A UserResolver over a fixed list of users. */
class ListUserResolver implements UserResolver {
  constructor(private readonly users: readonly AuthUser[]) {}

  findById(id: string): Promise<AuthUser | null> {
    return Promise.resolve(this.users.find((u) => u.id === id) ?? null);
  }

  findByUsername(): Promise<{ user: AuthUser; passwordHash: string } | null> {
    return Promise.resolve(null);
  }
}

describe('findActiveUser', () => {
  const active: AuthUser = { id: 'u-active', roles: ['user'], active: true };
  const inactive: AuthUser = { id: 'u-inactive', roles: ['user'], active: false };
  const resolver = new ListUserResolver([active, inactive]);

  it('returns an active user', async () => {
    await expect(findActiveUser(resolver, 'u-active')).resolves.toBe(active);
  }, 5_000);

  it('returns null for a deactivated user', async () => {
    await expect(findActiveUser(resolver, 'u-inactive')).resolves.toBeNull();
  }, 5_000);

  it('returns null for an unknown user', async () => {
    await expect(findActiveUser(resolver, 'u-unknown')).resolves.toBeNull();
  }, 5_000);
});
