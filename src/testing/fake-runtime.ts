/**
 * The fake marketplace's {@link NodeRuntime}: every lease gets an in-process
 * {@link FakeNode} that listens at once and serves when the cold start is over,
 * so that virtual-clock tests see readiness exactly on time.
 */
import type { Clock } from '../clock.js';
import type { NodeHandle, NodeLaunchSpec, NodeRuntime } from '../local/market/node-runtime.js';
import { FakeNode } from './fake-node.js';
import type { FakeTaskHandler } from './fake-node.js';

/** In-process nodes, findable by lease id (for `nodeStats` and `killNode`). */
export class FakeNodeRuntime implements NodeRuntime {
  private readonly nodes = new Map<string, { node: FakeNode; launched: Promise<void> }>();

  constructor(private readonly options: { clock: Clock; slots: number; handler: FakeTaskHandler }) {}

  /** The node of a lease, once launched. */
  node(leaseId: string): { node: FakeNode; launched: Promise<void> } | undefined {
    return this.nodes.get(leaseId);
  }

  launch(spec: NodeLaunchSpec): NodeHandle {
    const { clock, slots, handler } = this.options;
    const node = new FakeNode({ leaseId: spec.leaseId, token: spec.token, slots, handler, clock });
    let listening = false;
    const launched = node.start().then(() => {
      listening = true;
    });
    this.nodes.set(spec.leaseId, { node, launched });
    return {
      launched,
      boot: () => {
        const up = (): string => {
          node.ready = true;
          return node.endpoint;
        };
        return listening ? up() : launched.then(up);
      },
      kill: () => node.kill(),
    };
  }
}
