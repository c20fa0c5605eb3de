import type { AuthUser } from '@kit/auth';

/** The reference service's room policy: rooms named `admin-*` are for admins only. */
export function canJoinRoom(user: AuthUser, room: string): boolean {
  return !room.startsWith('admin-') || user.roles.includes('admin');
}
