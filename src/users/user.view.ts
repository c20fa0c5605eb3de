import { ApiProperty } from '@nestjs/swagger';
import type { AuthUser } from '@kit/auth';

export type Role = 'user' | 'admin';
export const ROLES: readonly Role[] = ['user', 'admin'];

/** A user as every route shows it. */
export class UserView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ example: 'ada@example.com' })
  email!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Ada' })
  name!: string | null;
  @ApiProperty({ enum: ROLES })
  role!: Role;
  @ApiProperty()
  is_active!: boolean;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

/** The principal the auth guard hands to handlers: the user's view plus what the guard needs. */
export interface AppUser extends AuthUser {
  readonly view: UserView;
}
