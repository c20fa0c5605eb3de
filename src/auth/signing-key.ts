import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'jwt-signing.key';

/**
 * The HS256 key: `JWT_SECRET` when set, else a random key generated on first start and kept
 * (mode 0600) in the data directory, so tokens survive restarts. Multiple instances must share
 * `JWT_SECRET`. `report` is told which of the three it was (the boot log says it).
 */
export function loadSigningKey(
  dataDir: string,
  jwtSecret: string | undefined,
  report: (message: string) => void = () => undefined,
): Uint8Array {
  if (jwtSecret !== undefined) {
    report('signing key: JWT_SECRET');
    return new TextEncoder().encode(jwtSecret);
  }
  const path = join(dataDir, FILE);
  try {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    if (key.length >= 32) {
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
      report(`signing key: loaded from ${path}`);
      return key;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(64);
  writeFileSync(path, key.toString('base64url') + '\n', { mode: 0o600, flag: 'w' });
  report(
    `signing key: generated and stored in ${path}; tokens do not survive losing it, and instances that share tokens need JWT_SECRET`,
  );
  return key;
}
