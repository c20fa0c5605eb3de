import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectPasswordHasher, PrincipalCache, type PasswordHasher, TokenService } from '@kit/auth';
import { isUniqueViolation } from '../database/unique-violation';
import { EmailTakenError, UserNotFoundError } from './user.errors';
import type { CreateUserDto, UpdateUserDto } from './user.dto';
import type { Role, UserView } from './user.view';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    @InjectPasswordHasher() private readonly hasher: PasswordHasher,
    @Inject(TokenService) private readonly tokens: TokenService,
    private readonly principals: PrincipalCache,
  ) {}

  async register(dto: CreateUserDto, role: Role = 'user'): Promise<UserView> {
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      return await this.users.insert({
        id: randomUUID(),
        email: dto.email,
        name: dto.name ?? null,
        passwordHash,
        role,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTakenError();
      throw err;
    }
  }

  async get(id: string): Promise<UserView> {
    const row = await this.users.findById(id);
    if (!row) throw new UserNotFoundError(id);
    return row.view;
  }

  /**
   * Changes role and/or activity, effective on this instance's next request (others within the
   * auth user cache's TTL); deactivation also revokes the user's refresh tokens.
   */
  async update(id: string, dto: UpdateUserDto): Promise<UserView> {
    const changes = {
      ...(dto.role !== undefined && { role: dto.role }),
      ...(dto.is_active !== undefined && { is_active: dto.is_active }),
    };
    const view =
      Object.keys(changes).length > 0
        ? await this.users.update(id, changes)
        : (await this.users.findById(id))?.view;
    if (!view) throw new UserNotFoundError(id);
    this.principals.invalidate(id);
    if (dto.is_active === false) await this.tokens.revokeUser(id);
    return view;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.users.delete(id))) throw new UserNotFoundError(id);
    this.principals.invalidate(id);
    await this.tokens.revokeUser(id);
  }

  /** Creates the bootstrap admin if no user has that email yet (idempotent across instances). */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    const normalized = email.trim().toLowerCase();
    if (await this.users.findByEmail(normalized)) return 'exists';
    try {
      await this.register({ email: normalized, password }, 'admin');
      return 'created';
    } catch (err) {
      if (err instanceof EmailTakenError) return 'exists';
      throw err;
    }
  }
}
