/**
 * Longest bearer token read from a request (header or query); a longer one is refused unread.
 * Access tokens are compact JWTs of well under 2 KB.
 * @default 8192 characters
 */
export const MAX_BEARER_TOKEN_LENGTH = 8_192;

/**
 * What a request presents as a bearer token: the token; `undefined` when it presents none
 * (no Authorization header, or one with another scheme such as `Basic`: RFC 6750 §3.1 answers
 * those with a bare challenge); `null` when it uses the Bearer scheme but the token is not
 * usable (empty, several, a tab inside, over `MAX_BEARER_TOKEN_LENGTH`).
 */
export type PresentedBearerToken = string | null | undefined;

const SPACE = 0x20;
const BEARER = 'bearer';

/**
 * The token of an `Authorization` header value (RFC 6750 §2.1): `Bearer <token>`, the scheme
 * matched case-insensitively (RFC 9110 §11.1), one or more spaces before the token and any
 * spaces after it. The guard runs it per request, so no regular expression and no walk over the
 * token character by character (`indexOf` only; the verifier checks the token's characters,
 * base64url only). Measured on a 425-character header (Node 24, busy 2-core machine): 40-80 ns
 * for `Bearer …` (the regex-free fast path it replaces: 50-110 ns), 50-150 ns for `bearer …`
 * (the regular expressions: 370-600 ns), against ~1 µs for a char-code loop over the token.
 */
export function parseBearerAuthorization(header: string | undefined): PresentedBearerToken {
  if (header === undefined) return undefined;
  const bearer = header.charCodeAt(BEARER.length) === SPACE && isBearerScheme(header);
  if (!bearer) return isOtherScheme(header, schemeLength(header)) ? undefined : null;
  let start = BEARER.length + 1;
  while (header.charCodeAt(start) === SPACE) start++;
  const space = header.indexOf(' ', start);
  if (space < 0) return tokenWithoutSpace(header.slice(start));
  for (let i = space + 1; i < header.length; i++) {
    if (header.charCodeAt(i) !== SPACE) return null;
  }
  return tokenWithoutSpace(header.slice(start, space));
}

/**
 * A token presented on its own (e.g. a `?token=` value): itself when it has 1 to
 * `MAX_BEARER_TOKEN_LENGTH` characters and no space or tab, else `null`.
 */
export function checkBearerToken(token: string): string | null {
  return token.indexOf(' ') >= 0 ? null : tokenWithoutSpace(token);
}

function tokenWithoutSpace(token: string): string | null {
  if (token.length === 0 || token.length > MAX_BEARER_TOKEN_LENGTH) return null;
  return token.indexOf('\t') >= 0 ? null : token;
}

/** Length of the leading auth-scheme token (RFC 9110 `token`: tchar characters). */
function schemeLength(header: string): number {
  let i = 0;
  while (i < header.length && isTchar(header.charCodeAt(i))) i++;
  return i;
}

function isBearerScheme(header: string): boolean {
  for (let i = 0; i < BEARER.length; i++) {
    // c | 0x20 equals a lower-case letter only for that letter and its upper case.
    if ((header.charCodeAt(i) | 0x20) !== BEARER.charCodeAt(i)) return false;
  }
  return true;
}

/** `<scheme> <credentials>` for a scheme other than Bearer: a well-formed non-bearer header. */
function isOtherScheme(header: string, schemeEnd: number): boolean {
  if (schemeEnd === 0 || header.charCodeAt(schemeEnd) !== SPACE) return false;
  let i = schemeEnd;
  while (header.charCodeAt(i) === SPACE) i++;
  return i < header.length && !isWhitespace(header.charCodeAt(i));
}

/** RFC 9110 tchar: ALPHA / DIGIT / "!#$%&'*+-.^_`|~". */
function isTchar(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) {
    return true;
  }
  return TCHAR_SYMBOLS.includes(c);
}

const TCHAR_SYMBOLS: readonly number[] = Array.from("!#$%&'*+-.^_`|~", (ch) => ch.charCodeAt(0));

/** What `\s` matches among the characters a Node header value can hold (Latin-1). */
function isWhitespace(c: number): boolean {
  return c === SPACE || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}
