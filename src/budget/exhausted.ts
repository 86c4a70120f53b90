/**
 * The `BUDGET_EXHAUSTED` error a user reads when the total cap can pay for no node
 * again: which cap, how much of it is committed, what is left, and what to change.
 * Built from the ledger's view at the edge (the planner only says that it happened).
 */
import type { BudgetView } from '../controller/observation.js';
import { ComputeError } from '../errors.js';
import { formatMoney } from '../util/money.js';

/** The error queued and new tasks of `workload` reject with once no lease fits under a total cap. */
export function budgetExhaustedError(workload: string, view: BudgetView, currency: string): ComputeError {
  const own = view.workloads[workload];
  const globalLeft = view.total === undefined ? Infinity : view.total - view.committed;
  const ownLeft = own?.total === undefined ? Infinity : own.total - own.committed;
  // The tighter cap is the one that stops the workload.
  const scoped = ownLeft < globalLeft && own?.total !== undefined;
  const limit = scoped ? own!.total! : (view.total ?? 0);
  const committed = scoped ? own!.committed : view.committed;
  const left = Math.max(0, limit - committed);
  const cap = scoped ? `workload "${workload}"'s budget.total` : 'budget.total';
  const money = (v: number): string => formatMoney(v, currency);
  const message =
    `workload "${workload}" cannot rent a node: ${cap} of ${money(limit)} is used up ` +
    `(${money(committed)} spent or committed; the ${money(left)} left is too little for another node). ` +
    `Its queued and new tasks are refused; raise ${scoped ? `the workload's budget.total` : 'budget.total'}, or set budget.onBudgetExhausted to 'queue' to hold them.`;
  return new ComputeError('BUDGET_EXHAUSTED', message, {
    retryable: false,
    details: { workload, cap: 'total', scope: scoped ? 'workload' : 'global', limit, committed, remaining: left },
  });
}
