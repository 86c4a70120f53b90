/**
 * Local dispatch within a slot share: the dispatcher fills a node only up to the
 * share the leader gave this replica, from local state, and a grown share is used at
 * once. Scripted node transports on a virtual clock.
 */
import { expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { WorkloadDispatcher } from '../../src/dispatch/dispatcher.js';
import type { NodeTransport } from '../../src/dispatch/node-transport.js';
import { TaskQueue } from '../../src/queue/index.js';

function heldNode(running: Map<string, Array<() => void>>, id: string): NodeTransport {
  running.set(id, []);
  return {
    run: () => new Promise((resolve) => running.get(id)!.push(() => resolve('ok'))),
    healthy: async () => true,
    close: async () => {},
  };
}

it('a replica fills each node only up to its slot share, and uses a grown share at once', async () => {
  const clock = new VirtualClock();
  const queue = new TaskQueue({ clock, workload: 'w', maxQueued: 100 });
  const dispatcher = new WorkloadDispatcher({ workload: 'w', queue, clock, concurrencyPerNode: 4, maxAttempts: 3 });
  queue.onTakeable = () => dispatcher.pump();
  const running = new Map<string, Array<() => void>>();
  dispatcher.addNode('n1', heldNode(running, 'n1'));
  dispatcher.addNode('n2', heldNode(running, 'n2'));
  dispatcher.setNodeLimit('n1', 1);
  dispatcher.setNodeLimit('n2', 0);
  const results = Array.from({ length: 6 }, (_, i) => queue.enqueue(i));
  await clock.advance(0);
  expect(running.get('n1')!.length).toBe(1);
  expect(running.get('n2')!.length).toBe(0);
  expect(dispatcher.hasAcceptingNode).toBe(true);
  // The leader moves slots to this replica: queued work starts at once, within the new share.
  dispatcher.setNodeLimit('n2', 2);
  await clock.advance(0);
  expect(running.get('n2')!.length).toBe(2);
  // A share is capped by the node's own concurrency.
  dispatcher.setNodeLimit('n1', 99);
  await clock.advance(0);
  expect(running.get('n1')!.length).toBe(4);
  for (const done of [...running.values()].flat()) done();
  await clock.advance(0);
  await expect(Promise.all(results)).resolves.toHaveLength(6);
  // No share anywhere: no accepting node (the runtime nudges its loop instead).
  dispatcher.setNodeLimit('n1', 0);
  dispatcher.setNodeLimit('n2', 0);
  expect(dispatcher.hasAcceptingNode).toBe(false);
});
