import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { API_KEY_STORE } from '../auth.constants';
import type { ApiKeyRecord, ApiKeyStore } from '../auth.interfaces';
import { digestsEqual, randomSecret, sha256 } from '../tokens/secret-token';

/** An API key as shown to admins: never the secret, except once at creation (`key`). */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The whole key: shown only in the creation response. */
  key: string;
}

/** Keys look like `kit_<8 chars>_<43 chars>`: the first part is the public lookup prefix. */
const KEY_PATTERN = /^(kit_[A-Za-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
const PREFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Creates, verifies, lists and revokes API keys; keys are stored only as SHA-256 hashes. */
@Injectable()
export class ApiKeyService {
  constructor(@Inject(API_KEY_STORE) private readonly store: ApiKeyStore) {}

  async create(name: string, scopes: readonly string[] = []): Promise<CreatedApiKey> {
    const prefix = `kit_${randomPrefix()}`;
    const key = `${prefix}_${randomSecret()}`;
    const record = {
      id: randomUUID(),
      name,
      prefix,
      hash: sha256(key),
      scopes: [...scopes],
      createdAt: new Date().toISOString(),
    };
    await this.store.insert(record);
    return { ...view({ ...record, revokedAt: null }), key };
  }

  /** The live key record matching a presented key, or null (constant-time hash comparison). */
  async verify(presented: string): Promise<ApiKeyRecord | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const record = await this.store.findByPrefix(match[1]);
    if (!record || record.revokedAt !== null) return null;
    return digestsEqual(sha256(presented), record.hash) ? record : null;
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.store.list()).map(view);
  }

  /** Revokes a key; it fails on the very next request. False when no live key has this id. */
  revoke(id: string): Promise<boolean> {
    return this.store.revoke(id, new Date().toISOString());
  }
}

function randomPrefix(): string {
  const bytes = randomSecret(8);
  let out = '';
  for (let i = 0; i < 8; i++) out += PREFIX_ALPHABET[bytes.charCodeAt(i) % PREFIX_ALPHABET.length];
  return out;
}

function view(r: ApiKeyRecord): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: [...r.scopes],
    created_at: r.createdAt,
    revoked_at: r.revokedAt,
  };
}
