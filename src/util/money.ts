/**
 * Money as text: the one rule for every amount the SDK, the CLI and the reports
 * print. Cents hide small amounts (a lease billed for a few seconds costs a
 * fraction of a cent, and `0` reads as "free"), so amounts under one unit keep
 * three significant digits instead, and never fewer than two decimals:
 * `12.34`, `0.65`, `0.10`, `0.000722`, `0.00`.
 */

/** Significant digits kept for amounts under one unit of the currency. */
const SMALL_DIGITS = 3;

/** An amount without its currency: `1234.50`, `0.65`, `0.000722`. Not finite: `-`. */
export function formatAmount(amount: number): string {
  if (!Number.isFinite(amount)) return '-';
  const size = Math.abs(amount);
  if (size === 0) return '0.00';
  if (size >= 1) return amount.toFixed(2);
  // Decimals that keep SMALL_DIGITS significant digits (toPrecision would answer 7.22e-7).
  const decimals = Math.min(100, Math.max(2, SMALL_DIGITS - 1 - Math.floor(Math.log10(size))));
  const text = amount.toFixed(decimals);
  // Drop trailing zeros past the cents, keep at least two decimals.
  return text.replace(/(\.\d\d\d*?)0+$/, '$1');
}

/** An amount with its currency: `$0.000722` for USD, `0.000722 EUR` otherwise. */
export function formatMoney(amount: number, currency = 'USD'): string {
  const text = formatAmount(amount);
  if (text === '-') return text;
  if (currency !== 'USD') return `${text} ${currency}`;
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** An hourly price: `$0.65/h`, `2.10 EUR/h`. */
export function formatRate(perHour: number, currency = 'USD'): string {
  return currency === 'USD' ? `${formatMoney(perHour, currency)}/h` : `${formatAmount(perHour)} ${currency}/h`;
}
