/**
 * A self-signed X.509 certificate (ECDSA P-256 with SHA-256) around a node's key.
 * Nobody checks its chain, names or dates: the SDK pins the public key inside it.
 * So everything but the key is fixed, and the node needs no clock to make it.
 */
import { createHash, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { derBitString, derExplicit, derOid, derSequence, derSet, derTime, derUnsignedInteger, derUtf8 } from './der.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
// Wide and fixed: validity is not what makes the connection trusted, the pin is.
const NOT_BEFORE = '2000-01-01T00:00:00Z';
const NOT_AFTER = '2099-12-31T23:59:59Z';

/** PEM of a self-signed certificate for `privateKey` (a P-256 key). */
export function selfSignedCertificate(privateKey: KeyObject, commonName = 'adaptive-compute-node'): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  // Serial from the key: distinct per key, no randomness needed, always positive.
  const serial = createHash('sha256').update(spki).digest().subarray(0, 16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const algorithm = derSequence(derOid(ECDSA_WITH_SHA256));
  const name = derSequence(derSet(derSequence(derOid(COMMON_NAME), derUtf8(commonName))));
  const tbs = derSequence(
    derExplicit(0, derUnsignedInteger(Buffer.from([2]))), // v3
    derUnsignedInteger(serial),
    algorithm,
    name,
    derSequence(derTime(NOT_BEFORE), derTime(NOT_AFTER)),
    name,
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = derSequence(tbs, algorithm, derBitString(signature));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
