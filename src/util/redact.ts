/**
 * The one redaction mechanism for secrets the runtime holds: the marketplace API key,
 * every node token a marketplace handed out, every workload `env` value. It knows
 * the live values themselves and replaces exactly those (and their JSON- and
 * URL-escaped forms) with `***`. It never guesses from a shape: a word that merely
 * looks like a key (same `sk-`/`ntok-` prefix, same length) is not a secret and is
 * left alone, and a real value is caught whatever it looks like.
 *
 * Applied where untrusted text enters an error or an event: node answers, marketplace
 * errors, and a last pass over every warning and lease event a Compute emits.
 */

/** Values shorter than this are not treated as secrets: redacting `1` or `on` would garble every message. */
export const MIN_SECRET_LENGTH = 4;

/** Node tokens remembered after their lease ended, at most (oldest forgotten first). */
const MAX_SECRETS = 10_000;

const MASK = '***';

/** The live secret values of one runtime. */
export class SecretSet {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;
  #stale = false;

  /** Remember `value` (and its escaped forms) as secret. Short or empty values are ignored. */
  add(value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])) {
      if (this.#values.has(form)) continue;
      this.#values.add(form);
      this.#stale = true;
    }
    while (this.#values.size > MAX_SECRETS) {
      const oldest = this.#values.values().next().value as string;
      this.#values.delete(oldest);
    }
  }

  /** Secret values known (escaped forms counted). */
  get size(): number {
    return this.#values.size;
  }

  /**
   * `text` with every known secret replaced by `***`, and any `Bearer <credential>`
   * too (an echoed Authorization header, whoever's). Control characters become spaces
   * so that echoed text cannot forge log lines.
   */
  redact(text: string): string {
    let out = text;
    const pattern = this.#regex();
    if (pattern !== undefined) out = maskPartialEchoes(out.replace(pattern, MASK), this.#values);
    return out.replace(/\bBearer\s+[^\s"',;]+/gi, `Bearer ${MASK}`).replace(/[\u0000-\u0008\u000b-\u001f\u007f]+/g, ' ');
  }

  /** Whether `text` holds a known secret. */
  leaks(text: string): boolean {
    const pattern = this.#regex();
    if (pattern === undefined) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  /**
   * Redact an error in place, through its `cause` chain: `message`, `stack` and the
   * string values of `details`. Returns the same error.
   */
  redactError<E>(error: E): E {
    let current: unknown = error;
    for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
      const e = current as { message?: unknown; stack?: unknown; details?: unknown; cause?: unknown; reason?: unknown };
      if (typeof e.message === 'string') setQuietly(e, 'message', this.redact(e.message));
      if (typeof e.stack === 'string') setQuietly(e, 'stack', this.redact(e.stack));
      if (typeof e.reason === 'string') setQuietly(e, 'reason', this.redact(e.reason));
      if (typeof e.details === 'object' && e.details !== null) setQuietly(e, 'details', this.redactValue(e.details, 2));
      current = e.cause;
    }
    return error;
  }

  /** A copy of `value` with secrets redacted from its strings, `depth` levels of objects deep. */
  redactValue<T>(value: T, depth = 3): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (value instanceof Error) return this.redactError(value);
    if (depth <= 0 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactValue(v, depth - 1)) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v, depth - 1);
    return out as T;
  }

  #regex(): RegExp | undefined {
    if (this.#values.size === 0) return undefined;
    if (this.#stale || this.#pattern === undefined) {
      // Longest first, so that a secret containing another is masked whole.
      const alternatives = [...this.#values].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#pattern = new RegExp(alternatives.join('|'), 'g');
      this.#stale = false;
    }
    return this.#pattern;
  }
}

/** Characters of a secret's start or end that, shown together, count as a piece of it. */
export const MIN_ECHO = 10;

/**
 * Mask the actual secret values in any letter case (a key that lands in a host name
 * comes back lowercased), and shortened echoes of them as servers print keys
 * (`sk-live-SUPERS…`, `…0123456789abcdef`): at least {@link MIN_ECHO} characters
 * that start the real value and are followed by an ellipsis, or end it and follow
 * one. Only the actual values count: a word that merely looks like a key (the same
 * `sk-live-` prefix, other characters after it) is left alone.
 */
export function maskPartialEchoes(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length <= MIN_ECHO) continue;
    out = maskRuns(out, secret, true);
    out = maskRuns(out, secret, false);
  }
  return out;
}

/** Mask every run of `secret`'s start (`fromStart`) or end, at least MIN_ECHO long. */
function maskRuns(text: string, secret: string, fromStart: boolean): string {
  // Case-insensitive: a key that lands in a host name comes back lowercased.
  const lower = text.toLowerCase();
  const wanted = secret.toLowerCase();
  const anchor = fromStart ? wanted.slice(0, MIN_ECHO) : wanted.slice(-MIN_ECHO);
  let at = lower.indexOf(anchor);
  if (at < 0) return text;
  let out = '';
  let copied = 0;
  while (at >= 0) {
    let begin = at;
    let end = at + MIN_ECHO;
    if (fromStart) {
      // Extend forwards while the text keeps following the secret.
      while (end < lower.length && end - at < wanted.length && lower[end] === wanted[end - at]) end++;
    } else {
      let k = wanted.length - MIN_ECHO;
      while (begin > 0 && k > 0 && lower[begin - 1] === wanted[k - 1]) {
        begin--;
        k--;
      }
    }
    // The whole value (in any case), or a piece of it shown as cut short.
    const whole = end - begin === wanted.length;
    const cut = fromStart ? /^(…|\.\.\.)/.test(text.slice(end, end + 3)) : /(…|\.\.\.)$/.test(text.slice(Math.max(0, begin - 3), begin));
    if (whole || cut) {
      out += `${text.slice(copied, begin)}${MASK}`;
      copied = end;
    }
    at = lower.indexOf(anchor, Math.max(end, at + 1));
  }
  return out + text.slice(copied);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Assign a property even where it is read-only or an accessor; an object that refuses keeps its value. */
function setQuietly(target: object, key: string, value: unknown): void {
  try {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(target, key) });
  } catch {
    // A frozen foreign object: nothing more can be done here.
  }
}
