/**
 * createOnce(): the generic layer over any Marketplace that keeps one lease per
 * request when answers are lost and idempotency keys ignored (provider adapters get
 * it for free). Driven on virtual time with a scripted marketplace.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { ComputeError } from '../../src/errors.js';
import { createOnce, leasesOfRequest, outcomeUnknown } from '../../src/leases/lease-create.js';
import type { Marketplace } from '../../src/market/marketplace.js';
import { LeaseSchema, type CreateLeaseRequest, type Lease } from '../../src/market/protocol.js';

const request: CreateLeaseRequest = { offerId: 'o', image: 'i', maxPricePerHour: 36, tags: { client: 'c', node: 'w#a.1' } };
const lease = (id: string, fields: Partial<Lease> = {}): Lease => LeaseSchema.parse({ id, state: 'running', tags: { client: 'c', node: 'w#a.1' }, ...fields });
const lost = (): ComputeError => new ComputeError('MARKET_UNAVAILABLE', 'POST /v1/leases: socket closed', { details: { outcomeUnknown: true } });
const refused = (): ComputeError => new ComputeError('MARKET_UNAVAILABLE', 'POST /v1/leases: 429', { details: { status: 429 } });

/** A marketplace that answers creates and lookups from scripts, logging each call. */
function scripted(creates: Array<() => Lease>, lookups: Array<() => Lease[]>): Marketplace & { calls: string[] } {
  const calls: string[] = [];
  const next = <T>(list: Array<() => T>, what: string): T => {
    const step = list.shift();
    if (!step) throw new Error(`unexpected ${what}`);
    return step();
  };
  return {
    calls,
    listOffers: () => Promise.resolve([]),
    createLease: (_r, key) => (calls.push(`POST ${key}`), Promise.resolve().then(() => next(creates, 'create'))),
    listLeases: (tag) => (calls.push(`LIST ${tag}`), Promise.resolve().then(() => next(lookups, 'lookup'))),
    getLease: () => Promise.reject(new Error('unused')),
    releaseLease: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
}

async function run(market: Marketplace, clock: VirtualClock, onUnknown: (n: number) => boolean = () => true) {
  const outcome = createOnce(market, request, 'key-1', { clock, listTag: 'client:c', nodeTag: 'w#a.1', onUnknown, wanted: () => true }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await clock.advance(60_000);
  return outcome;
}

describe('createOnce', () => {
  it('a lost answer: looks the request up by tag before sending the create again, with the same key', async () => {
    const clock = new VirtualClock();
    const market = scripted([() => { throw lost(); }, () => lease('l-2')], [() => []]);
    const reserved: number[] = [];
    const result = await run(market, clock, (n) => (reserved.push(n), true));
    expect(result).toMatchObject({ value: { lease: { id: 'l-2' }, duplicates: [], unknownPosts: 1 } });
    expect(market.calls).toEqual(['POST key-1', 'LIST client:c', 'POST key-1']);
    expect(reserved).toEqual([1]);
  });

  it('a lost answer whose lease exists: adopted, never created twice', async () => {
    const clock = new VirtualClock();
    const market = scripted([() => { throw lost(); }], [() => [lease('l-1'), lease('other', { tags: { client: 'c', node: 'w#b.9' } })]]);
    expect(await run(market, clock)).toMatchObject({ value: { lease: { id: 'l-1' }, duplicates: [] } });
    expect(market.calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  it('several leases for one request: adopts the running one, returns the others to release', async () => {
    const clock = new VirtualClock();
    const found = [lease('l-b', { state: 'provisioning', createdAt: '2026-01-01T00:00:01Z' }), lease('l-a', { createdAt: '2026-01-01T00:00:02Z' }), lease('l-c', { state: 'terminated' })];
    const market = scripted([() => { throw lost(); }], [() => found]);
    const result = await run(market, clock);
    expect(result).toMatchObject({ value: { lease: { id: 'l-a' }, duplicates: [{ id: 'l-b' }] } });
  });

  it('a refusal (429 past the retries) is not unknown: rethrown at once, no lookup', async () => {
    const clock = new VirtualClock();
    const market = scripted([() => { throw refused(); }], []);
    const result = await run(market, clock);
    expect(result).toMatchObject({ error: { code: 'MARKET_UNAVAILABLE' } });
    expect(outcomeUnknown((result as { error: unknown }).error)).toBe(false);
    expect(market.calls).toEqual(['POST key-1']);
  });

  it('no budget for another unseen answer: never sends the create again, keeps looking', async () => {
    const clock = new VirtualClock();
    const market = scripted([() => { throw lost(); }], [() => [], () => [], () => [lease('l-late')]]);
    const result = await run(market, clock, () => false);
    expect(result).toMatchObject({ value: { lease: { id: 'l-late' } } });
    expect(market.calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  it('lookups that keep failing: gives up with the unknown outcome, never creates blind', async () => {
    const clock = new VirtualClock();
    const down = (): Lease[] => { throw new ComputeError('MARKET_UNAVAILABLE', 'down'); };
    const market = scripted([() => { throw lost(); }], [down, down, down, down]);
    const result = await run(market, clock);
    expect(outcomeUnknown((result as { error: unknown }).error)).toBe(true);
    expect(market.calls.filter((c) => c.startsWith('POST'))).toHaveLength(1);
  });

  it('leasesOfRequest keeps the live leases of one node tag, running first', () => {
    const list = [lease('x', { state: 'failed' }), lease('y', { state: 'pending' }), lease('z')];
    expect(leasesOfRequest(list, 'w#a.1').map((l) => l.id)).toEqual(['z', 'y']);
  });
});
