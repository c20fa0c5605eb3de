import type { AccessTokenClaims } from '../auth.interfaces';

/** How many trailing characters of a token key the map (all of them signature characters). */
const KEY_LENGTH = 32;

interface Entry {
  readonly token: string;
  readonly claims: AccessTokenClaims;
}

/**
 * Bounded cache of verified access tokens. Only a token equal, character for character, to one
 * that passed full verification is ever found, so the cache cannot be poisoned. `exp` is
 * re-checked on every hit; the oldest entry goes first when full.
 *
 * The map is keyed by the token's last 32 characters, which lie inside its signature, and a hit
 * then compares the whole token. Keying by the whole token made V8 hash all of it (hundreds of
 * characters, a new string on every request): about 0.4 µs per request. Two verified tokens
 * with the same key simply replace each other.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly clockToleranceSec: number,
  ) {}

  get(token: string, nowSec: number): AccessTokenClaims | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (entry.claims.exp + this.clockToleranceSec <= nowSec) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: AccessTokenClaims): void {
    if (this.maxEntries === 0) return;
    const key = keyOf(token);
    // A re-verified token moves to the young end; a new one makes room first when full.
    if (!this.entries.delete(key) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token, claims });
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The last `KEY_LENGTH` characters (all of a shorter token). */
function keyOf(token: string): string {
  return token.slice(-KEY_LENGTH);
}
