/**
 * The returns reader: accepted shapes (header or not, a `return` column among others, BOM, CRLF, no
 * final newline, a file longer than one read chunk) and every rejection naming the file and line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { ReturnsCsvError, parseReturnsCsv, readReturnsCsv } from './returns-csv';

const dir = mkdtempSync(join(tmpdir(), 'qb-returns-csv-'));
const parse = (text: string): number[] => Array.from(parseReturnsCsv(text, 'r.csv').returns);
const fails = (text: string): string => {
  try {
    parseReturnsCsv(text, 'r.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(ReturnsCsvError);
    return (e as Error).message;
  }
  throw new Error('expected a ReturnsCsvError');
};

describe('readReturnsCsv: accepted files', () => {
  it('a single column with or without a header, whatever the header name', () => {
    expect(parse('0.01\n-0.02\n3e-5\n')).toEqual([0.01, -0.02, 3e-5]);
    expect(parse('ret\n0.01\n-.5\n')).toEqual([0.01, -0.5]);
    expect(parseReturnsCsv('0.1\n', 'x').column).toBeNull();
    expect(parseReturnsCsv('ret\n0.1\n', 'x')).toMatchObject({ column: 'ret', firstLine: 2 });
  });

  it('the "return" column among others (case, spaces and quotes ignored), BOM, CRLF, no final newline', () => {
    const text = '\uFEFFtime, "Return" ,price\r\n1,0.5,100\r\n2,-0.25,99\r\n3,1e-3,98';
    expect(parse(text)).toEqual([0.5, -0.25, 0.001]);
    expect(parseReturnsCsv(text, 'x').column).toBe('Return');
  });

  it('trailing blank lines are allowed', () => {
    expect(parse('0.1\n0.2\n\n\n')).toEqual([0.1, 0.2]);
  });

  it('reads a file longer than one 1 MiB chunk exactly (lines split across chunks)', () => {
    const rng = new Rng(11);
    const values = Array.from({ length: 80_000 }, () => rng.normal() * 1e-4);
    const path = join(dir, 'long.csv');
    writeFileSync(path, 'return\n' + values.map(String).join('\n') + '\n');
    const r = readReturnsCsv(path);
    expect(r.returns.length).toBe(values.length);
    expect(Array.from(r.returns)).toEqual(values);
  });
});

describe('readReturnsCsv: errors name the file and the line', () => {
  it('non-numbers, non-finite values and empty cells', () => {
    expect(fails('return\n0.1\nNaN\n')).toBe('r.csv:3: column return: not a finite number: "NaN"');
    expect(fails('0.1\n0.2\n-inf\n')).toBe('r.csv:3: column return: not a finite number: "-inf"');
    expect(fails('return\n0.1\n1e999\n')).toBe('r.csv:3: column return: not a finite number: "1e999"');
    expect(fails('return\n0.1\n0x10\n')).toBe('r.csv:3: column return: not a number: "0x10"');
    expect(fails('t,return\n1,0.1\n2,\n')).toBe('r.csv:3: column return: empty value');
  });

  it('column counts, headers and blank lines', () => {
    expect(fails('t,return\n1,0.1\n2,0.2,9\n')).toBe('r.csv:3: expected 2 columns, got 3');
    expect(fails('1,0.1\n2,0.2\n')).toMatch(/^r\.csv:1: 2 columns and no header/);
    expect(fails('time,price\n1,2\n')).toBe(
      'r.csv:1: no "return" column among "time", "price" (or give a single numeric column)',
    );
    expect(fails('return,return\n1,2\n')).toBe('r.csv:1: more than one "return" column');
    expect(fails('return\n0.1\n\n0.2\n')).toBe('r.csv:3: blank line');
    expect(fails('return\n')).toBe('r.csv: no returns');
    expect(fails('')).toBe('r.csv: no returns');
  });

  it('a missing file or a directory', () => {
    expect(() => readReturnsCsv(join(dir, 'missing.csv'))).toThrow(
      /^cannot read .*missing\.csv: no such file or directory$/,
    );
    expect(() => readReturnsCsv(dir)).toThrow(/^cannot read .*: it is a directory$/);
  });
});
