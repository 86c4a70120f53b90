/**
 * `adaptive-compute market`: run the embedded local marketplace as a server, for
 * apps in other processes (`createCompute({ marketplace: { url, apiKey } })`).
 */
import type { Command } from 'commander';
import { action } from './command.js';
import type { CliCommand } from './command.js';
import { integer, nonNegativeNumber, port, positiveNumber } from './flags.js';

/** Flags of `adaptive-compute market`, after parsing. */
export interface MarketFlags {
  host: string;
  port: number;
  seed: number;
  coldStartMs: number;
  slots: number;
  handler: string;
  billingIncrement: number;
  minLease: number;
  preemptRate: number;
  priceInterval: number;
  volatility: number;
  prices: boolean;
  balance?: number;
  rateLimit?: number;
  json: boolean;
}

/** The `market` command. */
export const marketCommand: CliCommand = {
  name: 'market',
  register(program: Command): void {
    program
      .command('market')
      .description('start the embedded local marketplace (protocol v1 on 127.0.0.1, nodes are agent processes)')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--port <port>', 'port to listen on (0: any free port)', port('--port'), 0)
      .option('--seed <n>', 'seed of prices, preemptions and generated text', integer('--seed', 0), 1)
      .option('--cold-start-ms <ms>', 'lease creation to node start', nonNegativeNumber('--cold-start-ms'), 2000)
      .option('--slots <n>', 'tasks each node runs at once', integer('--slots', 1, 1024), 4)
      .option('--handler <name|path>', 'handler for images that name none: echo, sleep, tokens, ./module.mjs', 'echo')
      .option('--billing-increment <s>', 'billing increment of every offer', positiveNumber('--billing-increment'), 1)
      .option('--min-lease <s>', 'minimum billed seconds of every offer', nonNegativeNumber('--min-lease'), 0)
      .option('--preempt-rate <n>', 'preemptions per interruptible lease-hour', nonNegativeNumber('--preempt-rate'), 1)
      .option('--price-interval <ms>', 'time between price steps', positiveNumber('--price-interval'), 10_000)
      .option('--volatility <x>', 'deviation of one price step (log scale)', nonNegativeNumber('--volatility'), 0.03)
      .option('--no-prices', 'hold prices still')
      .option('--balance <usd>', 'account balance (402 past it)', positiveNumber('--balance'))
      .option('--rate-limit <n>', 'API calls per second (429 past it)', integer('--rate-limit', 1))
      .option('--json', 'print one JSON line { url, pid } once listening, then lease changes as JSON lines', false)
      .addHelpText(
        'after',
        `
The API key is $ADAPTIVE_COMPUTE_MARKET_KEY, or "local" when that is not set.
Lease images pick the node handler: echo, sleep, tokens, or a path to a .mjs module.
GET /v1/account returns the bill (a local extension of protocol v1).
Stop with Ctrl-C: every agent process exits with the marketplace.`,
      )
      .action(
        action(async (flags: MarketFlags) => {
          const { runMarketCommand } = await import('./market-run.js');
          return runMarketCommand(flags);
        }),
      );
  },
};
