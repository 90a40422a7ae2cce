import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS_TABLE, TableWriter, openDuck, splitI64 } from './catalog';

const dir = mkdtempSync(join(tmpdir(), 'qb-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = 1_723_161_256_322_000_000n; // ns since the epoch: beyond 2^53

/** Row i of the test table, as the values the writer is given. */
function row(i: number): (number | bigint)[] {
  return [
    i % 3 === 0 ? i + 1 : -(i + 1) * 4_294_967_297, // negative and beyond 32 bits
    BASE + BigInt(i) * 1_000_003n,
    (i % 12) + 1,
    i % 5 === 0 ? Number.NaN : 2 ** 52 + i,
    i % 7 === 0 ? Number.NaN : i % 2 === 0 ? 1 : -1,
    i % 11 === 0 ? Number.NaN : 100 + i / 8,
    i * 0.001,
    i % 4 === 0 ? Number.NaN : BASE - BigInt(i),
  ];
}

/** The same row through the allocation-free setters. */
function setRow(w: TableWriter, i: number): void {
  const [seq, , kind, order, side, price, size] = row(i) as number[];
  const base = splitI64(BASE);
  w.i64(0, seq!);
  w.i64Sum(1, base.hi, base.lo, i * 1_000_003);
  w.i8(2, kind!);
  w.i64(3, order!);
  w.i8(4, side!);
  w.f64(5, price!);
  w.f64(6, size!);
  if (i % 4 === 0) w.i64(7, Number.NaN);
  else w.i64Big(7, BASE - BigInt(i));
  w.endRow();
}

async function readBack(file: string): Promise<unknown[][]> {
  const { conn, close } = await openDuck();
  try {
    const r = await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    return r.getRows();
  } finally {
    close();
  }
}

const BIGINT_COLUMNS = new Set([0, 1, 3, 7]);

/** Row i as DuckDB reads it back: BIGINT as bigint, NULL for NaN. */
function expected(i: number): unknown[] {
  return row(i).map((v, c) =>
    typeof v === 'bigint' ? v : Number.isNaN(v) ? null : BIGINT_COLUMNS.has(c) ? BigInt(v) : v,
  );
}

describe('TableWriter', () => {
  it('writes every row in order, NaN as NULL, 64-bit integers exactly, through part files when full', async () => {
    for (const mode of ['push', 'setters'] as const) {
      const out = join(dir, `${mode}.parquet`);
      const spillDir = join(dir, mode);
      rmSync(spillDir, { recursive: true, force: true });
      mkdirSync(spillDir);
      const { conn, close } = await openDuck();
      let parts = 0;
      try {
        const w = await TableWriter.open(conn, EVENTS_TABLE, spillDir, 5000);
        const n = 12_345;
        for (let i = 0; i < n; i++) {
          if (mode === 'push') w.push(...row(i));
          else setRow(w, i);
          if (i % 1000 === 999 && w.full) {
            await w.spill();
            parts = Math.max(parts, readdirSync(spillDir).length);
          }
        }
        expect(w.count).toBe(n);
        expect(await w.finish(out)).toBe(n);
        const rows = await readBack(out);
        expect(rows.length).toBe(n);
        for (let i = 0; i < n; i++) {
          const want = expected(i);
          expect(rows[i]).toEqual(want);
        }
      } finally {
        close();
      }
      expect(parts).toBeGreaterThan(0); // the part files were used …
      expect(readdirSync(spillDir)).toEqual([]); // … and removed after the merge
    }
  });

  it('writes ms → ns and base + offset timestamps exactly (carries across 32 bits, negatives)', async () => {
    const out = join(dir, 'ts.parquet');
    const ms = [
      0,
      1,
      -5,
      4294967295,
      4294967296,
      1_723_161_256_322,
      2 ** 40 + 123,
      9_223_372_036_854,
      2 ** 53 - 1,
    ];
    const offsets = [0, 1, 4294967295, 4294967296, 2 ** 52 + 7, 86_399_999_999_999];
    const bases = [0n, BASE, (1n << 32n) - 1n, -(1n << 40n) - 3n];
    const want: bigint[] = [];
    const { conn, close } = await openDuck();
    try {
      const w = await TableWriter.open(conn, EVENTS_TABLE);
      /** A row whose exchange_ts_ns `ts` writes; the other columns NULL or 0. */
      const row = (ts: () => void): void => {
        w.i64(0, 0);
        ts();
        w.i8(2, 0);
        w.i64(3, Number.NaN);
        w.i8(4, 0);
        w.f64(5, 0);
        w.f64(6, 0);
        w.i64(7, Number.NaN);
        w.endRow();
      };
      for (const m of ms) {
        const big = BigInt(m) * 1_000_000n;
        if (big >= -(1n << 63n) && big < 1n << 63n) {
          row(() => w.i64MsToNs(1, m));
          want.push(big);
        }
      }
      for (const b of bases)
        for (const o of offsets) {
          const { hi, lo } = splitI64(b);
          row(() => w.i64Sum(1, hi, lo, o));
          want.push(b + BigInt(o));
        }
      await w.finish(out);
    } finally {
      close();
    }
    expect((await readBack(out)).map((r) => r[1])).toEqual(want);
  });

  it('lets two writers of one table share a connection', async () => {
    const { conn, close } = await openDuck();
    try {
      const a = await TableWriter.open(conn, EVENTS_TABLE);
      const b = await TableWriter.open(conn, EVENTS_TABLE);
      a.push(...row(1));
      b.push(...row(2));
      b.push(...row(3));
      expect(await a.finish(join(dir, 'a.parquet'))).toBe(1);
      expect(await b.finish(join(dir, 'b.parquet'))).toBe(2);
    } finally {
      close();
    }
    expect(await readBack(join(dir, 'a.parquet'))).toEqual([expected(1)]);
    expect(await readBack(join(dir, 'b.parquet'))).toEqual([expected(2), expected(3)]);
  });

  it('writes an empty table', async () => {
    const out = join(dir, 'empty.parquet');
    const { conn, close } = await openDuck();
    try {
      const w = await TableWriter.open(conn, EVENTS_TABLE);
      expect(await w.finish(out)).toBe(0);
    } finally {
      close();
    }
    expect(existsSync(out)).toBe(true);
    expect(await readBack(out)).toEqual([]);
  });
});
