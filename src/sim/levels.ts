/**
 * Ready nodes bucketed by tasks in flight, so that the least-loaded node (the
 * dispatcher's choice) is found in O(slots) however many nodes there are, and a
 * node moves between buckets in O(1) (swap-remove; each node keeps its position).
 * Within a bucket the most recently moved node is taken first.
 */
import type { SimNode } from './node.js';

/** Nodes that take work, by load. */
export class LoadLevels {
  private readonly levels: SimNode[][];

  /** @param slots tasks a node runs at once (levels 0..slots). */
  constructor(slots: number) {
    this.levels = Array.from({ length: slots + 1 }, () => []);
  }

  /** Add a node at `level` (its tasks in flight). */
  add(node: SimNode, level: number): void {
    const bucket = this.levels[level]!;
    node.pos = bucket.length;
    bucket.push(node);
  }

  /** Remove a node from `level`. */
  remove(node: SimNode, level: number): void {
    const bucket = this.levels[level]!;
    const last = bucket.pop()!;
    if (last !== node) {
      bucket[node.pos] = last;
      last.pos = node.pos;
    }
  }

  /** Move a node from one level to another. */
  move(node: SimNode, from: number, to: number): void {
    this.remove(node, from);
    this.add(node, to);
  }

  /** The least-loaded node below full (call only when one exists). */
  least(): SimNode {
    let level = 0;
    while (this.levels[level]!.length === 0) level++;
    const bucket = this.levels[level]!;
    return bucket[bucket.length - 1]!;
  }
}
