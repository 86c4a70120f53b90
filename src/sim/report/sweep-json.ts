/**
 * A sweep's JSON report: the trace once, the grid, then one block per cell holding
 * the cell's settings and the same document a single run writes (`policies`,
 * `lowerBound`, `tuning`, `series`...).
 */
import type { SweepReport, TargetValue } from '../sweep.js';
import { REPORT_VERSION, reportDoc } from './json.js';

/** The JSON document for `sweep` (pretty-printed, ends with a newline). */
export function renderSweepJson(sweep: SweepReport): string {
  const cells = sweep.cells.map((cell) => ({ latencyTargetMs: cell.latencyTargetMs, coldStartSec: cell.coldStartSec, ...reportDoc(cell.report) }));
  const doc = {
    version: REPORT_VERSION,
    trace: sweep.cells[0] ? reportDoc(sweep.cells[0].report)['trace'] : undefined,
    sweep: {
      ...(sweep.grid.latencyTargetMs ? { latencyTargetMs: sweep.grid.latencyTargetMs.map(targetText) } : {}),
      ...(sweep.grid.coldStartSec ? { coldStartSec: sweep.grid.coldStartSec } : {}),
    },
    cells,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function targetText(value: TargetValue): number | string {
  return typeof value === 'number' ? value : `${value.p99Multiple}xp99`;
}
