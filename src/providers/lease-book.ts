/**
 * What a provider adapter keeps about its leases that the provider does not keep
 * for it, the same for every provider: the secrets made per lease, offers refused
 * recently, the TLS verdicts, which offer an instance came from and when it was
 * created, DELETEs sent and not yet seen through, keys a creation was tried for,
 * and failed instances being cleaned up. An adapter composes one and keeps only
 * what is provider-specific: paths, bodies and the mapping of its answers.
 */
import type { Clock } from '../clock.js';
import { ComputeError, isComputeError } from '../errors.js';
import type { Lease } from '../market/protocol.js';
import { ENDED_LEASE_STATES } from '../market/protocol.js';
import { createOnce } from './create-once.js';
import { GoneOffers } from './gone-offers.js';
import { LeaseSecrets } from './lease-secrets.js';
import type { LeaseSecret } from './lease-secrets.js';
import { PinChecks } from './tls/pin-check.js';
import { vetRunning } from './vet-running.js';

/** A just-created instance may not be readable yet: "gone" then means "not yet". */
export const READ_BACK_GRACE_MS = 60_000;

/** The adapter's settings the book reads. */
export interface LeaseBookSettings {
  clock: Clock;
  /** Attempts per read call; creations get two more (see {@link LeaseBook.create}). */
  maxAttempts: number;
}

/** What a {@link LeaseBook} needs from its adapter. */
export interface LeaseBookHooks {
  /** Every instance whose label/name carries `tag` (`key:value`). */
  listByTag(tag: string, signal: AbortSignal | undefined): Promise<Lease[]>;
  /** The adapter's release (DELETE, then read back). */
  release(id: string): Promise<unknown>;
  /** Whether the adapter was closed: nothing is cleaned up after. */
  closed(): boolean;
}

/** What the book knows about one instance besides what the provider says. */
export interface LeaseFacts {
  /** Token and TLS key, when this process made them for the instance's lease key. */
  secret: LeaseSecret | undefined;
  /** A DELETE was sent and the instance was not yet seen gone. */
  deleting: boolean;
  /** The offer it was created from, when this process created it. */
  offerId: string | undefined;
}

/** One adapter's per-lease bookkeeping. Never serialised. */
export class LeaseBook {
  readonly #clock: Clock;
  readonly #createAttempts: number;
  readonly #hooks: LeaseBookHooks;
  readonly #secrets = new LeaseSecrets();
  readonly #gone: GoneOffers;
  readonly #pins: PinChecks;
  /** Instance id -> offer id, for instances this process created. */
  readonly #offerOf = new Map<string, string>();
  /** Instance id -> clock ms of its creation answer. */
  readonly #createdAt = new Map<string, number>();
  /** Instances a DELETE was sent for and that were not yet seen gone. */
  readonly #deleting = new Set<string>();
  /** Lease keys a creation was sent for (a second request for one looks first). */
  readonly #tried = new Set<string>();
  /** Failed or impostor instances a DELETE was started for. */
  readonly #cleaning = new Set<string>();

  constructor(settings: LeaseBookSettings, hooks: LeaseBookHooks) {
    this.#clock = settings.clock;
    // Two more than reads: a provider rate-limits creations hardest (Vast: a minimum interval per endpoint).
    this.#createAttempts = settings.maxAttempts + 2;
    this.#hooks = hooks;
    this.#gone = new GoneOffers(this.#clock);
    this.#pins = new PinChecks(this.#clock);
  }

  /** Offers not refused recently. */
  available<T extends { id: string }>(offers: readonly T[]): T[] {
    return offers.filter((o) => !this.#gone.has(o.id));
  }

  /** @throws ComputeError `OFFER_GONE` when `offerId` was refused or misbehaved recently. */
  assertOfferLive(offerId: string): void {
    if (this.#gone.has(offerId)) throw new ComputeError('OFFER_GONE', `createLease: offer ${offerId} was refused or misbehaved recently; list offers again`);
  }

  /** The secrets of lease `key`, made on first use (with a TLS key when the node is reached on a plain IP). */
  secret(key: string, withTls: boolean): LeaseSecret {
    return this.#secrets.obtain(key, withTls);
  }

  /** What the book knows about instance `id`, whose label carries lease key `key`. */
  facts(id: string, key: string | undefined): LeaseFacts {
    return { secret: this.#secrets.find(key), deleting: this.#deleting.has(id), offerId: this.#offerOf.get(id) };
  }

  /**
   * Create once for lease `key` from `offerId`: before any retry (and first of all
   * when this key was tried before) the live instances carrying the key are looked up
   * and one is adopted. A capacity refusal keeps the offer out for a while.
   */
  create(key: string, offerId: string, signal: AbortSignal | undefined, create: () => Promise<Lease>): Promise<Lease> {
    const lookFirst = this.#tried.has(key);
    this.#tried.add(key);
    return createOnce({
      clock: this.#clock,
      random: Math.random,
      attempts: this.#createAttempts,
      lookFirst,
      find: async () => (await this.#hooks.listByTag(`node:${key}`, signal)).filter((l) => !ENDED_LEASE_STATES.has(l.state) && l.state !== 'terminating'),
      release: (id) => this.#hooks.release(id),
      create: async () => {
        try {
          const lease = await create();
          this.#offerOf.set(lease.id, offerId);
          this.#createdAt.set(lease.id, this.#clock.now());
          return lease;
        } catch (error) {
          if (isComputeError(error, 'OFFER_GONE')) this.#gone.add(offerId);
          throw error;
        }
      },
    });
  }

  /** Send a DELETE for `id`; one answered "not found" is fine (the read-back says gone). */
  async deleteSent(id: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (!(isComputeError(error) && error.details.notFound === true)) throw error;
    }
    this.#deleting.add(id);
  }

  /**
   * A running lease is only `running` once its node showed the pinned TLS key; one
   * showing another key is released and its offer avoided.
   */
  vet(lease: Lease): Promise<Lease> {
    return vetRunning(lease, this.#pins, (impostor) => {
      const offerId = this.#offerOf.get(impostor.id);
      if (offerId !== undefined) this.#gone.add(offerId);
      this.#cleanUp(impostor.id);
    });
  }

  /**
   * Every lease read from the provider passes here: an instance carrying our label
   * that failed or was preempted is released, whoever gave up on it (an exited one
   * still bills its disk, an outbid one may resume and bill again). Returns `lease`.
   */
  settle(lease: Lease): Lease {
    if ((lease.state === 'failed' || lease.state === 'preempted') && Object.keys(lease.tags).length > 0) this.#cleanUp(lease.id);
    return lease;
  }

  /**
   * Instance `id` was not found: `terminated` (made by `ended`), or `provisioning`
   * while a just-created instance may not be readable yet.
   */
  gone(id: string, ended: (offerId: string | undefined) => Lease): Lease {
    const created = this.#createdAt.get(id);
    const offerId = this.#offerOf.get(id);
    if (created !== undefined && !this.#deleting.has(id) && this.#clock.now() - created < READ_BACK_GRACE_MS) {
      return { ...ended(offerId), state: 'provisioning' };
    }
    this.#deleting.delete(id);
    this.#createdAt.delete(id);
    this.#pins.forget(id);
    return ended(offerId);
  }

  #cleanUp(id: string): void {
    if (this.#cleaning.has(id) || this.#hooks.closed()) return;
    this.#cleaning.add(id);
    void this.#hooks.release(id).catch(() => this.#cleaning.delete(id));
  }

  /** `util.inspect` and JSON show nothing. */
  toJSON(): string {
    return '[LeaseBook]';
  }
}
