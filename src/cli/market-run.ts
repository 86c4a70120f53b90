/**
 * What `adaptive-compute market` does once its flags are parsed: start the local
 * marketplace (keeping this process alive), log lease changes, stop on a signal.
 */
import { realClock } from '../clock.js';
import { startLocalMarket } from '../local/market/local-market.js';
import { formatMoney, formatRate } from '../util/money.js';
import type { LeaseRecord } from '../local/market/lease-store.js';
import { EXIT } from './command.js';
import type { MarketFlags } from './market.js';

const KEY_ENV = 'ADAPTIVE_COMPUTE_MARKET_KEY';

/** Serve until SIGINT/SIGTERM; resolves with the exit code once every agent has exited. */
export async function runMarketCommand(flags: MarketFlags): Promise<number> {
  const envKey = process.env[KEY_ENV];
  const apiKey = envKey !== undefined && envKey !== '' ? envKey : 'local';
  const log = (record: LeaseRecord): void => {
    const { id, state, offer } = record;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ lease: id, state, offer: offer.id, pricePerHour: offer.pricePerHour })}\n`);
    } else {
      process.stdout.write(`${new Date(realClock.now()).toISOString()} ${id} ${state} ${offer.id} ${formatRate(offer.pricePerHour, offer.currency)}${record.failure ? ` (${record.failure})` : ''}\n`);
    }
  };
  const market = await startLocalMarket({
    host: flags.host,
    port: flags.port,
    apiKey,
    seed: flags.seed,
    coldStartMs: flags.coldStartMs,
    slots: flags.slots,
    defaultHandler: flags.handler,
    billingIncrementSec: flags.billingIncrement,
    minLeaseSec: flags.minLease,
    preemptionRatePerHour: flags.preemptRate,
    prices: flags.prices ? { intervalMs: flags.priceInterval, volatility: flags.volatility, meanReversion: 0.1, maxFactor: 2 } : false,
    ...(flags.balance !== undefined ? { balance: flags.balance } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimit: { requests: flags.rateLimit, windowMs: 1000 } } : {}),
    keepProcessAlive: true,
    onLeaseChange: log,
  });
  // The key is printed only when it is the well-known default; a real one stays in the environment.
  const keyShown = envKey ? `the value of $${KEY_ENV}` : '"local"';
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ url: market.url, pid: process.pid, ...(envKey ? {} : { apiKey }) })}\n`);
  } else {
    process.stdout.write(
      `local marketplace listening on ${market.url} (API key ${keyShown}); offers: ${market
        .offers()
        .map((o) => `${o.id} ${formatRate(o.pricePerHour, o.currency)}`)
        .join(', ')}\nstop with Ctrl-C\n`,
    );
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await market.close();
  if (!flags.json) process.stdout.write(`stopped (${signal}); bill: ${formatMoney(market.account().total)}\n`);
  return EXIT.ok;
}
