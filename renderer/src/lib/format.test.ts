import { describe, expect, it } from 'vitest';
import { fmtCompact, fmtInt, fmtSeconds, fmtSig } from './format';

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

describe('fmtSig', () => {
  it('keeps a fixed number of significant digits, trailing zeros included', () => {
    expect(fmtSig(1.2, 3)).toBe('1.20');
    expect(fmtSig(-0.012345, 3)).toBe('−0.0123');
    expect(fmtSig(12345.6, 4)).toBe('12346'); // an integer beyond 4 digits is not rounded to 1.235e4
    expect(fmtSig(9999.7, 4)).toBe('10000');
    expect(fmtSig(3e-7, 3)).toBe('3.00e-7');
    expect(fmtSig(undefined, 3)).toBe('—');
    expect(fmtSig(0, 3)).toBe('0');
  });
});

describe('fmtSeconds', () => {
  it('says a remaining time in s, m s or h m', () => {
    expect(fmtSeconds(42.4)).toBe('42 s');
    expect(fmtSeconds(245)).toBe('4 m 05 s'); // 4·60 + 5
    expect(fmtSeconds(7380)).toBe('2 h 03 m'); // 2·3600 + 3·60
    expect(fmtSeconds(59.6)).toBe('1 m 00 s'); // rounds to 60 s
    expect(fmtSeconds(null)).toBe('—');
    expect(fmtSeconds(-1)).toBe('—');
    expect(fmtSeconds(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
