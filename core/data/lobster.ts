/**
 * Strict loader for LOBSTER files (lobsterdata.com; reconstructed from NASDAQ TotalView-ITCH).
 *
 * Message file, one event per line, 6 columns, no header in raw LOBSTER:
 *   Time (seconds after midnight, decimal), Type (1 new limit, 2 partial cancel, 3 delete,
 *   4 visible execution, 5 hidden execution, 6 cross trade, 7 trading halt), OrderID, Size (shares),
 *   Price (USD × 10000), Direction (1 buy limit order, −1 sell limit order; for executions it is the
 *   side of the resting order).
 * Orderbook file, row i = the book AFTER message i, 4·levels columns:
 *   AskPrice_1, AskSize_1, BidPrice_1, BidSize_1, AskPrice_2, … ; an empty level holds
 *   ±9999999999 (ask +, bid −) with size 0.
 *
 * Accepted variations: a header row (detected when the first character is a letter or a quote; its
 * column count is checked, its names are not), a UTF-8 byte-order mark, `\n` or `\r\n` line endings,
 * and a missing final newline. Everything else is an error that names the source, the 1-based line
 * and the column, e.g. `…_message_10.csv:17: column Type: expected one of 1,2,3,4,5,6,7, got "x"`.
 * Blank lines are errors (except the end of the file after the last newline).
 *
 * Output is columnar typed arrays. Parsing is a single hand-written pass over the string with
 * `charCodeAt` (no regex, no split, no per-line allocation); decimals with at most 15 significant
 * digits are parsed exactly as m / 10^k (both exact doubles, one correctly rounded division: the
 * same double as `parseFloat`), longer ones fall back to `parseFloat`.
 */
import { readFileSync } from 'node:fs';

export const LOBSTER_EMPTY_ASK_PRICE = 9999999999;
export const LOBSTER_EMPTY_BID_PRICE = -9999999999;
/** LOBSTER prices are USD × 10000, so one cent (the NASDAQ tick above $1) is 100 price units. */
export const LOBSTER_CENT = 100;

export const LOBSTER_TYPE_NEW = 1;
export const LOBSTER_TYPE_CANCEL = 2;
export const LOBSTER_TYPE_DELETE = 3;
export const LOBSTER_TYPE_EXECUTE = 4;
export const LOBSTER_TYPE_HIDDEN = 5;
export const LOBSTER_TYPE_CROSS = 6;
export const LOBSTER_TYPE_HALT = 7;

export interface LobsterMessages {
  count: number;
  /** Seconds after midnight. */
  time: Float64Array;
  type: Uint8Array;
  orderId: Float64Array;
  size: Int32Array;
  /** USD × 10000 (integers; type-7 rows carry −1/0/1 here). */
  price: Float64Array;
  /** 1 buy, −1 sell. */
  direction: Int8Array;
}

export interface LobsterOrderbook {
  rows: number;
  levels: number;
  /** Row-major rows × (4·levels): [AskPrice_1, AskSize_1, BidPrice_1, BidSize_1, AskPrice_2, …]. */
  data: Float64Array;
}

export class LobsterFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: string | null,
    detail: string,
  ) {
    super(`${source}:${line}: ${column === null ? '' : `column ${column}: `}${detail}`);
    this.name = 'LobsterFormatError';
  }
}

const BOOK_COLUMN_KINDS = ['AskPrice', 'AskSize', 'BidPrice', 'BidSize'] as const;

const CH_LF = 10;
const CH_CR = 13;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_0 = 48;
const CH_9 = 57;

const POW10: number[] = [];
for (let k = 0; k <= 22; k++) POW10.push(10 ** k);

/** A cursor over the text; all parsing state lives here (one object per parse). */
class Scanner {
  pos = 0;
  line: number;
  constructor(
    readonly text: string,
    readonly source: string,
    /** The 1-based line number of the text's first line in its file. */
    readonly firstLine: number,
  ) {
    if (!Number.isInteger(firstLine) || firstLine < 1) throw new RangeError(`firstLine ${firstLine}`);
    this.line = firstLine - 1;
  }

  /** True if position i is the end of a field (comma, end of line or end of text). */
  private atFieldEnd(i: number): boolean {
    if (i >= this.text.length) return true;
    const c = this.text.charCodeAt(i);
    return c === CH_COMMA || c === CH_LF || c === CH_CR;
  }

  /** Text of the field starting at `start` (error path only). */
  fieldText(start: number): string {
    const t = this.text;
    let i = start;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === CH_COMMA || c === CH_LF || c === CH_CR) break;
      i++;
    }
    return t.slice(start, i);
  }

  fail(column: string | null, detail: string): never {
    throw new LobsterFormatError(this.source, this.line, column, detail);
  }

  failField(column: string, expected: string, start: number): never {
    this.fail(column, `expected ${expected}, got "${this.fieldText(start)}"`);
  }

  /** A signed integer field (optional leading '-'), at most 16 digits, within [min, max]. */
  int(column: string, min: number, max: number, expected: string): number {
    const t = this.text;
    const n = t.length;
    const start = this.pos;
    let i = start;
    let neg = false;
    if (i < n && t.charCodeAt(i) === CH_MINUS) {
      neg = true;
      i++;
    }
    const digits0 = i;
    let v = 0;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      v = v * 10 + (c - CH_0);
      i++;
    }
    if (i === digits0 || i - digits0 > 16 || !this.atFieldEnd(i)) this.failField(column, expected, start);
    if (neg) v = -v;
    if (!(v >= min && v <= max) || !Number.isSafeInteger(v)) this.failField(column, expected, start);
    this.pos = i;
    return v;
  }

  /** A non-negative decimal `digits[.digits]`. */
  decimal(column: string): number {
    const t = this.text;
    const n = t.length;
    const start = this.pos;
    let i = start;
    let m = 0;
    let nd = 0;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      m = m * 10 + (c - CH_0);
      i++;
    }
    nd = i - start;
    if (nd === 0) this.failField(column, 'a non-negative decimal number', start);
    let frac = 0;
    if (i < n && t.charCodeAt(i) === CH_DOT) {
      i++;
      const f0 = i;
      while (i < n) {
        const c = t.charCodeAt(i);
        if (c < CH_0 || c > CH_9) break;
        m = m * 10 + (c - CH_0);
        i++;
      }
      frac = i - f0;
      if (frac === 0) this.failField(column, 'a non-negative decimal number', start);
    }
    if (!this.atFieldEnd(i)) this.failField(column, 'a non-negative decimal number', start);
    this.pos = i;
    if (nd + frac <= 15) return m / POW10[frac]!;
    return Number.parseFloat(t.slice(start, i));
  }

  /** Consume the comma after column `index` of `expectedColumns`, or fail with a column-count error. */
  comma(index: number, expectedColumns: number): void {
    const t = this.text;
    if (this.pos < t.length && t.charCodeAt(this.pos) === CH_COMMA) {
      this.pos++;
      return;
    }
    this.fail(null, `expected ${expectedColumns} columns, got ${index + 1}`);
  }

  /** Consume the end of the line (\n, \r\n or end of text) after the last column. */
  endOfLine(expectedColumns: number): void {
    const t = this.text;
    const i = this.pos;
    if (i >= t.length) return;
    const c = t.charCodeAt(i);
    if (c === CH_LF) {
      this.pos = i + 1;
      return;
    }
    if (c === CH_CR && i + 1 < t.length && t.charCodeAt(i + 1) === CH_LF) {
      this.pos = i + 2;
      return;
    }
    if (c === CH_COMMA) {
      let cols = expectedColumns;
      let j = i;
      while (j < t.length) {
        const d = t.charCodeAt(j);
        if (d === CH_LF || d === CH_CR) break;
        if (d === CH_COMMA) cols++;
        j++;
      }
      this.fail(null, `expected ${expectedColumns} columns, got ${cols}`);
    }
    this.fail(null, 'bare carriage return (expected \\n or \\r\\n line ending)');
  }

  /** At the start of a line: true if there is another record; fails on a blank line. */
  nextLine(): boolean {
    const t = this.text;
    if (this.pos >= t.length) return false;
    this.line++;
    const c = t.charCodeAt(this.pos);
    if (c === CH_LF || c === CH_CR) this.fail(null, 'blank line');
    return true;
  }

  /**
   * At the start of a file (firstLine 1) skip a BOM and a header row if present; returns the header's
   * column count, or -1 if none. Later pieces of a file have neither.
   */
  skipHeader(): number {
    const t = this.text;
    if (this.firstLine !== 1) return -1;
    if (t.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (!startsWithHeader(t)) return -1;
    this.line++;
    let cols = 1;
    let i = this.pos;
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d === CH_LF) break;
      if (d === CH_COMMA) cols++;
      i++;
    }
    this.pos = i < t.length ? i + 1 : i;
    return cols;
  }

  /** Number of columns of the line starting at the cursor. */
  columnsHere(): number {
    const t = this.text;
    let cols = 1;
    for (let i = this.pos; i < t.length; i++) {
      const d = t.charCodeAt(i);
      if (d === CH_LF || d === CH_CR) break;
      if (d === CH_COMMA) cols++;
    }
    return cols;
  }
}

/**
 * Whether `text`, the start of a LOBSTER file, begins (after an optional BOM) with a header row: its
 * first character is a letter or a quote.
 */
export function startsWithHeader(text: string): boolean {
  const c = text.charCodeAt(text.charCodeAt(0) === 0xfeff ? 1 : 0);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 34;
}

/** Upper bound on the number of records: newlines + 1 (a missing final newline). */
function countLines(text: string): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n + 1;
}

const INT32_MAX = 2147483647;
const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Parse a LOBSTER message file's text, or a piece of it that starts at a line start: `source` names
 * the file in error messages and `firstLine` is the piece's first line number in it (a BOM and a
 * header row are recognized only at line 1).
 */
export function parseLobsterMessages(text: string, source = '<string>', firstLine = 1): LobsterMessages {
  const s = new Scanner(text, source, firstLine);
  const header = s.skipHeader();
  if (header !== -1 && header !== 6) s.fail(null, `header has ${header} columns, expected 6`);
  const cap = countLines(text);
  const time = new Float64Array(cap);
  const type = new Uint8Array(cap);
  const orderId = new Float64Array(cap);
  const size = new Int32Array(cap);
  const price = new Float64Array(cap);
  const direction = new Int8Array(cap);
  let n = 0;
  while (s.nextLine()) {
    time[n] = s.decimal('Time');
    s.comma(0, 6);
    type[n] = s.int('Type', 1, 7, 'one of 1,2,3,4,5,6,7');
    s.comma(1, 6);
    orderId[n] = s.int('OrderID', 0, SAFE, 'a non-negative integer order id');
    s.comma(2, 6);
    size[n] = s.int('Size', 0, INT32_MAX, 'a non-negative integer size');
    s.comma(3, 6);
    price[n] = s.int('Price', -SAFE, SAFE, 'an integer price (USD × 10000)');
    s.comma(4, 6);
    const dStart = s.pos;
    const d = s.int('Direction', -1, 1, 'one of 1,-1');
    if (d === 0) s.failField('Direction', 'one of 1,-1', dStart);
    direction[n] = d;
    s.endOfLine(6);
    n++;
  }
  return {
    count: n,
    time: time.subarray(0, n),
    type: type.subarray(0, n),
    orderId: orderId.subarray(0, n),
    size: size.subarray(0, n),
    price: price.subarray(0, n),
    direction: direction.subarray(0, n),
  };
}

function bookColumnName(c: number): string {
  return `${BOOK_COLUMN_KINDS[c & 3]!}_${(c >> 2) + 1}`;
}

/**
 * Parse a LOBSTER orderbook file's text, or a piece of it that starts at a line start (`firstLine` as
 * for parseLobsterMessages). The number of levels is taken from the header or the first row
 * (columns / 4); pass `levels` to require a specific depth. A later piece (firstLine > 1) needs
 * `levels` (from the file's first piece): its rows are then checked exactly as in a whole-file parse.
 */
export function parseLobsterOrderbook(
  text: string,
  source = '<string>',
  levels?: number,
  firstLine = 1,
): LobsterOrderbook {
  const s = new Scanner(text, source, firstLine);
  if (firstLine !== 1 && levels === undefined)
    throw new RangeError('parseLobsterOrderbook: a piece after line 1 needs the levels');
  const header = s.skipHeader();
  if (header === -1 && s.pos >= text.length) {
    return { rows: 0, levels: levels ?? 0, data: new Float64Array(0) };
  }
  const cols = header !== -1 ? header : firstLine === 1 ? s.columnsHere() : 4 * levels!;
  if (header === -1) s.line = firstLine; // report column-count problems on the first row
  if (cols % 4 !== 0) {
    s.fail(
      null,
      `expected a multiple of 4 columns (levels × [AskPrice, AskSize, BidPrice, BidSize]), got ${cols}`,
    );
  }
  if (levels !== undefined && cols !== 4 * levels) {
    s.fail(null, `expected ${4 * levels} columns (${levels} levels), got ${cols}`);
  }
  if (header === -1) s.line = firstLine - 1;
  const cap = countLines(text);
  const data = new Float64Array(cap * cols);
  const names = Array.from({ length: cols }, (_, c) => bookColumnName(c)); // not one string per field
  let n = 0;
  let k = 0;
  const len = text.length;
  while (s.nextLine()) {
    // Fast path: a row of plain integers of at most 15 digits (safe), sizes without a sign, and a
    // proper line end. Anything else re-reads the row with the strict scanner below, which accepts
    // the same rows with the same values and names the problem otherwise.
    let i = s.pos;
    let c = 0;
    for (; c < cols; c++) {
      let neg = false;
      if (i < len && text.charCodeAt(i) === CH_MINUS) {
        if ((c & 1) === 1) break;
        neg = true;
        i++;
      }
      const d0 = i;
      let v = 0;
      while (i < len) {
        const ch = text.charCodeAt(i);
        if (ch < CH_0 || ch > CH_9) break;
        v = v * 10 + (ch - CH_0);
        i++;
      }
      if (i === d0 || i - d0 > 15) break;
      const ch = i < len ? text.charCodeAt(i) : -1;
      if (c < cols - 1) {
        if (ch !== CH_COMMA) break;
        i++;
      } else if (ch === CH_LF) i++;
      else if (ch === CH_CR && i + 1 < len && text.charCodeAt(i + 1) === CH_LF) i += 2;
      else if (ch !== -1) break;
      data[k + c] = neg ? -v : v;
    }
    if (c === cols) {
      s.pos = i;
      k += cols;
      n++;
      continue;
    }
    for (let c = 0; c < cols; c++) {
      if ((c & 1) === 0) {
        data[k++] = s.int(names[c]!, -SAFE, SAFE, 'an integer price (USD × 10000)');
      } else {
        data[k++] = s.int(names[c]!, 0, SAFE, 'a non-negative integer size');
      }
      if (c < cols - 1) s.comma(c, cols);
    }
    s.endOfLine(cols);
    n++;
  }
  return { rows: n, levels: cols / 4, data: data.subarray(0, n * cols) };
}

export interface LobsterData {
  messages: LobsterMessages;
  orderbook: LobsterOrderbook | null;
}

/**
 * Load a message file and, optionally, its orderbook file. With both, they must have the same number
 * of rows (row i of the orderbook is the book after message i).
 */
export function loadLobster(messagePath: string, orderbookPath?: string): LobsterData {
  const messages = parseLobsterMessages(readFileSync(messagePath, 'utf8'), messagePath);
  if (orderbookPath === undefined) return { messages, orderbook: null };
  const orderbook = parseLobsterOrderbook(readFileSync(orderbookPath, 'utf8'), orderbookPath);
  if (orderbook.rows !== messages.count) {
    throw new Error(
      `${orderbookPath}: has ${orderbook.rows} rows but ${messagePath} has ${messages.count} messages ` +
        '(row i of the orderbook must be the book after message i)',
    );
  }
  return { messages, orderbook };
}

/** LOBSTER price (USD × 10000) → integer ticks; throws a RangeError if not a multiple of the tick. */
export function lobsterPriceToTicks(price: number, tickSize = LOBSTER_CENT): number {
  const t = price / tickSize;
  if (!Number.isInteger(t)) {
    throw new RangeError(`LOBSTER price ${price} is not a multiple of the tick size ${tickSize}`);
  }
  return t;
}
