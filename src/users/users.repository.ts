import { Injectable } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import { type Schema, toIso, type UsersTable } from '../database/schema';
import type { Role, UserView } from './user.view';

export interface UserRow {
  view: UserView;
  passwordHash: string;
}

/** Users on SQLite or PostgreSQL through Kysely. */
@Injectable()
export class UsersRepository {
  constructor(@InjectKysely() private readonly db: Kysely<Schema>) {}

  async insert(user: {
    id: string;
    email: string;
    name: string | null;
    passwordHash: string;
    role: Role;
  }): Promise<UserView> {
    const row = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        email: user.email,
        name: user.name,
        password_hash: user.passwordHash,
        role: user.role,
        is_active: true,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toView(row);
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { view: toView(row), passwordHash: row.password_hash };
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirst();
    return row && { view: toView(row), passwordHash: row.password_hash };
  }

  async update(
    id: string,
    changes: { role?: Role; is_active?: boolean },
  ): Promise<UserView | undefined> {
    const row = await this.db
      .updateTable('users')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toView(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toView(row: Selectable<UsersTable>): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    is_active: Boolean(row.is_active),
    created_at: toIso(row.created_at),
  };
}
