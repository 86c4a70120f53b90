/**
 * One 'abort' listener per signal, however many tasks share it. Apps often pass the
 * same signal to every call of a batch; a listener per task would trip Node's
 * MaxListenersExceededWarning after ten and cost a closure per task.
 */

/** Tasks waiting on one signal, and the listener object registered on it. */
class SignalGroup<T> {
  readonly members = new Set<T>();
  readonly signal: AbortSignal;
  private readonly onFire: (group: SignalGroup<T>) => void;

  constructor(signal: AbortSignal, onFire: (group: SignalGroup<T>) => void) {
    this.signal = signal;
    this.onFire = onFire;
  }

  // EventTarget accepts an object with `handleEvent` as a listener.
  handleEvent(): void {
    this.onFire(this);
  }
}

/** Watches the signals of live tasks and reports each task of a signal that aborts. */
export class AbortHub<T> {
  private readonly groups = new Map<AbortSignal, SignalGroup<T>>();
  private readonly onAbort: (member: T, reason: unknown) => void;

  /** @param onAbort called once per watched member when its signal aborts. */
  constructor(onAbort: (member: T, reason: unknown) => void) {
    this.onAbort = onAbort;
  }

  /** Number of signals with a listener registered (for tests and leak checks). */
  get signals(): number {
    return this.groups.size;
  }

  /** Start watching `member` on a signal that has not aborted yet. */
  watch(signal: AbortSignal, member: T): void {
    let group = this.groups.get(signal);
    if (group === undefined) {
      group = new SignalGroup(signal, (fired) => this.fire(fired));
      this.groups.set(signal, group);
      signal.addEventListener('abort', group);
    }
    group.members.add(member);
  }

  /** Stop watching `member`; the listener goes when its last member does. */
  unwatch(signal: AbortSignal, member: T): void {
    const group = this.groups.get(signal);
    if (group === undefined || !group.members.delete(member)) return;
    if (group.members.size === 0) this.detach(group);
  }

  private fire(group: SignalGroup<T>): void {
    // Detach first: `onAbort` settles members, which calls `unwatch` (now a no-op, so
    // the set is not changed under the loop), and may enqueue new work.
    this.detach(group);
    for (const member of group.members) this.onAbort(member, group.signal.reason);
  }

  private detach(group: SignalGroup<T>): void {
    if (this.groups.get(group.signal) === group) this.groups.delete(group.signal);
    group.signal.removeEventListener('abort', group);
  }
}
