import { randomUUID } from 'node:crypto';

/** An incoming `X-Request-ID` is kept only if it matches this; anything else is replaced. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A random (version 4) UUID: `crypto.randomUUID()`. A hand-written batched generator was
 * measured against it in one interleaved `npm run bench` run and did not show the 3% of a
 * request's server CPU that would justify it (bench/README.md, "Library or hand-written").
 */
export function newRequestId(): string {
  return randomUUID();
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
