/**
 * Strict reader of a returns file for the calibration fits (`quotebench fit … --returns FILE`).
 *
 * Format: comma-separated, UTF-8 (a byte-order mark is skipped), `\n` or `\r\n` line endings.
 * - With a header (a first line with a field that is not a number): the column named `return`
 *   (case-insensitive, surrounding spaces and double quotes ignored) is read, the others are ignored;
 *   a header with one column is read whatever its name.
 * - Without a header: exactly one numeric column.
 * Values are plain decimals (`-1.5e-05`, `.25`); `NaN`, `Infinity`, empty cells and anything else are
 * errors. Every row must have the header's number of columns. Blank lines are errors, except at the
 * end of the file. At most 20,000,000 rows (160 MB of doubles): memory is bounded by the cap, and
 * the file is read in 1 MiB chunks, never whole.
 *
 * Errors name the file and the 1-based line: `r.csv:17: column return: not a finite number: "NaN"`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CalibrationInputError } from './input';

export const RETURNS_CSV_MAX_ROWS = 20_000_000;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** A returns file that cannot be read or parsed; the message starts with `file:line:` when a line is at fault. */
export class ReturnsCsvError extends CalibrationInputError {
  override name = 'ReturnsCsvError';
}

export interface ReturnsCsv {
  returns: Float64Array;
  /** The header name of the column read, or null for a file without a header. */
  column: string | null;
  /** 1-based file line of each return is `firstLine + index`. */
  firstLine: number;
}

const unquote = (s: string): string => {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
};

/** Read `path` (see the header). `label` is the name used in errors (default: the path). */
export function readReturnsCsv(path: string, label: string = path): ReturnsCsv {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ReturnsCsvError(`cannot read ${label}: ${reason(e)}`);
  }
  try {
    return parseLines(chunks(fd, label), label);
  } finally {
    closeSync(fd);
  }
}

/** Parse returns from text already in memory (same rules as readReturnsCsv). */
export function parseReturnsCsv(text: string, label: string): ReturnsCsv {
  return parseLines([text][Symbol.iterator](), label);
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent is not a directory',
  };
  return (code !== undefined ? why[code] : undefined) ?? (e as Error).message;
}

function* chunks(fd: number, label: string): Generator<string> {
  const buf = Buffer.allocUnsafe(1 << 20);
  const dec = new StringDecoder('utf8');
  for (;;) {
    let got: number;
    try {
      got = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      throw new ReturnsCsvError(`cannot read ${label}: ${reason(e)}`);
    }
    if (got === 0) break;
    yield dec.write(buf.subarray(0, got));
  }
  const rest = dec.end();
  if (rest.length > 0) yield rest;
}

function parseLines(text: Iterator<string>, label: string): ReturnsCsv {
  let out = new Float64Array(1024);
  let count = 0;
  let lineNo = 0;
  let columns = -1; // fields per line, fixed by the first line
  let col = 0; // index of the column read
  let column: string | null = null;
  let firstLine = 1;
  let pendingBlank = 0; // line number of the first blank line not yet followed by data
  let carry = '';
  const fail = (line: number, msg: string): never => {
    throw new ReturnsCsvError(`${label}:${line}: ${msg}`);
  };

  const onLine = (raw: string): void => {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') {
      if (pendingBlank === 0) pendingBlank = lineNo;
      return;
    }
    if (pendingBlank !== 0) fail(pendingBlank, 'blank line');
    const fields = line.split(',');
    if (columns === -1) {
      columns = fields.length;
      const isHeader = fields.some((f) => {
        const t = f.trim();
        return !DECIMAL.test(t) && !NON_FINITE.test(t) && t !== '';
      });
      if (isHeader) {
        const names = fields.map(unquote);
        const hits = names.flatMap((nm, i) => (nm.toLowerCase() === 'return' ? [i] : []));
        if (hits.length > 1) fail(lineNo, `more than one "return" column`);
        if (hits.length === 1) col = hits[0]!;
        else if (names.length === 1) col = 0;
        else
          fail(
            lineNo,
            `no "return" column among ${names.map((nm) => `"${nm}"`).join(', ')} (or give a single numeric column)`,
          );
        column = names[col]!;
        firstLine = lineNo + 1;
        return;
      }
      if (columns !== 1)
        fail(
          lineNo,
          `${columns} columns and no header: give a header with a "return" column, or a single numeric column`,
        );
    }
    if (fields.length !== columns) fail(lineNo, `expected ${columns} columns, got ${fields.length}`);
    const cell = fields[col]!.trim();
    const name = column ?? 'return';
    if (cell === '') fail(lineNo, `column ${name}: empty value`);
    if (!DECIMAL.test(cell)) {
      if (NON_FINITE.test(cell)) fail(lineNo, `column ${name}: not a finite number: "${cell}"`);
      fail(lineNo, `column ${name}: not a number: "${cell}"`);
    }
    const x = Number(cell);
    if (!Number.isFinite(x)) fail(lineNo, `column ${name}: not a finite number: "${cell}"`);
    if (count === RETURNS_CSV_MAX_ROWS) fail(lineNo, `more than ${RETURNS_CSV_MAX_ROWS} rows`);
    if (count === out.length) {
      const bigger = new Float64Array(Math.min(out.length * 2, RETURNS_CSV_MAX_ROWS));
      bigger.set(out);
      out = bigger;
    }
    out[count++] = x;
  };

  for (let r = text.next(); !r.done; r = text.next()) {
    const chunk = carry + r.value;
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      onLine(chunk.slice(start, nl));
      start = nl + 1;
    }
    carry = chunk.slice(start);
    if (carry.length > 1 << 20) fail(lineNo + 1, 'line longer than 1 MiB');
  }
  if (carry.length > 0) onLine(carry);
  if (count === 0) throw new ReturnsCsvError(`${label}: no returns`);
  return { returns: out.slice(0, count), column, firstLine };
}
