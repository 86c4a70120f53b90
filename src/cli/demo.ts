/**
 * `adaptive-compute demo`: the first thing to run. Replays a recorded demand burst
 * on an embedded local marketplace and shows the controller scale up and down
 * within a budget.
 */
import type { Command } from 'commander';
import { action } from './command.js';
import type { CliCommand } from './command.js';
import { integer, numberWithin, oneOf, positiveNumber } from './flags.js';
import { MAX_DURATION_SEC, MIN_DURATION_SEC } from './demo/limits.js';

/** Flags of `adaptive-compute demo`, after parsing. */
interface DemoFlags {
  duration: number;
  budget: number;
  json: boolean;
  seed: number;
  burst: 'azure' | 'generated';
  maxNodes: number;
}

/** The `demo` command. */
export const demoCommand: CliCommand = {
  name: 'demo',
  register(program: Command): void {
    program
      .command('demo')
      .description('replay a recorded demand burst on an embedded local marketplace and watch it scale')
      .option(
        '--duration <s>',
        `length of the run in seconds, ${MIN_DURATION_SEC} to ${MAX_DURATION_SEC} (the burst arrives in the first 45 %; service times and the p95 target shrink with the time-lapse: 4.7 s at 30 s)`,
        numberWithin('--duration', MIN_DURATION_SEC, MAX_DURATION_SEC),
        30,
      )
      .option('--budget <usd>', 'total budget; the controller never commits more', positiveNumber('--budget'), 1)
      .option('--json', 'print one JSON summary object on stdout (progress goes to stderr)', false)
      .option('--seed <n>', 'seed of prices, preemptions and generated text', integer('--seed', 0), 1)
      .option('--burst <kind>', 'azure: the recorded Azure LLM trace sample; generated: a synthetic burst', oneOf('--burst', ['azure', 'generated'] as const), 'azure')
      .option('--max-nodes <n>', 'most nodes the workload may rent', integer('--max-nodes', 1, 32), 6)
      .addHelpText(
        'after',
        `
The recorded burst is 300 requests from the Azure LLM inference trace 2023
(conversation; CC-BY 4.0, Patel et al., "Splitwise", ISCA 2024), with their input
and output token counts, replayed as a time-lapse on emulated A100 nodes.

Exit codes: 0 done, 1 no task succeeded or the run failed, 2 bad flags, 130 interrupted.`,
      )
      .action(
        action(async (flags: DemoFlags) => {
          const { runDemo } = await import('./demo/run-demo.js');
          return runDemo(
            { durationSec: flags.duration, budget: flags.budget, json: flags.json, seed: flags.seed, burst: flags.burst, maxNodes: flags.maxNodes },
            { stdout: process.stdout, stderr: process.stderr },
          );
        }),
      );
  },
};
