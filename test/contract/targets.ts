/**
 * The three implementations of protocol v1 the contract scenario runs against, each
 * behind one small interface: the msw handlers of `adaptive-compute/testing`
 * (reached through their undici dispatcher), the loopback fake marketplace, and the
 * embedded local marketplace with real agent processes. All get the same offers.
 */
import { realClock, VirtualClock } from '../../src/clock.js';
import type { Dispatcher } from 'undici';
import { startLocalMarket } from '../../src/local/market/local-market.js';
import type { Offer } from '../../src/market/protocol.js';
import { createFakeMarketplace, marketplaceHandlers } from '../../src/testing/index.js';
import { isRunning } from '../local/processes.js';

/** One implementation under test. */
export interface ContractTarget {
  /** Marketplace base URL. */
  readonly url: string;
  readonly apiKey: string;
  /** Dispatcher for marketplace and node calls; undefined: real loopback connections. */
  readonly dispatcher: Dispatcher | undefined;
  /** Let `ms` of marketplace time pass (virtual time, or real time for the local marketplace). */
  advance(ms: number): Promise<void>;
  /** Bill total and lease count as the marketplace itself reports them (not over HTTP). */
  bill(): { total: number; leases: number };
  /** Stop everything it started (servers, nodes, processes). */
  close(): Promise<void>;
}

/** Cold start every target uses: long enough to observe `pending`/`provisioning`, short for the agent processes. */
export const COLD_START_MS = 300;

const offer = (o: Pick<Offer, 'id' | 'gpu' | 'pricePerHour'> & Partial<Offer>): Offer => ({
  currency: 'USD',
  billingIncrementSec: 1,
  minLeaseSec: 0,
  interruptible: false,
  region: 'contract',
  reliability: 0.99,
  coldStartSec: 1,
  available: 4,
  ...o,
});

/** Offers served by every target. `h100-single` has one node, to provoke 409 once it is taken. */
export const CONTRACT_OFFERS: Offer[] = [
  offer({ id: 'a100-40', gpu: { model: 'A100', count: 1, memoryGb: 40 }, pricePerHour: 2 }),
  offer({ id: 'a100-80-spot', gpu: { model: 'A100', count: 1, memoryGb: 80 }, pricePerHour: 1.2, interruptible: true, reliability: 0.9 }),
  offer({ id: 'h100-single', gpu: { model: 'H100', count: 1, memoryGb: 80 }, pricePerHour: 4, available: 1 }),
  offer({ id: 'l4x2', gpu: { model: 'L4', count: 2, memoryGb: 24 }, pricePerHour: 1.1 }),
];

const START = Date.UTC(2025, 0, 1);

/** msw handlers on virtual time, reached through their dispatcher (no socket to the marketplace). */
export async function mswTarget(): Promise<ContractTarget> {
  const clock = new VirtualClock(START);
  const market = await marketplaceHandlers({ clock, coldStartMs: COLD_START_MS, offers: CONTRACT_OFFERS, apiKey: 'contract-key' });
  return {
    url: market.url,
    apiKey: market.apiKey,
    dispatcher: market.dispatcher,
    advance: (ms) => clock.advance(ms),
    bill: () => ({ total: market.bill().total, leases: market.leases().length }),
    close: () => market.close(),
  };
}

/** The loopback fake marketplace on virtual time. */
export async function fakeTarget(): Promise<ContractTarget> {
  const clock = new VirtualClock(START);
  const market = await createFakeMarketplace({ clock, coldStartMs: COLD_START_MS, offers: CONTRACT_OFFERS, apiKey: 'contract-key' });
  return {
    url: market.url,
    apiKey: market.apiKey,
    dispatcher: undefined,
    advance: (ms) => clock.advance(ms),
    bill: () => ({ total: market.bill().total, leases: market.leases().length }),
    close: () => market.close(),
  };
}

/** The embedded local marketplace on real time: nodes are `adaptive-compute agent` processes (needs dist/). */
export async function localTarget(): Promise<ContractTarget> {
  const market = await startLocalMarket({
    coldStartMs: COLD_START_MS,
    offers: CONTRACT_OFFERS,
    prices: false,
    preemptionRatePerHour: 0,
    slots: 2,
    apiKey: 'contract-key',
  });
  return {
    url: market.url,
    apiKey: market.apiKey,
    dispatcher: undefined,
    advance: (ms) => new Promise((resolve) => realClock.setTimeout(resolve, ms)),
    bill: () => ({ total: market.account().total, leases: market.leases().length }),
    close: async () => {
      const pids = [...market.agentPids().values()];
      await market.close();
      // close() promises that every agent has exited; a leftover would bill (and load the machine) forever.
      const left = pids.filter(isRunning);
      if (left.length > 0) throw new Error(`agent processes still running after close(): ${left.join(', ')}`);
    },
  };
}
