/**
 * The nesting depth a JSON document reaches, counted on its text before it is parsed, stopping
 * as soon as `limit` is passed. Linear in the text, no allocation: deep documents are refused
 * before `JSON.parse` and class-transformer recurse into them (a 3 KB body of 1,500 nested
 * arrays overflows class-transformer's stack). Brackets inside strings do not count; the text
 * need not be valid JSON (the parser judges that afterwards).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = closingQuote(text, i);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/**
 * Where the string opened at `open` ends (its unescaped closing quote), or the text's length.
 * Jumps from quote to quote with `indexOf` instead of reading every character: a body of long
 * strings was scanned ~7 times slower than `JSON.parse` read it, now well below.
 */
function closingQuote(text: string, open: number): number {
  let quote = open;
  for (;;) {
    quote = text.indexOf('"', quote + 1);
    if (quote < 0) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    // An even run of backslashes escapes itself, not the quote.
    if ((quote - 1 - before) % 2 === 0) return quote;
  }
}

/** Default bound of JSON nesting for HTTP bodies and WebSocket messages. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
