/**
 * Queued items by priority: one FIFO lane (a ring-buffer deque) per distinct
 * priority, lanes ordered from highest to lowest. Priorities are a handful of
 * integers in practice, so finding the top lane is a look at `order[0]`, and
 * push / take / put-back are O(1), with no per-item heap node.
 *
 * Items that stop being live while queued (aborted, timed out) are left in place and
 * skipped when met; a lane is compacted when its dead items outnumber its live ones,
 * so they never hold more than about the live count in memory.
 */
import { RingDeque } from './deque.js';

// Below this many dead items a compaction is not worth its cost.
const COMPACT_MIN = 64;

class Lane<T> {
  readonly items = new RingDeque<T>();
  // An estimate: exact after each compaction, and only used to decide when to compact.
  dead = 0;

  constructor(readonly priority: number) {}
}

// Emptied lanes stay in place (a queue that drains after every task, the usual case
// with a free node, would otherwise make and drop a lane per task) until more than
// this many lanes exist; then the empty ones go.
const MAX_LANES_KEPT = 8;

/** A priority-ordered set of FIFO lanes with lazy removal. */
export class PriorityLanes<T> {
  private lanes = new Map<number, Lane<T>>();
  // Every lane held, empty or not, highest priority first.
  private order: Lane<T>[] = [];
  // The lane of the last push: nearly every push goes to the same priority.
  private recent: Lane<T> | undefined;
  private readonly isLive: (item: T) => boolean;

  /** @param isLive whether an item is still waiting; dead items are dropped when met. */
  constructor(isLive: (item: T) => boolean) {
    this.isLive = isLive;
  }

  /** Number of lanes (distinct priorities) currently holding items. */
  get laneCount(): number {
    let n = 0;
    for (const lane of this.order) if (lane.items.length > 0) n++;
    return n;
  }

  /** Append to the tail of the item's priority lane. */
  pushBack(priority: number, item: T): void {
    this.lane(priority).items.push(item);
  }

  /** Put at the head of the item's priority lane, ahead of everything of that priority. */
  pushFront(priority: number, item: T): void {
    this.lane(priority).items.unshift(item);
  }

  /** Remove and return the first live item of the highest priority, or undefined. */
  shiftLive(): T | undefined {
    for (const lane of this.order) {
      for (let item = lane.items.shift(); item !== undefined; item = lane.items.shift()) {
        if (this.isLive(item)) return item;
        if (lane.dead > 0) lane.dead--;
      }
      lane.dead = 0;
    }
    return undefined;
  }

  /** An item of `priority` stopped being live while still in its lane. */
  noteDead(priority: number): void {
    const lane = this.lanes.get(priority);
    if (lane === undefined) return;
    lane.dead++;
    if (lane.dead < COMPACT_MIN || lane.dead * 2 <= lane.items.length) return;
    lane.items.retain(this.isLive);
    lane.dead = 0;
  }

  /**
   * Visit, lane by lane from the highest priority, live items from each lane's head
   * while `visit` returns true. Dead items at a lane's head are dropped on the way,
   * so repeated scans do not walk over the same dead prefix.
   */
  scanHeads(visit: (item: T) => boolean): void {
    for (const lane of [...this.order]) {
      while (lane.items.length > 0 && !this.isLive(lane.items.at(0)!)) {
        lane.items.shift();
        if (lane.dead > 0) lane.dead--;
      }
      for (let i = 0; i < lane.items.length; i++) {
        const item = lane.items.at(i)!;
        if (this.isLive(item) && !visit(item)) break;
      }
    }
  }

  /**
   * Empty every lane and visit the items that were live, highest priority first.
   * The lanes are detached before the first visit, so `visit` may push new items.
   */
  drainLive(visit: (item: T) => void): void {
    const lanes = this.order;
    this.lanes = new Map();
    this.order = [];
    this.recent = undefined;
    for (const lane of lanes) {
      lane.items.forEach((item) => {
        if (this.isLive(item)) visit(item);
      });
    }
  }

  private lane(priority: number): Lane<T> {
    const recent = this.recent;
    if (recent !== undefined && recent.priority === priority) return recent;
    let lane = this.lanes.get(priority);
    if (lane === undefined) {
      if (this.order.length >= MAX_LANES_KEPT) this.dropEmptyLanes();
      lane = new Lane<T>(priority);
      this.lanes.set(priority, lane);
      this.order.splice(insertionIndex(this.order, priority), 0, lane);
    }
    this.recent = lane;
    return lane;
  }

  private dropEmptyLanes(): void {
    this.order = this.order.filter((lane) => lane.items.length > 0);
    this.lanes = new Map(this.order.map((lane) => [lane.priority, lane]));
    this.recent = undefined;
  }
}

// Index at which `priority` keeps `order` sorted from highest to lowest.
function insertionIndex(order: readonly Lane<unknown>[], priority: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid]!.priority > priority) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
