import type { AuthUser } from '../auth.interfaces';
import type { ResolvedAuthOptions } from '../options/auth-options.interface';

interface Entry {
  readonly user: AuthUser | null;
  readonly until: number;
}

/**
 * Users resolved for bearer tokens, kept `userCacheTtlMs` (1 s by default) so a busy client
 * does not cost a database read per request. Bounded; a change made through this instance is
 * applied at once by `invalidate()`, one made elsewhere within the TTL.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: Pick<ResolvedAuthOptions, 'userCacheTtlMs' | 'userCacheSize'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached user (null = known not to exist or inactive), or undefined when not cached. */
  get(id: string): AuthUser | null | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.user;
  }

  set(id: string, user: AuthUser | null): void {
    if (this.options.userCacheTtlMs === 0) return;
    if (this.entries.size >= this.options.userCacheSize && !this.entries.has(id)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { user, until: this.now() + this.options.userCacheTtlMs });
  }

  /** Forgets a user: the next request loads it again. Call after changing or deleting it. */
  invalidate(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
