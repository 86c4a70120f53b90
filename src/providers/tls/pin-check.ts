/**
 * Before an adapter reports a node as running, it checks the node's TLS key with a
 * bare handshake (no HTTP request, so nothing to leak): a node presenting another
 * key than the one pinned for its lease is reported `failed` (and its offer avoided),
 * a node not answering yet stays `provisioning` until it does. The dispatcher's
 * connections are pinned too; this only makes the verdict early and visible.
 */
import { connect } from 'node:tls';
import type { Clock } from '../../clock.js';
import { certificatePin } from './node-key.js';

/** What the handshake showed. */
export type PinVerdict = 'match' | 'mismatch' | 'unreachable';

/** One TLS handshake with `host:port`; never rejects. */
export function probePin(clock: Clock, host: string, port: number, pin: string, timeoutMs: number): Promise<PinVerdict> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (verdict: PinVerdict): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket.destroy();
      resolve(verdict);
    };
    const socket = connect({ host, port, rejectUnauthorized: false, ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) });
    const timer = clock.setTimeout(() => finish('unreachable'), timeoutMs);
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerX509Certificate();
      finish(certificate && certificatePin(certificate) === pin ? 'match' : 'mismatch');
    });
    socket.once('error', () => finish('unreachable'));
  });
}

/** Per-lease verdicts, probing at most once at a time per lease. */
export class PinChecks {
  readonly #verdicts = new Map<string, 'match' | 'mismatch'>();
  readonly #probing = new Map<string, Promise<PinVerdict>>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The settled verdict for `leaseId` at `endpoint`, probing if none yet. */
  async check(leaseId: string, endpoint: string, pin: string): Promise<PinVerdict> {
    const known = this.#verdicts.get(leaseId);
    if (known) return known;
    let probe = this.#probing.get(leaseId);
    if (!probe) {
      const url = new URL(endpoint);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      probe = probePin(this.clock, host, Number(url.port || 443), pin, this.timeoutMs);
      this.#probing.set(leaseId, probe);
    }
    const verdict = await probe;
    this.#probing.delete(leaseId);
    if (verdict !== 'unreachable') this.#verdicts.set(leaseId, verdict);
    return verdict;
  }

  /** Forget a lease that ended. */
  forget(leaseId: string): void {
    this.#verdicts.delete(leaseId);
  }
}
