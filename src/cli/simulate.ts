/**
 * `adaptive-compute simulate`: replay a demand trace through our controller and
 * the baseline autoscalers on virtual time, and report cost, SLO attainment and
 * latency for each. The work lives in simulate-run.ts, loaded only when run.
 */
import type { Command } from 'commander';
import { action } from './command.js';
import type { CliCommand } from './command.js';
import { integer, oneOf } from './flags.js';
import { TRACE_FORMATS } from '../sim/trace/types.js';
import type { SimulateFlags } from './simulate-run.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `simulate` command. */
export const simulateCommand: CliCommand = {
  name: 'simulate',
  register(program: Command): void {
    program
      .command('simulate')
      .description('replay a demand trace through the controller and the baseline autoscalers; report cost, SLO and latency')
      .requiredOption('--trace <file>', 'trace file (a ServeGen folder also works)')
      .option('--format <format>', `trace format, detected when omitted: ${TRACE_FORMATS.join(', ')}`, oneOf('--format', TRACE_FORMATS))
      .option('--policy <file>', 'policy.json overriding the defaults printed at the top of the report')
      .option('--baselines <list>', 'all, none, or a comma-separated list (static-peak, fixed-reserved, hpa, kpa, ray-serve, keda, skyserve)', 'all')
      .option('--tune-baselines', "also run each autoscaler at 0.25x to 2x its target per node, with minNodes 0 and 1, and add its cheapest setting that meets the SLO as a '<baseline>-tuned' row")
      .option('--sweep <setting=values>', 'run a grid: latencyTargetMs=2000,30000,60000,300000 (or 2xp99: twice the p99 service time) and/or coldStartSec=15,60,180 (repeat the flag for both); prints one row per cell', collect, [])
      .option('--json <file>', 'write the report as JSON (a row per policy under "policies")')
      .option('--html <file>', 'write a self-contained HTML report with charts')
      .option('--seed <n>', 'seed of generated arrivals and spot preemptions', integer('--seed', 0), 1)
      .option('--jobs <n>', 'policies simulated at once, one worker thread each (default: one per core, as free memory allows)', integer('--jobs', 1))
      .addHelpText(
        'after',
        `
Trace formats: a generic CSV with a header and "timestamp_s" (seconds, any origin),
optionally "service_ms" or "input_tokens,output_tokens"; the Azure LLM inference
CSV; Mooncake JSONL; the Alibaba GenAI LoRA request CSV; ServeGen rate windows.

Exit codes: 0 done, 1 the trace cannot be read, 2 bad flags or policy file.`,
      )
      .action(
        action(async (flags: SimulateFlags) => {
          const { runSimulate } = await import('./simulate-run.js');
          return runSimulate(flags, { stdout: process.stdout, stderr: process.stderr });
        }),
      );
  },
};
