/**
 * Watches the runtime through its public events (`scale`, `lease`, `budget`,
 * `warning`) and the demo's own task outcomes; keeps what the summary needs and
 * narrates what happens to the view.
 */
import type { Compute } from '../../api.js';
import { isComputeError } from '../../errors.js';
import type { ScaleEvent } from '../../events.js';
import type { ScaleDecision } from './summary.js';
import { hourly } from './status.js';

/** Counters and history of one demo run. */
export class DemoRecorder {
  readonly decisions: ScaleDecision[] = [];
  readonly latencies: number[] = [];
  readonly failures: Record<string, number> = {};
  ok = 0;
  failed = 0;
  peakNodes = 0;
  leases = 0;
  preempted = 0;
  private readonly live = new Set<string>();
  private warnings = 0;

  constructor(
    compute: Compute,
    private readonly elapsedSec: () => number,
    private readonly say: (atSec: number, text: string) => void,
  ) {
    compute.on('scale', (e) => this.onScale(e));
    compute.on('lease', (e) => {
      const id = e.leaseId ?? '';
      if (e.type === 'acquired' && id !== '') {
        this.leases++;
        this.live.add(id);
        this.peakNodes = Math.max(this.peakNodes, this.live.size);
      }
      if (e.type === 'released' || e.type === 'preempted' || e.type === 'failed') this.live.delete(id);
      if (e.type === 'preempted') this.preempted++;
      // The scale line already says what was requested and drained.
      if (e.type === 'acquired' || e.type === 'draining') return;
      const lease = id === '' ? 'lease request' : `lease ${id}`;
      this.say(this.elapsedSec(), `${lease} ${e.type}: ${e.gpu} (${e.offerId}, ${hourly(e.pricePerHour)}): ${e.reason}`);
    });
    compute.on('budget', (e) => this.say(this.elapsedSec(), `budget: ${e.reason}`));
    compute.on('warning', (e) => {
      // A few are informative; a flood is not.
      if (++this.warnings <= 3) this.say(this.elapsedSec(), `warning while ${e.during}: ${e.error.code} ${e.error.message}`);
    });
  }

  /** Scale decisions that added nodes / drained or released some. */
  get ups(): number {
    return this.decisions.filter((d) => d.direction === 'up').length;
  }

  get downs(): number {
    return this.decisions.filter((d) => d.direction === 'down').length;
  }

  /** A task succeeded after `latencyMs`. */
  succeeded(latencyMs: number): void {
    this.ok++;
    this.latencies.push(latencyMs);
  }

  /** A task failed. */
  failedWith(error: unknown): void {
    this.failed++;
    const code = isComputeError(error) ? error.code : 'ERROR';
    this.failures[code] = (this.failures[code] ?? 0) + 1;
  }

  private onScale(e: ScaleEvent): void {
    const direction = e.added + e.restored > 0 ? 'up' : e.drained + e.released > 0 ? 'down' : 'hold';
    const decision: ScaleDecision = {
      atSec: Math.round(this.elapsedSec() * 10) / 10,
      direction,
      desired: e.desired,
      added: e.added,
      drained: e.drained,
      released: e.released,
      reason: e.reason,
    };
    this.decisions.push(decision);
    const change = [e.added > 0 ? `+${e.added} requested` : '', e.restored > 0 ? `${e.restored} back from draining` : '', e.drained > 0 ? `${e.drained} draining` : '', e.released > 0 ? `${e.released} released` : '']
      .filter(Boolean)
      .join(', ');
    this.say(decision.atSec, `scale ${direction} to ${e.desired} node${e.desired === 1 ? '' : 's'} (${change}): ${e.reason}`);
  }
}
