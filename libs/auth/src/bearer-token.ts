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
 * usable (empty, several, whitespace inside, over `MAX_BEARER_TOKEN_LENGTH`).
 */
export type PresentedBearerToken = string | null | undefined;

const SPACE = 0x20;
const BEARER = 'bearer';

/**
 * The token of an `Authorization` header value (RFC 6750 §2.1): `Bearer <token>`, the scheme
 * matched case-insensitively (RFC 9110 §11.1), one or more spaces before the token and any
 * spaces after it. Char-code checks only, no regular expression: the guard runs it per request.
 */
export function parseBearerAuthorization(header: string | undefined): PresentedBearerToken {
  if (header === undefined) return undefined;
  const schemeEnd = schemeLength(header);
  if (schemeEnd !== BEARER.length || !isBearerScheme(header)) {
    return isOtherScheme(header, schemeEnd) ? undefined : null;
  }
  let start = schemeEnd;
  while (header.charCodeAt(start) === SPACE) start++;
  if (start === schemeEnd) return null;
  let end = header.length;
  while (end > start && header.charCodeAt(end - 1) === SPACE) end--;
  return checkBearerToken(header.slice(start, end));
}

/**
 * A token presented on its own (e.g. a `?token=` value): itself when it is 1 to
 * `MAX_BEARER_TOKEN_LENGTH` visible ASCII characters, else `null`.
 */
export function checkBearerToken(token: string): string | null {
  if (token.length === 0 || token.length > MAX_BEARER_TOKEN_LENGTH) return null;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c <= SPACE || c >= 0x7f) return null;
  }
  return token;
}

/** Length of the leading auth-scheme token (RFC 9110 `token`: tchar characters). */
function schemeLength(header: string): number {
  let i = 0;
  while (i < header.length && isTchar(header.charCodeAt(i))) i++;
  return i;
}

function isBearerScheme(header: string): boolean {
  for (let i = 0; i < BEARER.length; i++) {
    // ASCII letters only here (tchar), so OR 0x20 lower-cases them.
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
