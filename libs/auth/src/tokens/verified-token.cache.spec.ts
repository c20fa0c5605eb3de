import type { AccessTokenClaims } from '../auth.interfaces';
import { VerifiedTokenCache } from './verified-token.cache';

const NOW = 1_800_000_000;

function claims(exp: number, sub = 'user-1'): AccessTokenClaims {
  return { iss: 'i', aud: 'a', sub, exp, iat: exp - 900, jti: `j-${sub}-${exp}`, roles: [] };
}

describe('VerifiedTokenCache', () => {
  describe('with room for 3 tokens and no clock tolerance', () => {
    it('returns what was stored for exactly that token', () => {
      const cache = new VerifiedTokenCache(3, 0);
      const c = claims(NOW + 60);
      cache.set('a.b.c', c);
      expect(cache.get('a.b.c', NOW)).toBe(c);
      expect(cache.get('a.b.d', NOW)).toBeUndefined();
      expect(cache.get('a.b.', NOW)).toBeUndefined();
      expect(cache.get('a.b.cc', NOW)).toBeUndefined();
    });

    it('finds a token only by the exact token, not by one that merely ends alike', () => {
      const cache = new VerifiedTokenCache(3, 0);
      const signature = 's'.repeat(43);
      const verified = claims(NOW + 60, 'verified');
      cache.set(`header.payload-a.${signature}`, verified);
      expect(cache.get(`header.payload-a.${signature}`, NOW)).toBe(verified);
      expect(cache.get(`header.payload-b.${signature}`, NOW)).toBeUndefined();
      expect(cache.get(`xheader.payload-a.${signature}`, NOW)).toBeUndefined();
      expect(cache.get(signature, NOW)).toBeUndefined();
    });

    it('a second verified token that ends alike replaces the first', () => {
      const cache = new VerifiedTokenCache(3, 0);
      const signature = 's'.repeat(43);
      cache.set(`header.payload-a.${signature}`, claims(NOW + 60, 'first'));
      const second = claims(NOW + 60, 'second');
      cache.set(`header.payload-b.${signature}`, second);
      expect(cache.get(`header.payload-b.${signature}`, NOW)).toBe(second);
      expect(cache.get(`header.payload-a.${signature}`, NOW)).toBeUndefined();
      expect(cache.size).toBe(1);
    });

    it('an expired lookup by a look-alike token does not evict the real one', () => {
      const cache = new VerifiedTokenCache(3, 0);
      const signature = 'q'.repeat(43);
      cache.set(`h.p.${signature}`, claims(NOW + 60));
      expect(cache.get(`h.other.${signature}`, NOW + 120)).toBeUndefined();
      expect(cache.get(`h.p.${signature}`, NOW)).toBeDefined();
    });

    it('re-checks exp on every hit: valid until exp, gone at exp', () => {
      const cache = new VerifiedTokenCache(3, 0);
      cache.set('t', claims(NOW + 10));
      expect(cache.get('t', NOW + 9)).toBeDefined();
      expect(cache.get('t', NOW + 10)).toBeUndefined();
      // Evicted: even an earlier clock does not bring it back.
      expect(cache.get('t', NOW)).toBeUndefined();
      expect(cache.size).toBe(0);
    });

    it('is bounded: the oldest entry goes first', () => {
      const cache = new VerifiedTokenCache(3, 0);
      for (const t of ['t1', 't2', 't3', 't4']) cache.set(t, claims(NOW + 60, t));
      expect(cache.size).toBe(3);
      expect(cache.get('t1', NOW)).toBeUndefined();
      expect(cache.get('t2', NOW)?.sub).toBe('t2');
      expect(cache.get('t4', NOW)?.sub).toBe('t4');
    });

    it('never grows past its bound, however many tokens come', () => {
      const cache = new VerifiedTokenCache(3, 0);
      for (let i = 0; i < 1_000; i++) cache.set(`t${i}`, claims(NOW + 60, `u${i}`));
      expect(cache.size).toBe(3);
      expect(cache.get('t999', NOW)?.sub).toBe('u999');
      expect(cache.get('t996', NOW)).toBeUndefined();
    });

    it('clear() empties it', () => {
      const cache = new VerifiedTokenCache(3, 0);
      cache.set('t', claims(NOW + 60));
      cache.clear();
      expect(cache.size).toBe(0);
      expect(cache.get('t', NOW)).toBeUndefined();
    });
  });

  describe('with a clock tolerance of 30 s', () => {
    it('keeps a token until exp + tolerance, as verification would', () => {
      const cache = new VerifiedTokenCache(10, 30);
      cache.set('t', claims(NOW));
      expect(cache.get('t', NOW + 29)).toBeDefined();
      expect(cache.get('t', NOW + 30)).toBeUndefined();
    });
  });

  describe('with size 0', () => {
    it('caches nothing', () => {
      const cache = new VerifiedTokenCache(0, 0);
      cache.set('t', claims(NOW + 60));
      expect(cache.size).toBe(0);
      expect(cache.get('t', NOW)).toBeUndefined();
    });
  });
});
