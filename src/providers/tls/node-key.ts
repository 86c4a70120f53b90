/**
 * The per-lease TLS key of a node. The SDK generates it, hands the node only the
 * private scalar (43 characters: it fits in one Vast env entry, where a PEM
 * certificate does not), and pins the public key. The node rebuilds the key pair
 * from the scalar and makes its own self-signed certificate around it.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { ComputeError } from '../../errors.js';

/** Environment variable carrying the node's private scalar (base64url, P-256). */
export const NODE_TLS_KEY_ENV = 'ADAPTIVE_COMPUTE_TLS_KEY';

/** What the SDK keeps for one lease: the secret for the node, the pin for itself. */
export interface NodeTlsKey {
  /** The P-256 private scalar, base64url (43 characters). Secret: env of the node only. */
  secret: string;
  /** SHA-256 of the public key's SubjectPublicKeyInfo, base64url: what a connection must present. */
  pin: string;
}

/** A fresh P-256 key for one lease. */
export function generateNodeTlsKey(): NodeTlsKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new ComputeError('CONFIG_INVALID', 'could not export a P-256 key');
  return { secret: jwk.d, pin: spkiPin(createPublicKey(privateKey)) };
}

/**
 * The private key a node rebuilds from {@link NodeTlsKey.secret}.
 * @throws ComputeError `CONFIG_INVALID` naming the env variable when the scalar is not a P-256 key.
 */
export function nodeKeyFromSecret(secret: string): KeyObject {
  const scalar = Buffer.from(secret, 'base64url');
  if (scalar.length !== 32 || scalar.toString('base64url') !== secret) {
    throw new ComputeError('CONFIG_INVALID', `${NODE_TLS_KEY_ENV}: must be a P-256 private scalar in base64url (43 characters)`);
  }
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar);
    const point = ecdh.getPublicKey();
    return createPrivateKey({
      format: 'jwk',
      key: { kty: 'EC', crv: 'P-256', d: secret, x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    });
  } catch {
    throw new ComputeError('CONFIG_INVALID', `${NODE_TLS_KEY_ENV}: not a valid P-256 private key`);
  }
}

/** SHA-256 of a public key's DER SubjectPublicKeyInfo, base64url. */
export function spkiPin(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The pin of the key a peer's certificate carries. */
export function certificatePin(certificate: X509Certificate): string {
  return spkiPin(certificate.publicKey);
}
