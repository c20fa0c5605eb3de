import { MAX_SCRYPT_COST, ScryptPasswordHasher } from './scrypt-password.hasher';

// Cost 1024 keeps these fast; the format and the checks do not depend on the cost.

const HASH = /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/;

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher(1024);

  describe('hash', () => {
    it('writes scrypt$N$r$p$salt$key with a 16-byte salt and a 32-byte key', async () => {
      expect(await hasher.hash('correct horse')).toMatch(HASH);
    });

    it('salts: the same password hashes differently each time', async () => {
      const [a, b] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
      expect(a).not.toBe(b);
    });

    it.each([
      ['a cost above the maximum', [MAX_SCRYPT_COST * 2, 8, 1]],
      ['a block size above 32', [1024, 33, 1]],
      ['a parallelization above 16', [1024, 8, 17]],
    ] as const)('refuses to be built with %s (it could not verify its own hashes)', (_n, args) => {
      expect(() => new ScryptPasswordHasher(...args)).toThrow(RangeError);
    });

    it('records the configured cost so it can be raised later', async () => {
      const stronger = new ScryptPasswordHasher(2048, 8, 2);
      expect(await stronger.hash('x')).toMatch(/^scrypt\$2048\$8\$2\$/);
    });
  });

  describe('verify', () => {
    it('accepts the password it hashed', async () => {
      expect(await hasher.verify('correct horse', await hasher.hash('correct horse'))).toBe(true);
    });

    it.each([
      ['another password', 'correct horsf'],
      ['the same in another case', 'CORRECT HORSE'],
      ['an empty password', ''],
      ['a prefix', 'correct'],
      ['with a trailing space', 'correct horse '],
    ])('refuses %s', async (_n, attempt) => {
      expect(await hasher.verify(attempt, await hasher.hash('correct horse'))).toBe(false);
    });

    it('verifies a hash made with other parameters (the cost travels with the hash)', async () => {
      const stored = await new ScryptPasswordHasher(2048, 4, 2).hash('pw');
      expect(await hasher.verify('pw', stored)).toBe(true);
    });

    it('does not truncate: passwords differing only after 1024 characters are different', async () => {
      const base = 'p'.repeat(1_024);
      const stored = await hasher.hash(`${base}A`);
      expect(await hasher.verify(`${base}A`, stored)).toBe(true);
      expect(await hasher.verify(`${base}B`, stored)).toBe(false);
      expect(await hasher.verify(base, stored)).toBe(false);
    });

    it('handles non-ASCII passwords as UTF-8', async () => {
      const stored = await hasher.hash('pässwörd-密码');
      expect(await hasher.verify('pässwörd-密码', stored)).toBe(true);
      expect(await hasher.verify('passwort-密码', stored)).toBe(false);
    });

    it.each([
      ['an empty string', ''],
      ['another scheme', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'],
      ['too few parts', 'scrypt$1024$8$1$salt'],
      ['a non-numeric cost', 'scrypt$abc$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
      ['a zero block size', 'scrypt$1024$0$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
      ['a cost that is not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
      ['a cost above the maximum', `scrypt$${MAX_SCRYPT_COST * 2}$8$1$c2FsdA$aGFzaA`],
      ['a huge block size', 'scrypt$1024$100000$1$c2FsdA$aGFzaA'],
      ['a huge parallelization', 'scrypt$1024$8$100000$c2FsdA$aGFzaA'],
    ])('returns false (never throws) for a stored hash that is %s', async (_n, stored) => {
      await expect(hasher.verify('anything', stored)).resolves.toBe(false);
    });

    it('refuses a hash whose key was cut short', async () => {
      const stored = await hasher.hash('pw');
      await expect(hasher.verify('pw', stored.slice(0, -4))).resolves.toBe(false);
    });
  });

  describe('dummyVerify', () => {
    it('resolves without a result, for unknown users', async () => {
      await expect(hasher.dummyVerify('whatever')).resolves.toBeUndefined();
    });

    it('costs a real verification: it derives with the configured cost', async () => {
      const costly = new ScryptPasswordHasher(1024);
      const verify = jest.spyOn(costly, 'verify');
      await costly.dummyVerify('guess');
      await costly.dummyVerify('guess 2');
      expect(verify).toHaveBeenCalledTimes(2);
      const [, stored] = verify.mock.calls[0] as [string, string];
      expect(stored).toMatch(HASH);
      // The dummy hash is made once and reused.
      expect(verify.mock.calls[1]?.[1]).toBe(stored);
      await expect(verify.mock.results[0]?.value).resolves.toBe(false);
    });
  });
});
