import { describe, expect, it } from 'vitest';
import { fmtCompact, fmtInt } from './format';

describe('number formats', () => {
  it('groups integers with commas and a real minus sign', () => {
    expect(fmtInt(1234567)).toBe('1,234,567');
    expect(fmtInt(-1000)).toBe('−1,000');
    expect(fmtInt(999)).toBe('999');
  });
  it('compacts large counters to fit a ticker', () => {
    expect(fmtCompact(9_999)).toBe('9,999');
    expect(fmtCompact(12_345)).toBe('12.3k');
    expect(fmtCompact(278_456)).toBe('278k');
    expect(fmtCompact(4_560_000)).toBe('4.56M');
    expect(fmtCompact(45_600_000)).toBe('45.6M');
  });
});
