import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AuthConfigError } from '../auth.errors';
import type { JwtAlgorithm } from '../options/auth-options.interface';

/** Smallest RSA modulus accepted (NIST SP 800-131A; jose refuses smaller keys at use). */
const MIN_RSA_BITS = 2_048;

/**
 * Parses the configured PEM key(s) at boot and returns the one algorithm they are for, so the
 * allowlist can be bound to the key type: RSA → RS256 (>= 2048 bits), P-256 → ES256,
 * Ed25519/Ed448 → EdDSA. A key that does not parse, a public key that is not the private key's,
 * or any other key type fails with the option named.
 */
export function keyPairAlgorithm(privatePem?: string, publicPem?: string): JwtAlgorithm {
  const privateKey =
    privatePem === undefined
      ? undefined
      : parse('auth.jwt.privateKey', 'a PEM private key', () => createPrivateKey(privatePem));
  const publicKey =
    publicPem === undefined
      ? createPublicKey(privateKey as KeyObject)
      : parse('auth.jwt.publicKey', 'a PEM public key', () => createPublicKey(publicPem));
  if (privateKey && publicPem !== undefined && !createPublicKey(privateKey).equals(publicKey)) {
    throw new AuthConfigError(
      'auth.jwt.publicKey',
      'is not the public half of auth.jwt.privateKey; give the matching key or omit publicKey',
    );
  }
  return algorithmFor(publicKey, privateKey ? 'auth.jwt.privateKey' : 'auth.jwt.publicKey');
}

function parse(option: string, what: string, read: () => KeyObject): KeyObject {
  try {
    return read();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AuthConfigError(option, `is not ${what} (${reason})`);
  }
}

function algorithmFor(key: KeyObject, option: string): JwtAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw new AuthConfigError(
          option,
          `is a ${details.modulusLength ?? 0}-bit RSA key; use at least ${MIN_RSA_BITS} bits`,
        );
      }
      return 'RS256';
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ES256';
      throw new AuthConfigError(
        option,
        `is an EC key on ${details.namedCurve ?? 'an unknown curve'}; ES256 needs P-256 (prime256v1)`,
      );
    case 'ed25519':
    case 'ed448':
      return 'EdDSA';
    default:
      throw new AuthConfigError(
        option,
        `is a ${key.asymmetricKeyType ?? 'unknown'} key; use an RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA) key`,
      );
  }
}
