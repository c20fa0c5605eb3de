import {
  checkBearerToken,
  MAX_BEARER_TOKEN_LENGTH,
  parseBearerAuthorization,
} from './bearer-token';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln-_x';

describe('parseBearerAuthorization', () => {
  describe('a Bearer header with one token', () => {
    it.each([
      ['the usual form', `Bearer ${JWT}`],
      ['a lower-case scheme', `bearer ${JWT}`],
      ['a mixed-case scheme', `bEaReR ${JWT}`],
      ['two spaces before the token', `Bearer  ${JWT}`],
      ['spaces after the token', `Bearer ${JWT}  `],
    ])('%s → the token', (_name, header) => {
      expect(parseBearerAuthorization(header)).toBe(JWT);
    });

    it(`accepts a token of exactly ${MAX_BEARER_TOKEN_LENGTH} characters`, () => {
      const token = 'a'.repeat(MAX_BEARER_TOKEN_LENGTH);
      expect(parseBearerAuthorization(`Bearer ${token}`)).toBe(token);
    });
  });

  describe('no bearer credentials → undefined (a bare challenge)', () => {
    it.each([
      ['no header', undefined],
      ['Basic', 'Basic YTpi'],
      ['Digest', 'Digest username="a"'],
      ['a scheme that only starts like Bearer', `Bearerx ${JWT}`],
      ['another scheme followed by several spaces', 'Token   abc'],
    ])('%s', (_name, header) => {
      expect(parseBearerAuthorization(header)).toBeUndefined();
    });
  });

  describe('a malformed Bearer header → null (invalid_token)', () => {
    it.each([
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['an empty token', 'Bearer '],
      ['a whitespace token', 'Bearer    '],
      ['a tab instead of a space', `Bearer\t${JWT}`],
      ['two tokens', `Bearer ${JWT} ${JWT}`],
      ['a tab inside', `Bearer ${JWT}\tx`],
      ['a non-breaking space after', `Bearer ${JWT}\u00a0`],
      ['a bare token without scheme', JWT],
      ['a scheme without credentials', 'Basic'],
      ['another scheme then only a tab', 'Basic \t'],
      ['an over-long token', `Bearer ${'a'.repeat(MAX_BEARER_TOKEN_LENGTH + 1)}`],
    ])('%s', (_name, header) => {
      expect(parseBearerAuthorization(header)).toBeNull();
    });
  });
});

describe('checkBearerToken', () => {
  it('returns a token of visible ASCII characters as it is', () => {
    expect(checkBearerToken(JWT)).toBe(JWT);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['with a control character', 'a\u0001b'],
    ['with a non-ASCII character', 'aéb'],
    ['over-long', 'a'.repeat(MAX_BEARER_TOKEN_LENGTH + 1)],
  ])('refuses a token that is %s', (_name, token) => {
    expect(checkBearerToken(token)).toBeNull();
  });
});
