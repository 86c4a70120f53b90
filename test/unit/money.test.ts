/** One money format everywhere: small amounts keep significant digits instead of reading as 0. */
import { describe, expect, it } from 'vitest';
import { formatAmount, formatMoney, formatRate } from '../../src/util/money.js';

describe('money formatting', () => {
  it('keeps three significant digits under one unit, cents above, never fewer than two decimals', () => {
    const cases: Array<[number, string]> = [
      [0, '0.00'],
      [0.0007222, '0.000722'],
      [0.001, '0.001'],
      [0.65, '0.65'],
      [0.1, '0.10'],
      [0.123456, '0.123'],
      [0.999999, '1.00'],
      [1, '1.00'],
      [1234.5, '1234.50'],
      [-0.0031, '-0.0031'],
      [7.2e-7, '0.00000072'],
      [Number.NaN, '-'],
    ];
    for (const [value, text] of cases) expect(formatAmount(value), String(value)).toBe(text);
  });

  it('puts the currency where a reader expects it', () => {
    expect(formatMoney(0.0007222)).toBe('$0.000722');
    expect(formatMoney(-2.5)).toBe('-$2.50');
    expect(formatMoney(0.0007222, 'EUR')).toBe('0.000722 EUR');
    expect(formatRate(0.65)).toBe('$0.65/h');
    expect(formatRate(2.1, 'EUR')).toBe('2.10 EUR/h');
  });
});
