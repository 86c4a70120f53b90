/**
 * The few DER (ASN.1) encodings an X.509 certificate needs, and nothing more:
 * Node 20's crypto signs and exports keys but cannot assemble a certificate, and a
 * self-signed one for a pinned key is small enough to build by hand.
 */

/** Tag, length, content: one DER element. */
export function derElement(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** Short form below 128 bytes, long form above. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** `SEQUENCE { ...items }`. */
export function derSequence(...items: Uint8Array[]): Buffer {
  return derElement(0x30, Buffer.concat(items));
}

/** `SET { ...items }` (callers pass one item, so no sorting is needed). */
export function derSet(...items: Uint8Array[]): Buffer {
  return derElement(0x31, Buffer.concat(items));
}

/** A non-negative `INTEGER` from big-endian magnitude bytes. */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  // A set high bit would read as negative: prefix a zero byte.
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return derElement(0x02, content.length === 0 ? Buffer.from([0]) : content);
}

/** An `OBJECT IDENTIFIER` from its dotted form (`1.2.840.10045.4.3.2`). */
export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [40 * first + second];
  for (const arc of rest) {
    const groups: number[] = [];
    let n = arc;
    do {
      groups.unshift(n % 128);
      n = Math.floor(n / 128);
    } while (n > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    bytes.push(...groups);
  }
  return derElement(0x06, Buffer.from(bytes));
}

/** A `UTF8String`. */
export function derUtf8(text: string): Buffer {
  return derElement(0x0c, Buffer.from(text, 'utf8'));
}

/** A `BIT STRING` of whole bytes (no unused bits). */
export function derBitString(bytes: Uint8Array): Buffer {
  return derElement(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

/** Context-specific constructed tag `[n] EXPLICIT`. */
export function derExplicit(n: number, content: Uint8Array): Buffer {
  return derElement(0xa0 | n, content);
}

/**
 * A certificate `Time`: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280
 * 4.1.2.5). `iso` is `YYYY-MM-DDTHH:MM:SSZ`.
 */
export function derTime(iso: string): Buffer {
  const digits = iso.replace(/[-:T]/g, '').replace(/Z$/, '');
  const year = Number(digits.slice(0, 4));
  return year < 2050 ? derElement(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : derElement(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
