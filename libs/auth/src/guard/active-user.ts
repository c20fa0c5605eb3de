import type { AuthUser, UserResolver } from '../auth.interfaces';

/**
 * The one "user exists and is active" check behind every bearer credential (HTTP guard and
 * WebSocket upgrade): the user with this subject, or null when it is unknown or deactivated.
 */
export async function findActiveUser(resolver: UserResolver, id: string): Promise<AuthUser | null> {
  const found = await resolver.findById(id);
  return found && found.active ? found : null;
}
