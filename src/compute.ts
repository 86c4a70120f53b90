/**
 * `createCompute()`: wires queue, dispatcher, controller, leases and ledger
 * together and owns their lifecycle. Data flows app → queue → dispatcher → node;
 * control flows through one loop (observe → plan → act).
 */
import { hostname } from 'node:os';
import { inspect } from 'node:util';
import { EventEmitter } from 'eventemitter3';
import { holdOpen, realClock, sleep, type Clock } from './clock.js';
import { BudgetLedger, type Ledger } from './budget/ledger.js';
import { GroupReplica } from './coordination/replica.js';
import { ComputeOptionsSchema, type ComputeConfig, type ComputeOptions } from './config/compute.js';
import { parseOptions } from './config/parse.js';
import { WorkloadOptionsSchema, type WorkloadOptions } from './config/workload.js';
import { ControlLoop } from './controller/loop.js';
import { OfferCache } from './controller/offer-cache.js';
import { capacityGate } from './controller/capacity-gate.js';
import { StartFailures } from './controller/start-failures.js';
import { OfferAvailability } from './controller/offer-availability.js';
import { ComputeError } from './errors.js';
import { warningEvent, type ComputeEvents } from './events.js';
import { LeaseManager, type UnconfirmedRelease } from './leases/lease-manager.js';
import { httpNodeConnector, type NodeConnector } from './dispatch/node-transport.js';
import { HttpMarketplace } from './market/http-client.js';
import { LocalMarketplace } from './local/market/local-marketplace.js';
import type { Marketplace } from './market/marketplace.js';
import { buildSnapshot, type MetricsSnapshot } from './metrics/snapshot.js';
import { attachLogger } from './observability/logger.js';
import { attachMeter } from './observability/otel.js';
import { toPrometheus } from './observability/prometheus.js';
import { Ewma } from './metrics/ewma.js';
import { stableClientId } from './util/ids.js';
import { openJournal } from './leases/open-journal.js';
import { Reconciler } from './leases/reconciler.js';
import { SecretSet } from './util/redact.js';
import { Cancellation } from './util/cancellation.js';
import { guardSecrets } from './market/secret-guard.js';
import type { EndpointPolicy } from './leases/node-endpoint.js';
import type { LeaseJournal } from './leases/journal.js';
import { WorkloadHandle, WorkloadRuntime } from './workload.js';
import type { Compute, Infer, InferInput, PauseOptions, RunOptions, ShutdownOptions, ShutdownResult, Workload } from './api.js';

/**
 * Seams for the simulator and deterministic tests (not part of the public options).
 * @internal
 */
export interface ComputeInternals {
  /** Opens node connections; modelled nodes replace HTTP on virtual time. */
  connectNode?: NodeConnector;
}

/** Codes of a marketplace that cannot be used right now (not a refusal of one request). */
const UNREACHABLE: ReadonlySet<string> = new Set(['MARKET_UNAVAILABLE', 'MARKET_UNAUTHORIZED', 'PROTOCOL_INVALID']);

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The {@link Compute} runtime (internal: apps see the interface `createCompute()` returns). */
export class ComputeRuntime extends EventEmitter<ComputeEvents> implements Compute {
  /** The `client` tag on every lease this runtime rents. */
  readonly clientId: string;
  readonly #config: ComputeConfig;
  readonly #clock: Clock;
  readonly #market: Marketplace;
  readonly #ownsMarket: boolean;
  readonly #ledger: Ledger;
  /** This runtime's membership of a replica group (`coordination` option). */
  readonly #group: GroupReplica | undefined;
  #lastOfGroup = false;
  readonly #leases: LeaseManager;
  readonly #offers: OfferCache;
  readonly #loop: ControlLoop;
  /** Held while any task waits or runs: a pending `run()` keeps Node running, as a pending fetch does. */
  #pendingHold: { release(): void } | undefined;
  /** Secret values (API key, node tokens, env values) no event or error may carry. */
  readonly #secrets = new SecretSet();
  readonly #runtimes = new Map<string, WorkloadRuntime>();
  readonly #coldStarts = new Map<string, Ewma>();
  readonly #journal: LeaseJournal | undefined;
  readonly #reconciler: Reconciler;
  readonly #recovery: Promise<number>;
  #signalHandler: ((signal: NodeJS.Signals) => void) | undefined;
  readonly #pauseWaiters = new Map<string, (() => void)[]>();
  #recordLatency: ((workload: string, latencyMs: number, ok: boolean) => void) | undefined;
  #started = false;
  /** The last marketplace failure warned about (for a TIMEOUT's cause). */
  #lastMarketFailure: { at: number; error: ComputeError } | undefined;
  #shutdown: Promise<ShutdownResult> | undefined;

  constructor(config: ComputeConfig, internals: ComputeInternals = {}) {
    super();
    this.#config = config;
    this.#clock = config.clock ?? realClock;
    // Parsed once (config/marketplace-option.ts): what we connect to, and whether we close it.
    const choice = config.marketplace;
    const connection = choice.kind === 'connection' ? choice.connection : undefined;
    if (choice.kind === 'local') {
      // The embedded local one, started on first need and stopped by shutdown().
      this.#market = new LocalMarketplace();
      this.#ownsMarket = true;
    } else if (choice.kind === 'connection') {
      this.#market = new HttpMarketplace(choice.connection, { clock: this.#clock });
      this.#ownsMarket = true;
    } else {
      // The app built it: the app closes it.
      this.#market = choice.marketplace;
      this.#ownsMarket = false;
    }
    // What the marketplace says passes the secret filter (tokens remembered, errors redacted).
    if (connection) this.#secrets.add(connection.apiKey);
    this.#market = guardSecrets(this.#market, this.#secrets);
    // After every check that can throw: an opened journal is claimed for this process.
    // A replica group keeps its fleet in Redis, tagged with the group: no journal of its own.
    const group = config.coordination;
    const opened = group
      ? { clientId: group.group, journal: undefined, previous: [], problems: [] }
      : openJournal(config.journal, config.clientId ?? stableClientId(), config.clientId !== undefined, connection?.url ?? 'custom');
    this.clientId = opened.clientId;
    this.#journal = opened.journal;
    const { maxPerHour, total } = config.budget;
    const caps = { ...(maxPerHour !== undefined ? { maxPerHour } : {}), ...(total !== undefined ? { total } : {}) };
    const warn = (error: ComputeError, during: string): void => {
      if (UNREACHABLE.has(error.code)) this.#lastMarketFailure = { at: this.#clock.now(), error };
      this.emit('warning', warningEvent(this.#clock.now(), error, during));
    };
    const endpointPolicy: EndpointPolicy = {
      allowInsecureHttp: connection?.allowInsecureHttp ?? false,
      nodeEndpoints: config.nodeEndpoints,
      ...(config.allowEndpoint ? { allowEndpoint: config.allowEndpoint } : {}),
    };
    const connectNode = internals.connectNode ?? httpNodeConnector(config.nodeDispatcher, endpointPolicy, this.#secrets);
    // Every node token seen is a secret to redact, whoever opens the connection.
    const trackedConnect: typeof connectNode = (address) => {
      this.#secrets.add(address.nodeToken);
      return connectNode(address);
    };
    this.#group = group
      ? new GroupReplica({
          config: group,
          clock: this.#clock,
          market: this.#market,
          tickMs: config.tickMs,
          budget: caps,
          runtimes: () => this.#runtimes.values(),
          leases: () => this.#leases,
          connectNode: trackedConnect,
          endpointPolicy,
          warn,
        })
      : undefined;
    this.#ledger = this.#group?.ledger ?? new BudgetLedger(caps);
    this.#offers = new OfferCache(this.#market, this.#clock, warn, {
      currency: config.budget.currency,
      // New offers: plan again now rather than at the next tick.
      onFresh: () => this.#loop.nudge(),
    });
    const startFailures = new StartFailures();
    this.#leases = new LeaseManager({
      market: this.#market,
      clock: this.#clock,
      ledger: this.#ledger,
      clientId: this.clientId,
      dispatcherFor: (name) => this.#runtimes.get(name)?.dispatcher,
      emit: (event) => {
        if (event.type === 'ready') this.#coldStartOf(event.workload).record(event.at - event.requestedAt);
        if (event.type === 'ready') startFailures.started(event.offerId, this.#runtimes.get(event.workload)?.config.image ?? '');
        if (event.type === 'released' || event.type === 'failed' || event.type === 'preempted') this.#settlePauses(event.workload);
        // A refused lease request (offer gone, price moved past our cap) means our offer list is stale.
        if (event.type === 'failed' && event.leaseId === null) this.#offers.invalidate();
        this.emit('lease', event);
      },
      warn,
      onStartFailed: (spec, reason, requestedAt) => startFailures.record(spec.offer.id, spec.image, reason, this.#clock.now(), requestedAt),
      onPreempted: (name) => {
        const runtime = this.#runtimes.get(name);
        if (runtime) runtime.preemptedAt = this.#clock.now();
      },
      connectNode: trackedConnect,
      ...(this.#journal ? { journal: this.#journal } : {}),
      // The last replica to leave releases everything it holds, leader or not.
      ...(this.#group ? { fence: async (w: string) => this.#lastOfGroup || (await this.#group!.membership.stillLeads(w)) } : {}),
      host: hostname(),
      endpointPolicy,
      currency: config.budget.currency,
      onTermsBreach: (offerId) => this.#offers.avoid(offerId),
      onOfferProven: () => this.#loop.nudge(),
      onOfferGone: (offerId) => this.#offers.drop(offerId),
    });
    this.#reconciler = new Reconciler({
      market: this.#market,
      clock: this.#clock,
      clientId: this.clientId,
      journal: this.#journal,
      knows: (id) => this.#leases.knows(id),
      creating: (key) => this.#leases.creating(key),
      claimDuplicate: (lease) => this.#leases.claimDuplicate(lease),
      emit: (event) => this.emit('lease', event),
      warn,
      host: hostname(),
    });
    // Give back what a crashed predecessor left billing; runs beside the first ticks.
    // In a group, the first replica to start after all had died releases what they left (by the group tag).
    this.#recovery = this.#group ? this.#group.recovered : this.#reconciler.recover(opened.previous);
    this.#group?.start();
    // Reported once the caller has had its turn to attach listeners.
    for (const problem of opened.problems) void Promise.resolve().then(() => warn(problem, 'opening the lease journal'));
    if (config.handleSignals) this.#installSignalHandlers(config.signalGraceMs);
    if (config.logger) attachLogger(this, config.logger, connection ? [connection.apiKey] : []);
    if (config.meter) this.#recordLatency = attachMeter(this, config.meter);
    this.#loop = new ControlLoop({
      clock: this.#clock,
      tickMs: config.tickMs,
      workloads: () => this.#runtimes.values(),
      leases: this.#leases,
      ledger: this.#ledger,
      offers: this.#offers,
      budget: { onBudgetExhausted: config.budget.onBudgetExhausted, currency: config.budget.currency },
      emitScale: (event) => this.emit('scale', event),
      emitBudget: (event) => this.emit('budget', event),
      coldStartSeenMs: (runtime) => this.#coldStarts.get(runtime.name)?.value,
      gate: capacityGate(startFailures, new OfferAvailability(this.#offers, warn)),
      ...(this.#group
        ? { coordination: this.#group }
        : { reconcile: () => this.#reconciler.sweep(), reconcileEveryMs: config.reconcileEverySec * 1000 }),
    });
  }

  /**
   * Declare a workload. Throws `CONFIG_INVALID` synchronously on a bad option or a
   * name already declared.
   */
  workload<S = undefined, T = undefined>(
    name: string,
    options: WorkloadOptions & { input?: S; output?: T },
  ): Workload<S extends undefined ? unknown : InferInput<S>, T extends undefined ? unknown : Infer<T>> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ComputeError('CONFIG_INVALID', `workload name: must be 1-64 characters of A-Z a-z 0-9 _ . - (got ${JSON.stringify(name)})`);
    }
    if (this.#runtimes.has(name)) throw new ComputeError('CONFIG_INVALID', `workload name: "${name}" is already declared`);
    if (this.#shutdown) throw new ComputeError('SHUTDOWN', 'compute is shut down');
    const config = parseOptions(WorkloadOptionsSchema, options, `workload "${name}"`);
    // Before any lease request carries them: a marketplace or node may echo them back.
    for (const value of Object.values(config.env ?? {})) this.#secrets.add(value);
    const runtime = new WorkloadRuntime(name, config, this.#clock, {
      // Work with no node taking it must not wait for the next tick: scale from zero, or
      // take back a node that is draining.
      onTakeable: () => {
        this.#pendingHold ??= holdOpen(this.#clock);
        if (!runtime.dispatcher.hasAcceptingNode) this.#loop.nudge();
      },
      onNodeSuspect: (nodeId) => this.#leases.suspect(nodeId),
      onTaskSettled: (workload, ms, ok) => {
        this.#recordLatency?.(workload, ms, ok);
        if (!runtime.busy) this.#releaseHoldIfIdle();
      },
      onNodeIdle: (nodeId) => void this.#leases.release(nodeId, 'drained'),
      blockedBy: () => this.#marketTrouble(),
    });
    this.#runtimes.set(name, runtime);
    if (config.budget) this.#ledger.setWorkloadCaps(name, config.budget);
    if (!this.#started) {
      this.#started = true;
      this.#loop.start();
    }
    return new WorkloadHandle(name, runtime, { pause: (n, o) => this.pause(n, o), resume: (n) => this.resume(n) });
  }

  /** Run a task on the workload declared as `name`. */
  run<O = unknown>(name: string, input: unknown, options?: RunOptions): Promise<O> {
    const runtime = this.#runtimes.get(name);
    if (!runtime) return Promise.reject(new ComputeError('WORKLOAD_UNKNOWN', `no workload named "${name}" is declared`));
    return runtime.submit(input, options) as Promise<O>;
  }

  /**
   * Scale the workload to zero and hold (or reject) its work until `resume()`.
   * Resolves once none of its leases is live.
   */
  async pause(name: string, options: PauseOptions = {}): Promise<void> {
    const runtime = this.#require(name);
    const mode = options.whilePaused ?? 'hold';
    runtime.paused = mode;
    runtime.dispatcher.hold(true);
    if (mode === 'reject') runtime.queue.rejectQueued(new ComputeError('WORKLOAD_PAUSED', `workload "${name}" is paused`));
    void this.#loop.tick();
    // Settles when the last lease is gone, or at resume() / shutdown(), whichever comes first.
    await new Promise<void>((resolve) => {
      const waiters = this.#pauseWaiters.get(name) ?? [];
      this.#pauseWaiters.set(name, waiters);
      waiters.push(resolve);
      this.#settlePauses(name);
    });
  }

  /** Wake pause() calls whose condition holds (or all of them with `force`). */
  #settlePauses(name: string, force = false): void {
    const waiters = this.#pauseWaiters.get(name);
    if (!waiters || waiters.length === 0) return;
    const runtime = this.#runtimes.get(name);
    const done = force || this.#shutdown !== undefined || !runtime || !this.#isPaused(runtime) || this.#leases.nodesOf(name).length === 0;
    if (!done) return;
    this.#pauseWaiters.delete(name);
    for (const wake of waiters) wake();
  }

  /** Undo `pause()`: held tasks run again, the controller scales back up as needed. */
  async resume(name: string): Promise<void> {
    const runtime = this.#require(name);
    runtime.paused = false;
    runtime.dispatcher.hold(false);
    this.#settlePauses(name, true);
    this.#loop.nudge();
  }

  /** A snapshot of queues, nodes, latency, spend and the marketplace's health. */
  metrics(): MetricsSnapshot;
  /** The same snapshot in the Prometheus text format, to serve on `/metrics`. */
  metrics(options: { format: 'prometheus' }): string;
  /** The snapshot as an object (`json`, the default) or Prometheus text. */
  metrics(options?: { format?: 'json' | 'prometheus' }): MetricsSnapshot | string;
  metrics(options: { format?: 'json' | 'prometheus' } = {}): MetricsSnapshot | string {
    const snapshot = this.#snapshot();
    return options.format === 'prometheus' ? toPrometheus(snapshot) : snapshot;
  }

  #snapshot(): MetricsSnapshot {
    const snapshot = buildSnapshot({
      now: this.#clock.now(),
      runtimes: this.#runtimes.values(),
      leases: this.#leases,
      ledger: this.#ledger,
      currency: this.#config.budget.currency,
      market: this.#market,
      orphans: this.#reconciler.unconfirmed(),
    });
    return this.#group ? { ...snapshot, coordination: this.#group.metrics() } : snapshot;
  }

  /** Resolves when no task of any workload is queued or running. */
  async onIdle(): Promise<void> {
    await Promise.all([...this.#runtimes.values()].map((r) => r.queue.onIdle()));
  }

  /**
   * Stop taking work, reject queued tasks with `SHUTDOWN`, let in-flight tasks
   * finish (up to `graceMs`), release every lease, then resolve. A lease counts as
   * released only once the marketplace reports it ended; leases it has not
   * confirmed by `releaseTimeoutMs` are listed in the result's `stillBilling` (and a
   * `warning` names them): shutdown resolves, it does not reject. Idempotent.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownResult> {
    this.#shutdown ??= this.#doShutdown(options.graceMs ?? 30_000, options.releaseTimeoutMs ?? 30_000);
    return this.#shutdown;
  }

  async #doShutdown(graceMs: number, releaseTimeoutMs: number): Promise<ShutdownResult> {
    // The caller awaits shutdown: Node must not exit while a release is retried or polled.
    const hold = holdOpen(this.#clock);
    try {
      return await this.#stopEverything(graceMs, releaseTimeoutMs);
    } finally {
      hold.release();
    }
  }

  async #stopEverything(graceMs: number, releaseTimeoutMs: number): Promise<ShutdownResult> {
    const clock = this.#clock;
    const error = new ComputeError('SHUTDOWN', 'compute is shutting down; the task was not run', { retryable: false });
    const runtimes = [...this.#runtimes.values()];
    // Nothing new is rented from here on (a Ctrl-C must not rent nodes): tasks in flight still finish.
    this.#loop.stop();
    for (const runtime of runtimes) {
      runtime.shutdownRefusal = error;
      runtime.dispatcher.hold(true);
      runtime.queue.rejectQueued(error);
    }
    for (const name of [...this.#pauseWaiters.keys()]) this.#settlePauses(name, true);
    const graceEnds = clock.now() + graceMs;
    while (runtimes.some((r) => r.queue.running > 0) && clock.now() < graceEnds) await sleep(clock, 20);
    for (const runtime of runtimes) runtime.dispatcher.close(error);
    // A replica leaving while others run hands its leases to them; the last one releases the whole fleet.
    const last = this.#group ? await this.#group.leave() : true;
    this.#lastOfGroup = last;
    if (!last) this.#leases.disown();
    const releaseBy = clock.now() + releaseTimeoutMs;
    const unreleased = await this.#leases.releaseAll('shutdown', releaseBy);
    if (this.#group && last) await settledBy(clock, this.#group.releaseFleet(), releaseBy);
    await this.#group?.close();
    for (const runtime of runtimes) runtime.queue.rejectQueued(error);
    // A marketplace call that hangs (a DELETE, a tag listing) must not hold shutdown past
    // its deadline: what is still unconfirmed then is reported, and close() aborts the calls.
    await settledBy(clock, this.#recovery, releaseBy);
    if (this.#reconciler.outstanding > 0) await settledBy(clock, this.#reconciler.sweep(), releaseBy);
    this.#removeSignalHandlers();
    this.#journal?.close();
    const stillBilling = [...unreleased, ...this.#reconciler.unconfirmed()];
    if (stillBilling.length > 0) {
      const ids = stillBilling.map((l) => l.leaseId);
      const error = new ComputeError(
        'MARKET_UNAVAILABLE',
        `the marketplace has not confirmed the end of ${ids.length} lease(s), which may still bill: ${stillBilling.map((l) => `${l.leaseId} (${l.state ?? 'no answer'})`).join(', ')}`,
        { details: { warning: 'release-unconfirmed', leaseIds: ids } },
      );
      this.emit('warning', warningEvent(clock.now(), error, 'shutdown'));
    }
    if (this.#ownsMarket) await this.#market.close();
    return { stillBilling };
  }

  /**
   * The marketplace failure that keeps nodes away right now, if any: the last one
   * warned about, while the client still counts failures in a row (a Marketplace
   * without `health`: while that warning is under a minute old).
   */
  #marketTrouble(): ComputeError | undefined {
    const last = this.#lastMarketFailure;
    if (last === undefined) return undefined;
    const health = (this.#market as { health?: { consecutiveFailures: number } }).health;
    const failing = health ? health.consecutiveFailures > 0 : this.#clock.now() - last.at < 60_000;
    return failing ? last.error : undefined;
  }

  #releaseHoldIfIdle(): void {
    if (this.#pendingHold === undefined) return;
    for (const runtime of this.#runtimes.values()) if (runtime.busy) return;
    this.#pendingHold.release();
    this.#pendingHold = undefined;
  }

  /** Resolves once the start-up recovery pass is done, with the number of orphaned leases it released. */
  recovered(): Promise<number> {
    // Someone awaits this now: Node must not exit while recovery waits out a retry pause.
    const hold = holdOpen(this.#clock);
    return this.#recovery.finally(() => hold.release());
  }

  #installSignalHandlers(graceMs: number): void {
    const handler = (signal: NodeJS.Signals): void => {
      this.#removeSignalHandlers();
      // 128 + signal number, as a shell reports a process ended by that signal.
      const code = signal === 'SIGINT' ? 130 : 143;
      this.shutdown({ graceMs }).then(
        () => process.exit(code),
        () => process.exit(1),
      );
    };
    this.#signalHandler = handler;
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }

  #removeSignalHandlers(): void {
    if (!this.#signalHandler) return;
    process.removeListener('SIGTERM', this.#signalHandler);
    process.removeListener('SIGINT', this.#signalHandler);
    this.#signalHandler = undefined;
  }

  #isPaused(runtime: WorkloadRuntime): boolean {
    return runtime.paused !== false;
  }

  #require(name: string): WorkloadRuntime {
    const runtime = this.#runtimes.get(name);
    if (!runtime) throw new ComputeError('WORKLOAD_UNKNOWN', `no workload named "${name}" is declared`);
    return runtime;
  }

  #coldStartOf(name: string): Ewma {
    let ewma = this.#coldStarts.get(name);
    if (!ewma) this.#coldStarts.set(name, (ewma = new Ewma(0.3)));
    return ewma;
  }

  /**
   * Every event leaves through here: whatever text it carries (reasons, error messages,
   * causes) passes the secret filter first, whoever emitted it.
   */
  override emit<T extends EventEmitter.EventNames<ComputeEvents>>(event: T, ...args: EventEmitter.EventArgs<ComputeEvents, T>): boolean {
    return super.emit(event, ...(this.#secrets.redactValue(args, 3) as EventEmitter.EventArgs<ComputeEvents, T>));
  }

  /** What `console.log(compute)` shows: no key, no token. */
  [inspect.custom](): string {
    return `Compute { clientId: '${this.clientId}', workloads: [${[...this.#runtimes.keys()].map((n) => `'${n}'`).join(', ')}], leases: ${this.#leases.liveCount()} live }`;
  }

  /** JSON form: the same safe summary as `inspect`. */
  toJSON(): Record<string, unknown> {
    return { clientId: this.clientId, workloads: [...this.#runtimes.keys()], liveLeases: this.#leases.liveCount() };
  }
}

/** Wait for `promise` until clock time `deadline` at most (never rejects). */
async function settledBy(clock: Clock, promise: Promise<unknown>, deadline: number): Promise<void> {
  const left = deadline - clock.now();
  if (left <= 0) return;
  const stop = new Cancellation();
  await Promise.race([promise.catch(() => undefined), sleep(clock, left, stop).catch(() => undefined)]);
  stop.abort();
}

/**
 * Create the runtime. Throws `ComputeError` `CONFIG_INVALID` synchronously when an
 * option is wrong, naming the field.
 */
export function createCompute(options: ComputeOptions = {}): Compute {
  const config = parseOptions(ComputeOptionsSchema, options, 'createCompute()');
  return new ComputeRuntime(config);
}

/**
 * The runtime class under its old name, for tests that build one from a parsed config
 * with internals (`new Compute(config, { connectNode })`). Not exported by the package.
 * @internal
 */
export { ComputeRuntime as Compute };
