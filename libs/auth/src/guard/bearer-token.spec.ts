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
    ])(
      '%s → the token',
      (_name, header) => {
        expect(parseBearerAuthorization(header)).toBe(JWT);
      },
      5_000,
    );

    it(`accepts a token of exactly ${MAX_BEARER_TOKEN_LENGTH} characters`, () => {
      const token = 'a'.repeat(MAX_BEARER_TOKEN_LENGTH);
      expect(parseBearerAuthorization(`Bearer ${token}`)).toBe(token);
    }, 5_000);
  });

  describe('no bearer credentials → undefined (a bare challenge)', () => {
    it.each([
      ['no header', undefined],
      ['Basic', 'Basic YTpi'],
      ['Digest', 'Digest username="a"'],
      ['a scheme that only starts like Bearer', `Bearerx ${JWT}`],
      ['another scheme followed by several spaces', 'Token   abc'],
    ])(
      '%s',
      (_name, header) => {
        expect(parseBearerAuthorization(header)).toBeUndefined();
      },
      5_000,
    );
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
      ['a tab after', `Bearer ${JWT}\t`],
      ['two tokens and trailing spaces', `Bearer ${JWT} ${JWT}  `],
      ['a bare token without scheme', JWT],
      ['a scheme without credentials', 'Basic'],
      ['another scheme then only a tab', 'Basic \t'],
      ['an over-long token', `Bearer ${'a'.repeat(MAX_BEARER_TOKEN_LENGTH + 1)}`],
    ])(
      '%s',
      (_name, header) => {
        expect(parseBearerAuthorization(header)).toBeNull();
      },
      5_000,
    );
  });
});

describe('checkBearerToken', () => {
  it.each([
    ['a JWT', JWT],
    // Not a JWT, but that is the verifier's to say: the parser only delimits the token.
    ['other visible characters', '*a~b!'],
  ])(
    'returns %s as it is',
    (_name, token) => {
      expect(checkBearerToken(token)).toBe(token);
    },
    5_000,
  );

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['with a tab', 'a\tb'],
    ['over-long', 'a'.repeat(MAX_BEARER_TOKEN_LENGTH + 1)],
  ])(
    'refuses a token that is %s',
    (_name, token) => {
      expect(checkBearerToken(token)).toBeNull();
    },
    5_000,
  );
});
