import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingDeque } from '../../src/queue/deque.js';
import { PriorityLanes } from '../../src/queue/priority-lanes.js';

type DequeOp = { op: 'push' | 'unshift'; value: number } | { op: 'shift' } | { op: 'retainEven' };

// Weighted so that runs reach a few hundred items (several growths and wrap-arounds)
// and then shrink again.
const dequeOp: fc.Arbitrary<DequeOp> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('push' as const), value: fc.integer() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('unshift' as const), value: fc.integer() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('shift' as const) }), weight: 5 },
  { arbitrary: fc.constant({ op: 'retainEven' as const }), weight: 1 },
);

function contents<T>(deque: RingDeque<T>): T[] {
  const out: T[] = [];
  deque.forEach((item) => out.push(item));
  return out;
}

function heldSlots<T>(deque: RingDeque<T>): number {
  return (deque as unknown as { buf: unknown[] }).buf.filter((slot) => slot !== undefined).length;
}

describe('RingDeque', () => {
  it('behaves like an array under any mix of push, unshift, shift and retain (wrap-around, growth, shrink)', () => {
    fc.assert(
      fc.property(fc.array(dequeOp, { minLength: 100, maxLength: 1_500 }), (ops) => {
        const deque = new RingDeque<number>();
        const model: number[] = [];
        for (const step of ops) {
          if (step.op === 'push') {
            deque.push(step.value);
            model.push(step.value);
          } else if (step.op === 'unshift') {
            deque.unshift(step.value);
            model.unshift(step.value);
          } else if (step.op === 'shift') {
            expect(deque.shift()).toBe(model.shift());
          } else {
            deque.retain((v) => v % 2 === 0);
            model.splice(0, model.length, ...model.filter((v) => v % 2 === 0));
          }
          expect(deque.length).toBe(model.length);
          expect(deque.at(0)).toBe(model[0]);
          expect(deque.at(model.length - 1)).toBe(model.at(-1));
        }
        expect(contents(deque)).toEqual(model);
        // Removed items must not stay reachable from the buffer (they would pin task inputs).
        expect(heldSlots(deque)).toBe(model.length);
      }),
      { numRuns: 300 },
    );
  });

  it('releases its buffer after a burst drains', () => {
    const deque = new RingDeque<number>();
    for (let i = 0; i < 10_000; i++) deque.push(i);
    for (let i = 0; i < 9_990; i++) deque.shift();
    const capacity = (deque as unknown as { buf: unknown[] }).buf.length;
    expect(capacity).toBeLessThanOrEqual(64);
    expect(contents(deque)).toEqual([9_990, 9_991, 9_992, 9_993, 9_994, 9_995, 9_996, 9_997, 9_998, 9_999]);
  });
});

interface Item {
  id: number;
  live: boolean;
}

describe('PriorityLanes', () => {
  it('shifts by priority, FIFO within one, with put-backs first, skipping dead items', () => {
    const lanes = new PriorityLanes<Item>((item) => item.live);
    const items = Array.from({ length: 8 }, (_, id) => ({ id, live: true }));
    lanes.pushBack(0, items[0]!);
    lanes.pushBack(2, items[1]!);
    lanes.pushBack(0, items[2]!);
    lanes.pushBack(-3, items[3]!);
    lanes.pushBack(2, items[4]!);
    lanes.pushFront(0, items[5]!);
    lanes.pushBack(1, items[6]!);
    items[4]!.live = false;
    lanes.noteDead(2);
    const order: number[] = [];
    for (let item = lanes.shiftLive(); item !== undefined; item = lanes.shiftLive()) order.push(item.id);
    expect(order).toEqual([1, 6, 5, 0, 2, 3]);
    expect(lanes.laneCount).toBe(0);
  });

  it('compacts a lane once its dead items outnumber its live ones', () => {
    const lanes = new PriorityLanes<Item>((item) => item.live);
    const items = Array.from({ length: 1_000 }, (_, id) => ({ id, live: true }));
    for (const item of items) lanes.pushBack(0, item);
    const lane = (lanes as unknown as { lanes: Map<number, { items: RingDeque<Item> }> }).lanes.get(0)!;
    for (const item of items.slice(0, 600)) {
      item.live = false;
      lanes.noteDead(0);
    }
    expect(lane.items.length).toBeLessThan(1_000);
    expect(lane.items.length).toBeGreaterThanOrEqual(400);
    expect(lanes.shiftLive()?.id).toBe(600);
  });

  it('drops a lane whose items all died, so stale priorities do not pile up', () => {
    const lanes = new PriorityLanes<Item>((item) => item.live);
    for (let p = 0; p < 100; p++) {
      const items = Array.from({ length: 100 }, (_, id) => ({ id, live: true }));
      for (const item of items) lanes.pushBack(p, item);
      for (const item of items) {
        item.live = false;
        lanes.noteDead(p);
      }
    }
    expect(lanes.laneCount).toBeLessThanOrEqual(100);
    expect(lanes.shiftLive()).toBeUndefined();
    expect(lanes.laneCount).toBe(0);
  });

  it('drainLive detaches the lanes before visiting, so a visit may push again', () => {
    const lanes = new PriorityLanes<Item>((item) => item.live);
    const a = { id: 1, live: true };
    const dead = { id: 2, live: false };
    lanes.pushBack(0, a);
    lanes.pushBack(0, dead);
    const seen: number[] = [];
    lanes.drainLive((item) => {
      seen.push(item.id);
      lanes.pushBack(5, { id: 10 + item.id, live: true });
    });
    expect(seen).toEqual([1]);
    expect(lanes.shiftLive()?.id).toBe(11);
    expect(lanes.shiftLive()).toBeUndefined();
  });
});
