import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assignShares, shareSpread, slotTargets } from '../../src/coordination/shares.js';

const total = (share: Record<string, number>): number => Object.values(share).reduce((a, b) => a + b, 0);

describe('slot shares (pure)', () => {
  it('gives slots by demand and spreads each replica over the nodes', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((key) => ({ key, slots: 2 }));
    const shares = assignShares(nodes, [
      { replicaId: 'a', demand: 40 },
      { replicaId: 'b', demand: 40 },
      { replicaId: 'c', demand: 40 },
    ]);
    expect(Object.keys(shares).sort()).toEqual(['a', 'b', 'c']);
    expect(['a', 'b', 'c'].map((r) => total(shares[r]!))).toEqual([4, 4, 4]);
    // One fleet: some node serves more than one replica.
    const servedBy = (node: string) => ['a', 'b', 'c'].filter((r) => (shares[r]![node] ?? 0) > 0).length;
    expect(nodes.some((n) => servedBy(n.key) > 1)).toBe(true);
    expect(shareSpread(shares)).toBe(0);
  });

  it('moves slots to the replica whose demand grew', () => {
    const nodes = [{ key: 'n1', slots: 4 }, { key: 'n2', slots: 4 }];
    const before = assignShares(nodes, [{ replicaId: 'a', demand: 4 }, { replicaId: 'b', demand: 4 }]);
    const after = assignShares(nodes, [{ replicaId: 'a', demand: 30 }, { replicaId: 'b', demand: 2 }]);
    expect(total(before.a!)).toBe(4);
    expect(total(after.a!)).toBeGreaterThan(total(after.b!));
    expect(total(after.b!)).toBeGreaterThanOrEqual(1);
  });

  it('spreads idle slots so that new work anywhere finds one', () => {
    const targets = slotTargets(6, [{ replicaId: 'a', demand: 0 }, { replicaId: 'b', demand: 0 }, { replicaId: 'c', demand: 1 }]);
    expect([...targets.values()].reduce((a, b) => a + b, 0)).toBe(6);
    expect(Math.min(...targets.values())).toBeGreaterThanOrEqual(1);
  });

  it('never hands out more than a node has, and hands out all of it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 20 }),
        (slots, demands) => {
          const nodes = slots.map((s, i) => ({ key: `n${i}`, slots: s }));
          const replicas = demands.map((d, i) => ({ replicaId: `r${i}`, demand: d }));
          const shares = assignShares(nodes, replicas);
          for (const n of nodes) {
            const given = replicas.reduce((sum, r) => sum + (shares[r.replicaId]![n.key] ?? 0), 0);
            expect(given).toBeLessThanOrEqual(n.slots);
            if (replicas.length > 0) expect(given).toBe(n.slots);
          }
          // With enough slots, every replica that has work gets at least one.
          const all = slots.reduce((a, b) => a + b, 0);
          const working = replicas.filter((r) => r.demand > 0);
          if (working.length <= all) for (const r of working) expect(total(shares[r.replicaId]!)).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});
