/**
 * Exponentially weighted mean, for the service-time estimate the planner uses.
 * Reacts to a change in a handful of samples without keeping them.
 */

/** An exponentially weighted moving average. */
export class Ewma {
  private current: number | undefined;

  /** @param alpha weight of each new sample, 0..1. @default 0.1 */
  constructor(private readonly alpha = 0.1) {}

  /** Add a sample. */
  record(value: number): void {
    this.current = this.current === undefined ? value : this.current + this.alpha * (value - this.current);
  }

  /** The mean so far, or undefined before the first sample. */
  get value(): number | undefined {
    return this.current;
  }
}
