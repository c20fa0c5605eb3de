import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from './auth.interfaces';

const KEY_LENGTH = 32;
const MAX_PASSWORD_BYTES = 1_024;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.slice(0, MAX_PASSWORD_BYTES), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * scrypt from `node:crypto`: memory-hard like argon2id, and no native addon to build for the
 * pinned runtime. Hashes are `scrypt$N$r$p$salt$hash` (base64url), so costs can be raised later.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  private readonly options: ScryptOptions;
  private dummyHash: Promise<string> | undefined;

  constructor(cost = 32_768, blockSize = 8, parallelization = 1) {
    this.options = {
      N: cost,
      r: blockSize,
      p: parallelization,
      maxmem: 256 * cost * blockSize + 1_048_576,
    };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, this.options);
    const { N, r, p } = this.options;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [N, r, p] = parts.slice(1, 4).map(Number);
    if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1_048_576) return false;
    const expected = Buffer.from(parts[5], 'base64url');
    const key = await derive(password, Buffer.from(parts[4], 'base64url'), {
      N,
      r,
      p,
      maxmem: 256 * N * r + 1_048_576,
    });
    return key.length === expected.length && timingSafeEqual(key, expected);
  }

  async dummyVerify(password: string): Promise<void> {
    this.dummyHash ??= this.hash('dummy password for unknown users');
    await this.verify(password, await this.dummyHash);
  }
}
