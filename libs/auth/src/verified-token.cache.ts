import type { AccessTokenClaims } from './auth.interfaces';

/**
 * Bounded cache of verified access tokens, keyed by the whole token (signature included), so
 * only a token that passed full verification can ever be found. `exp` is re-checked on every
 * hit; the oldest entry goes first when full.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly maxEntries: number,
    private readonly clockToleranceSec: number,
  ) {}

  get(token: string, nowSec: number): AccessTokenClaims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    if (claims.exp + this.clockToleranceSec <= nowSec) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: AccessTokenClaims): void {
    if (this.maxEntries === 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, claims);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
