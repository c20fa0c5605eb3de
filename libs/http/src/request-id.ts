import { randomFillSync } from 'node:crypto';

/** An incoming `X-Request-ID` is kept only if it matches this; anything else is replaced. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const BATCH = 128;
const UUID_LENGTH = 36;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;
const random = Buffer.alloc(16 * BATCH);
const text = Buffer.alloc(UUID_LENGTH * BATCH);
let used = BATCH;

/** Fills `text` with the next BATCH UUIDs, written as ASCII. */
function refill(): void {
  randomFillSync(random);
  for (let i = 0; i < BATCH; i++) {
    const r = i * 16;
    random[r + 6] = ((random[r + 6] as number) & 0x0f) | 0x40; // version 4
    random[r + 8] = ((random[r + 8] as number) & 0x3f) | 0x80; // RFC 9562 variant
    let o = i * UUID_LENGTH;
    for (let j = 0; j < 16; j++) {
      if (j === 4 || j === 6 || j === 8 || j === 10) text[o++] = DASH;
      const byte = random[r + j] as number;
      text[o++] = HEX[byte >> 4] as number;
      text[o++] = HEX[byte & 15] as number;
    }
  }
  used = 0;
}

/**
 * A random (version 4) UUID. Like `crypto.randomUUID()` it draws random bytes in batches; it
 * also writes the batch's text at once, so each id is one flat string instead of one built from
 * twenty pieces (about half the cost, and less garbage, on every request).
 */
export function newRequestId(): string {
  if (used === BATCH) refill();
  const start = UUID_LENGTH * used++;
  return text.toString('latin1', start, start + UUID_LENGTH);
}

/**
 * Fastify `genReqId`: keeps a well-formed incoming `X-Request-ID` (a duplicated header arrives
 * joined with ", " and so is replaced), otherwise a new UUID.
 */
export function generateRequestId(req: {
  headers: Record<string, string | string[] | undefined>;
}): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)
    ? incoming
    : newRequestId();
}
