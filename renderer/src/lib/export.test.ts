import { describe, expect, it } from 'vitest';
import { safeFileName, toCsv } from './export';

describe('toCsv', () => {
  it('writes a header row, full-precision numbers and quotes only what needs quoting', () => {
    const csv = toCsv(
      ['name', 'x', 'y'],
      [
        ['a', 0.1 + 0.2, -1e-9],
        ['b, "c"', undefined, Number.NaN],
      ],
    );
    expect(csv).toBe('name,x,y\r\na,0.30000000000000004,-1e-9\r\n"b, ""c""",,\r\n');
  });
});

describe('safeFileName', () => {
  it('keeps letters, digits, dot, dash and underscore', () => {
    expect(safeFileName(' as2008 run #1 ')).toBe('as2008-run-1');
    expect(safeFileName('///')).toBe('export');
  });
});
