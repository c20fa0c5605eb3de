import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../auth.interfaces';

const KEY_LENGTH = 32;
/** Highest scrypt cost N accepted, in options and in stored hashes (1 GiB of memory at r=8). */
export const MAX_SCRYPT_COST = 1_048_576;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLEL = 16;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
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
    // Hashes this hasher could make but never verify would lock every user out.
    if (cost > MAX_SCRYPT_COST || blockSize > MAX_BLOCK_SIZE || parallelization > MAX_PARALLEL) {
      throw new RangeError(
        `scrypt parameters above N=${MAX_SCRYPT_COST}, r=${MAX_BLOCK_SIZE}, p=${MAX_PARALLEL} cannot be verified`,
      );
    }
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
    if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
    if (N > MAX_SCRYPT_COST || r > MAX_BLOCK_SIZE || p > MAX_PARALLEL) return false;
    const expected = Buffer.from(parts[5], 'base64url');
    // A corrupt stored hash (e.g. N not a power of two) is a failed verification, not a crash.
    const key = await derive(password, Buffer.from(parts[4], 'base64url'), {
      N,
      r,
      p,
      maxmem: 256 * N * r + 1_048_576,
    }).catch(() => undefined);
    return key !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
  }

  async dummyVerify(password: string): Promise<void> {
    this.dummyHash ??= this.hash('dummy password for unknown users');
    await this.verify(password, await this.dummyHash);
  }
}
