import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { InjectKysely } from '@kit/lifespan';
import type {
  ApiKeyRecord,
  ApiKeyStore,
  RefreshTokenRecord,
  RefreshTokenStore,
} from '../auth.interfaces';

interface AuthSchema {
  auth_api_keys: {
    id: string;
    name: string;
    prefix: string;
    hash: string;
    scopes: string;
    created_at: string;
    revoked_at: string | null;
  };
  auth_refresh_tokens: {
    id: string;
    family_id: string;
    user_id: string;
    hash: string;
    expires_at: string;
    used_at: string | null;
    revoked_at: string | null;
  };
}

/** `ApiKeyStore` on the lifespan database (tables from `authMigrationSet`). */
@Injectable()
export class KyselyApiKeyStore implements ApiKeyStore {
  constructor(@InjectKysely() private readonly db: Kysely<AuthSchema>) {}

  async insert(r: Omit<ApiKeyRecord, 'revokedAt'>): Promise<void> {
    await this.db
      .insertInto('auth_api_keys')
      .values({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        hash: r.hash,
        scopes: JSON.stringify(r.scopes),
        created_at: r.createdAt,
        revoked_at: null,
      })
      .execute();
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const row = await this.db
      .selectFrom('auth_api_keys')
      .selectAll()
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    return row ? toApiKey(row) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('auth_api_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}

/** `RefreshTokenStore` on the lifespan database (tables from `authMigrationSet`). */
@Injectable()
export class KyselyRefreshTokenStore implements RefreshTokenStore {
  constructor(@InjectKysely() private readonly db: Kysely<AuthSchema>) {}

  async insert(r: Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt'>): Promise<void> {
    await this.db
      .insertInto('auth_refresh_tokens')
      .values({
        id: r.id,
        family_id: r.familyId,
        user_id: r.userId,
        hash: r.hash,
        expires_at: r.expiresAt,
        used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async findByHash(hash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db
      .selectFrom('auth_refresh_tokens')
      .selectAll()
      .where('hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      familyId: row.family_id,
      userId: row.user_id,
      hash: row.hash,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
    };
  }

  async markUsed(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_refresh_tokens')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async revokeFamily(familyId: string, at: string): Promise<void> {
    await this.db
      .updateTable('auth_refresh_tokens')
      .set({ revoked_at: at })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeUser(userId: string, at: string): Promise<void> {
    await this.db
      .updateTable('auth_refresh_tokens')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}

function toApiKey(row: AuthSchema['auth_api_keys']): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
