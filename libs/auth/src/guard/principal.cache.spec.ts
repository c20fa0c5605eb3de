import { PrincipalCache } from './principal.cache';

const alice = { id: 'a', roles: ['user'], active: true };

function cache(ttl = 1_000, size = 3) {
  const clock = { now: 0 };
  return {
    clock,
    cache: new PrincipalCache({ userCacheTtlMs: ttl, userCacheSize: size }, () => clock.now),
  };
}

describe('PrincipalCache', () => {
  it('returns a user until its TTL has passed', () => {
    const { clock, cache: c } = cache();
    c.set('a', alice);
    clock.now = 999;
    expect(c.get('a')).toBe(alice);
    clock.now = 1_000;
    expect(c.get('a')).toBeUndefined();
  });

  it('remembers a missing or inactive user as null, distinct from not cached', () => {
    const { cache: c } = cache();
    c.set('gone', null);
    expect(c.get('gone')).toBeNull();
    expect(c.get('never')).toBeUndefined();
  });

  it('forgets a user at once on invalidate()', () => {
    const { cache: c } = cache();
    c.set('a', alice);
    c.invalidate('a');
    expect(c.get('a')).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first', () => {
    const { cache: c } = cache(1_000, 2);
    c.set('1', alice);
    c.set('2', alice);
    c.set('3', alice);
    expect(c.get('1')).toBeUndefined();
    expect(c.get('2')).toBe(alice);
    expect(c.get('3')).toBe(alice);
  });

  describe('when the TTL is 0', () => {
    it('caches nothing', () => {
      const { cache: c } = cache(0);
      c.set('a', alice);
      expect(c.get('a')).toBeUndefined();
    });
  });
});
