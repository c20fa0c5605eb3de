import { createHmac, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

// Hand-made JWTs for the verification-hardening tests: any header, any payload (objects, arrays,
// strings, numbers or raw bytes), signed with any HMAC secret or RSA key, or not signed at all.
// Nothing here goes through jose, so the service under test cannot be helped by it.

/** A segment: a JSON value to encode, or `{ raw }` for exact text (e.g. not JSON at all). */
export type Segment = unknown;
export interface RawSegment {
  readonly raw: string;
}

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

function encodeSegment(value: Segment): string {
  if (typeof value === 'object' && value !== null && 'raw' in value) {
    return b64url((value as RawSegment).raw);
  }
  return b64url(JSON.stringify(value));
}

export type HmacAlg = 'HS256' | 'HS384' | 'HS512';
const HMAC_HASH: Readonly<Record<HmacAlg, string>> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

export interface CraftOptions {
  header: Segment;
  payload: Segment;
  /**
   * How to sign `<header>.<payload>`: an HMAC secret (any length, empty included) with its
   * algorithm, an RSA private key (PEM) for RS256, or `none` for an empty signature.
   */
  sign: { hmac: HmacAlg; secret: string | Buffer } | { rs256: string } | 'none';
}

/** A compact JWS from exactly the given parts. */
export function craftToken(options: CraftOptions): string {
  const input = `${encodeSegment(options.header)}.${encodeSegment(options.payload)}`;
  const sign = options.sign;
  if (sign === 'none') return `${input}.`;
  if ('hmac' in sign) {
    const mac = createHmac(HMAC_HASH[sign.hmac], sign.secret).update(input).digest();
    return `${input}.${b64url(mac)}`;
  }
  const signature = createSign('RSA-SHA256').update(input).sign(sign.rs256);
  return `${input}.${b64url(signature)}`;
}

export interface ClaimsDefaults {
  issuer: string;
  audience: string;
}

/** Claims the reference service accepts for `sub` (RFC 9068 profile), valid for 10 minutes. */
export function validClaims(
  sub: string,
  defaults: ClaimsDefaults,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: defaults.issuer,
    aud: defaults.audience,
    sub,
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    roles: ['user'],
    ...overrides,
  };
}

/** `claims` without the named members. */
export function without(
  claims: Record<string, unknown>,
  ...names: string[]
): Record<string, unknown> {
  const copy = { ...claims };
  for (const name of names) delete copy[name];
  return copy;
}

/** The three segments of a compact token. */
export function splitToken(token: string): { header: string; payload: string; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return { header, payload, signature };
}

/** Decodes a segment as JSON. */
export function decodeSegment<T = Record<string, unknown>>(segment: string): T {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as T;
}

/** A fresh RSA key pair (2048 bits): the attacker's own key for `jwk` / `RS256` cases. */
export function attackerRsaKey(): { privateKeyPem: string; publicJwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}
