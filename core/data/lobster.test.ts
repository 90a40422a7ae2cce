import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LOBSTER_EMPTY_ASK_PRICE,
  LOBSTER_EMPTY_BID_PRICE,
  LobsterFormatError,
  loadLobster,
  lobsterPriceToTicks,
  parseLobsterMessages,
  parseLobsterOrderbook,
} from './lobster';

/** ../shared/data/lobster beside the repository (this file is core/data/lobster.test.ts). */
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/lobster');

describe('parseLobsterMessages', () => {
  it('parses raw LOBSTER rows into columnar typed arrays', () => {
    const m = parseLobsterMessages(
      '34200.004241176,1,16113575,18,5853300,1\n34200.025551909,3,16120456,18,5859100,-1\n34201,7,0,0,-1,-1\n',
    );
    expect(m.count).toBe(3);
    expect(m.time).toBeInstanceOf(Float64Array);
    expect([...m.time]).toEqual([34200.004241176, 34200.025551909, 34201]);
    expect([...m.type]).toEqual([1, 3, 7]);
    expect(m.type).toBeInstanceOf(Uint8Array);
    expect([...m.orderId]).toEqual([16113575, 16120456, 0]);
    expect([...m.size]).toEqual([18, 18, 0]);
    expect(m.size).toBeInstanceOf(Int32Array);
    expect([...m.price]).toEqual([5853300, 5859100, -1]);
    expect([...m.direction]).toEqual([1, -1, -1]);
    expect(m.direction).toBeInstanceOf(Int8Array);
  });

  it('accepts a missing final newline, CRLF line endings, a BOM and a header row', () => {
    const plain = parseLobsterMessages('1.5,1,7,100,2238100,1\n2.25,4,7,100,2238100,1');
    expect(plain.count).toBe(2);
    expect(plain.time[1]).toBe(2.25);
    const crlf = parseLobsterMessages(
      '\ufeffTime,Type,OrderId,Size,Price,Direction\r\n34200.01746,5,0,1,2238200,-1\r\n34200.18961,1,11885113,21,2238100,1',
    );
    expect(crlf.count).toBe(2);
    expect(crlf.time[0]).toBe(34200.01746);
    expect([...crlf.orderId]).toEqual([0, 11885113]);
    expect(parseLobsterMessages('').count).toBe(0);
    expect(parseLobsterMessages('Time,Type,OrderId,Size,Price,Direction\n').count).toBe(0);
  });

  it('parses times to exactly the double parseFloat gives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_400 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 12 }),
        (secs, frac) => {
          const text = frac.length > 0 ? `${secs}.${frac}` : `${secs}`;
          const m = parseLobsterMessages(`${text},1,1,1,100,1`);
          expect(m.time[0]).toBe(Number.parseFloat(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  const bad: Array<[string, string, string]> = [
    ['Type not a digit', '1.0,x,5,1,100,1', 'f.csv:2: column Type: expected one of 1,2,3,4,5,6,7, got "x"'],
    ['Type out of range', '1.0,8,5,1,100,1', 'f.csv:2: column Type: expected one of 1,2,3,4,5,6,7, got "8"'],
    ['Type negative', '1.0,-1,5,1,100,1', 'column Type: expected one of 1,2,3,4,5,6,7, got "-1"'],
    ['Time', 'abc,1,5,1,100,1', 'f.csv:2: column Time: expected a non-negative decimal number, got "abc"'],
    [
      'Time with a dangling dot',
      '1.,1,5,1,100,1',
      'column Time: expected a non-negative decimal number, got "1."',
    ],
    ['Time negative', '-1.5,1,5,1,100,1', 'column Time: expected a non-negative decimal number, got "-1.5"'],
    [
      'OrderID',
      '1.0,1,5a,1,100,1',
      'f.csv:2: column OrderID: expected a non-negative integer order id, got "5a"',
    ],
    [
      'Size negative',
      '1.0,1,5,-1,100,1',
      'f.csv:2: column Size: expected a non-negative integer size, got "-1"',
    ],
    ['Size empty', '1.0,1,5,,100,1', 'column Size: expected a non-negative integer size, got ""'],
    [
      'Price decimal',
      '1.0,1,5,1,100.5,1',
      'f.csv:2: column Price: expected an integer price (USD × 10000), got "100.5"',
    ],
    ['Direction 0', '1.0,1,5,1,100,0', 'f.csv:2: column Direction: expected one of 1,-1, got "0"'],
    ['Direction 2', '1.0,1,5,1,100,2', 'column Direction: expected one of 1,-1, got "2"'],
    ['too few columns', '1.0,1,5,1,100', 'f.csv:2: expected 6 columns, got 5'],
    ['too many columns', '1.0,1,5,1,100,1,9,9', 'f.csv:2: expected 6 columns, got 8'],
    ['blank line', '\n1.0,1,5,1,100,1', 'f.csv:2: blank line'],
    ['trailing space', '1.0,1,5,1,100,1 ', 'f.csv:2: column Direction: expected one of 1,-1, got "1 "'],
    ['bare CR', '1.0,1,5,1,100,1\r1.0,1,5,1,100,1', 'f.csv:2: bare carriage return'],
  ];
  for (const [name, line, message] of bad) {
    it(`rejects a malformed line with file, line and column: ${name}`, () => {
      const text = `34200.1,1,1,100,5853300,1\n${line}\n34200.2,1,2,100,5853300,1\n`;
      expect(() => parseLobsterMessages(text, 'f.csv')).toThrow(LobsterFormatError);
      expect(() => parseLobsterMessages(text, 'f.csv')).toThrow(message);
    });
  }

  it('counts the header in line numbers and checks its column count', () => {
    expect(() =>
      parseLobsterMessages('Time,Type,OrderId,Size,Price,Direction\n1,1,1,1,1,x', 'h.csv'),
    ).toThrow('h.csv:2: column Direction');
    expect(() => parseLobsterMessages('Time,Type\n1,1,1,1,1,1', 'h.csv')).toThrow(
      'h.csv:1: header has 2 columns, expected 6',
    );
  });

  it('parses a piece of a file from its first line number: errors name the line in the file', () => {
    const piece = '1,1,1,1,1,1\n1,9,1,1,1,1\n';
    expect(() => parseLobsterMessages(piece, 'p.csv', 65537)).toThrow('p.csv:65538: column Type');
    // a header is recognized only at line 1: a header-like line later is a malformed row
    expect(() => parseLobsterMessages('Time,Type,OrderId,Size,Price,Direction\n', 'p.csv', 9)).toThrow(
      'p.csv:9: column Time: expected a non-negative decimal number, got "Time"',
    );
    expect(parseLobsterMessages(piece.slice(0, 12), 'p.csv', 5).count).toBe(1);
  });

  it('exposes the location on the error object', () => {
    try {
      parseLobsterMessages('1,1,1,1,1,1\n1,1,1,1,1,1\n1,9,1,1,1,1', 'x.csv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LobsterFormatError);
      const err = e as LobsterFormatError;
      expect([err.source, err.line, err.column]).toEqual(['x.csv', 3, 'Type']);
    }
  });
});

describe('parseLobsterOrderbook', () => {
  it('infers the depth from the first row and keeps rows row-major', () => {
    const ob = parseLobsterOrderbook(
      `5859400,200,5853300,18,5859800,200,5853000,150\n5859400,200,5853300,18,${LOBSTER_EMPTY_ASK_PRICE},0,${LOBSTER_EMPTY_BID_PRICE},0`,
    );
    expect(ob.levels).toBe(2);
    expect(ob.rows).toBe(2);
    expect(ob.data).toBeInstanceOf(Float64Array);
    expect([...ob.data.subarray(8)]).toEqual([5859400, 200, 5853300, 18, 9999999999, 0, -9999999999, 0]);
  });

  it('reads the header variant and checks the requested depth', () => {
    const text =
      'BestAsk,BestAskVolume,BestBid,BestBidVolume\r\n2239500,100,2231800,100\r\n2239500,100,2238100,21';
    const ob = parseLobsterOrderbook(text, 'b.csv', 1);
    expect([ob.rows, ob.levels]).toEqual([2, 1]);
    expect(ob.data[7]).toBe(21);
    expect(() => parseLobsterOrderbook(text, 'b.csv', 2)).toThrow(
      'b.csv:1: expected 8 columns (2 levels), got 4',
    );
  });

  it('names file, line and column on malformed rows', () => {
    expect(() => parseLobsterOrderbook('1,2,3,4\n1,2,3,-4\n', 'o.csv')).toThrow(
      'o.csv:2: column BidSize_1: expected a non-negative integer size, got "-4"',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4,5,6,7,8\n1,2,3,4,5,x,7,8\n', 'o.csv')).toThrow(
      'o.csv:2: column AskSize_2: expected a non-negative integer size, got "x"',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4\n1,2,3\n', 'o.csv')).toThrow(
      'o.csv:2: expected 4 columns, got 3',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4\n1,2,3,4,5\n', 'o.csv')).toThrow(
      'o.csv:2: expected 4 columns, got 5',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4,5\n', 'o.csv')).toThrow(
      'o.csv:1: expected a multiple of 4 columns',
    );
  });

  it('parses a later piece with the levels of the first: rows checked as in the whole file', () => {
    const ob = parseLobsterOrderbook('1,2,3,4\n5,6,7,8\n', 'o.csv', 1, 101);
    expect(Array.from(ob.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => parseLobsterOrderbook('1,2,3,4\n1,2,3\n', 'o.csv', 1, 101)).toThrow(
      'o.csv:102: expected 4 columns, got 3',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4,5,6,7,8\n', 'o.csv', 1, 101)).toThrow(
      'o.csv:101: expected 4 columns, got 8',
    );
    expect(() => parseLobsterOrderbook('1,2,3,4\n', 'o.csv', undefined, 2)).toThrow(RangeError);
  });

  it('returns an empty book for empty text', () => {
    expect(parseLobsterOrderbook('', 'e.csv', 5)).toMatchObject({ rows: 0, levels: 5 });
  });
});

describe('lobsterPriceToTicks', () => {
  it('converts USD×10000 to cent ticks and rejects sub-tick prices', () => {
    expect(lobsterPriceToTicks(5853300)).toBe(58533);
    expect(lobsterPriceToTicks(5853300, 1)).toBe(5853300);
    expect(() => lobsterPriceToTicks(5853350)).toThrow(RangeError);
  });
});

describe('loadLobster on the real samples', () => {
  const samples = [
    {
      dir: 'AAPL_2012-06-21_L10',
      msg: 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv',
      ob: 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv',
      rows: 999,
      levels: 10,
      first: [34200.004241176, 1, 16113575, 18, 5853300, 1],
      last: [34249.086375027, 1, 18259338, 18, 5853500, 1],
      firstBook: [5859400, 200, 5853300, 18],
    },
    {
      dir: 'AMZN_2012-06-21_L10',
      msg: 'AMZN_2012-06-21_34200000_57600000_message_10.first16000.csv',
      ob: 'AMZN_2012-06-21_34200000_57600000_orderbook_10.first16000.csv',
      rows: 16000,
      levels: 10,
      first: [34200.017459617, 5, 0, 1, 2238200, -1],
      last: [35836.541510467, 3, 44559681, 200, 2244300, -1],
      firstBook: [2239500, 100, 2231800, 100],
    },
    {
      dir: 'MSFT_2012-06-21_L5',
      msg: 'MSFT_2012-06-21_34200000_57600000_message_5.first20000.csv',
      ob: 'MSFT_2012-06-21_34200000_57600000_orderbook_5.first20000.csv',
      rows: 20000,
      levels: 5,
      first: [34200.01399412, 3, 16085616, 100, 310400, -1],
      last: [34620.186125896, 3, 25378167, 600, 310400, 1],
      firstBook: [309900, 3788, 309500, 300],
    },
    {
      dir: 'AMZN_2012-06-21_L1_rounded',
      msg: 'AMZN_2012-06-21_34200000_57600000_message_1.rounded_header.csv',
      ob: 'AMZN_2012-06-21_34200000_57600000_orderbook_1.rounded_header.csv',
      rows: 57515,
      levels: 1,
      first: [34200.01746, 5, 0, 1, 2238200, -1],
      last: [57599.95936, 3, 287174077, 100, 2206300, -1],
      firstBook: [2239500, 100, 2231800, 100],
    },
  ];

  it('finds the data folder beside the repository', () => {
    expect(existsSync(DATA), `LOBSTER samples expected at ${DATA}`).toBe(true);
  });

  for (const s of samples) {
    it(`loads ${s.dir}: ${s.rows} rows, ${s.levels} levels, first and last rows exact`, () => {
      const d = loadLobster(path.join(DATA, s.dir, s.msg), path.join(DATA, s.dir, s.ob));
      const m = d.messages;
      expect(m.count).toBe(s.rows);
      expect(d.orderbook!.rows).toBe(s.rows);
      expect(d.orderbook!.levels).toBe(s.levels);
      const row = (i: number): number[] => [
        m.time[i]!,
        m.type[i]!,
        m.orderId[i]!,
        m.size[i]!,
        m.price[i]!,
        m.direction[i]!,
      ];
      expect(row(0)).toEqual(s.first);
      expect(row(m.count - 1)).toEqual(s.last);
      expect([...d.orderbook!.data.subarray(0, 4)]).toEqual(s.firstBook);
      for (let i = 1; i < m.count; i++)
        if (m.time[i]! < m.time[i - 1]!) throw new Error(`time goes back at ${i}`);
    });
  }

  it('refuses an orderbook whose row count differs from the message file', () => {
    const a = samples[0]!;
    const b = samples[2]!;
    expect(() => loadLobster(path.join(DATA, a.dir, a.msg), path.join(DATA, b.dir, b.ob))).toThrow(
      /has 20000 rows but .* has 999 messages/,
    );
    expect(loadLobster(path.join(DATA, a.dir, a.msg)).orderbook).toBeNull();
  });
});
