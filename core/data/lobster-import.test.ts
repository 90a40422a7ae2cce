/**
 * The LOBSTER import streams: both files are read, parsed and replayed K rows at a time. A tiny K gives
 * the same dataset as the default (the reconciliation and the per-message check carry across pieces),
 * a bad line in a later piece is reported with its own line number and leaves nothing in the catalog,
 * and no piece holds more than K parsed rows.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetsDir, exportTable, type DatasetInfo } from './catalog';
import { importLobster } from './lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from './lobster-replay';

const dir = mkdtempSync(join(tmpdir(), 'qb-lobster-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(dir, `d${++dirs}`);

/** What an import wrote that does not depend on where the files were: the info and the three tables. */
async function contents(dataDir: string, info: DatasetInfo): Promise<unknown> {
  const tables: Record<string, string> = {};
  for (const t of ['events', 'top', 'trades'] as const) {
    const out = join(dataDir, `${t}.csv`);
    await exportTable(dataDir, info.id, t, out);
    tables[t] = readFileSync(out, 'utf8');
  }
  return { ...info, sources: info.sources.map((s) => ({ ...s, file: '' })), tables };
}

/** The catalog holds nothing: no dataset and no temporary import directory. */
function catalogEmpty(dataDir: string): boolean {
  const root = datasetsDir(dataDir);
  return !existsSync(root) || readdirSync(root).length === 0;
}

/** A copy of `file` (in `dataDir`) with line `line` (1-based) replaced by `text`. */
function withLine(file: string, line: number, text: string, name: string): string {
  const lines = readFileSync(file, 'latin1').split('\n');
  lines[line - 1] = text;
  const out = join(dir, name);
  writeFileSync(out, lines.join('\n'), 'latin1');
  return out;
}

describe('importLobster in pieces of K rows', () => {
  const amznL1 = lobsterSamplePaths(LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L1_rounded')!);
  const amznL10 = lobsterSamplePaths(LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L10')!);

  for (const name of ['AAPL_L10', 'AMZN_L1_rounded'] as const) {
    it(`${name}: K = 7 gives the same dataset (id, counts, verification, tables) as the default`, async () => {
      const p = lobsterSamplePaths(LOBSTER_SAMPLES.find((s) => s.name === name)!);
      const a = freshDir();
      const b = freshDir();
      const whole = await importLobster({ dataDir: a, ...p });
      let pieces = 0;
      const small = await importLobster({ dataDir: b, ...p, chunkRows: 7, onChunk: () => pieces++ });
      expect(pieces).toBeGreaterThan(100);
      expect(small.info.id).toBe(whole.info.id);
      expect(small.info.verification).toEqual(whole.info.verification);
      expect(await contents(b, small.info)).toEqual(await contents(a, whole.info));
    });
  }

  it('gzip files read in pieces give the same dataset id as the plain files', async () => {
    const msg = join(dir, 'AMZN_2012-06-21_gz_message.csv.gz');
    const ob = join(dir, 'AMZN_2012-06-21_gz_orderbook.csv.gz');
    writeFileSync(msg, gzipSync(readFileSync(amznL1.messagePath)));
    writeFileSync(ob, gzipSync(readFileSync(amznL1.orderbookPath)));
    const plain = await importLobster({ dataDir: freshDir(), ...amznL1 });
    const gz = await importLobster({
      dataDir: freshDir(),
      messagePath: msg,
      orderbookPath: ob,
      chunkRows: 1000,
    });
    expect(gz.info.id).toBe(plain.info.id);
    expect(gz.info.contentHash).toBe(plain.info.contentHash);
  });

  it('never holds more than K parsed rows of either file', async () => {
    const K = 500;
    const seen: [number, number][] = [];
    const r = await importLobster({
      dataDir: freshDir(),
      ...amznL10,
      chunkRows: K,
      onChunk: (m, o) => seen.push([m, o]),
    });
    expect(Math.max(...seen.flat())).toBe(K);
    // 16,000 rows: 32 full pieces, then the end of both files
    expect(seen.length).toBe(33);
    expect(seen.reduce((n, [m]) => n + m, 0)).toBe(r.info.counts.events);
    expect(seen.at(-1)).toEqual([0, 0]);
  });

  it('an abort signal stops the import at the next chunk boundary; nothing is kept', async () => {
    const dataDir = freshDir();
    const ctl = new AbortController();
    let chunks = 0;
    await expect(
      importLobster({
        dataDir,
        ...amznL1,
        chunkRows: 1000,
        signal: ctl.signal,
        onChunk: () => {
          if (++chunks === 3) ctl.abort();
        },
      }),
    ).rejects.toThrow(/aborted/i);
    expect(chunks).toBeLessThan(10); // 58 pieces in all: it stopped right after the abort
    expect(catalogEmpty(dataDir)).toBe(true);
    // an already aborted signal does no work at all
    await expect(importLobster({ dataDir, ...amznL1, signal: AbortSignal.abort() })).rejects.toThrow(
      /aborted/i,
    );
    expect(catalogEmpty(dataDir)).toBe(true);
  });

  it('a malformed line in a later piece names its file and true line number; nothing is kept', async () => {
    // the header is line 1, so message row i (0-based) is line i + 2; K = 1000 puts line 12,345 in piece 13
    const bad = withLine(
      amznL1.messagePath,
      12345,
      '34500.123,9,1,100,2200000,1',
      'AMZN_2012-06-21_bad_message_1.csv',
    );
    const dataDir = freshDir();
    await expect(
      importLobster({ dataDir, messagePath: bad, orderbookPath: amznL1.orderbookPath, chunkRows: 1000 }),
    ).rejects.toThrow(`${bad}:12345: column Type: expected one of 1,2,3,4,5,6,7, got "9"`);
    expect(catalogEmpty(dataDir)).toBe(true);

    // the orderbook file (no header in AMZN L10): line 9,001 is row 9,000, the first of a piece at K = 1000
    const badOb = withLine(
      amznL10.orderbookPath,
      9001,
      'AskPrice_1,1,2,3',
      'AMZN_2012-06-21_bad_orderbook_10.csv',
    );
    const dataDir2 = freshDir();
    await expect(
      importLobster({
        dataDir: dataDir2,
        messagePath: amznL10.messagePath,
        orderbookPath: badOb,
        chunkRows: 1000,
      }),
    ).rejects.toThrow(
      `${badOb}:9001: column AskPrice_1: expected an integer price (USD × 10000), got "AskPrice_1"`,
    );
    expect(catalogEmpty(dataDir2)).toBe(true);
  });

  it('files of different lengths are an error naming both, found when one ends; nothing is kept', async () => {
    const lines = readFileSync(amznL10.orderbookPath, 'latin1').split('\n');
    const short = join(dir, 'AMZN_2012-06-21_short_orderbook_10.csv');
    writeFileSync(short, `${lines.slice(0, 12000).join('\n')}\n`, 'latin1');
    const dataDir = freshDir();
    await expect(
      importLobster({ dataDir, messagePath: amznL10.messagePath, orderbookPath: short, chunkRows: 1000 }),
    ).rejects.toThrow(
      `${short}: 12000 rows but ${amznL10.messagePath} has 16000 messages (they must be row-aligned)`,
    );
    expect(catalogEmpty(dataDir)).toBe(true);
    const shortMsg = join(dir, 'AMZN_2012-06-21_short_message_10.csv');
    const msgLines = readFileSync(amznL10.messagePath, 'latin1').split('\n');
    writeFileSync(shortMsg, msgLines.slice(0, 12500).join('\n'), 'latin1'); // no final line break
    const dataDir2 = freshDir();
    await expect(
      importLobster({
        dataDir: dataDir2,
        messagePath: shortMsg,
        orderbookPath: amznL10.orderbookPath,
        chunkRows: 1000,
      }),
    ).rejects.toThrow(
      `${amznL10.orderbookPath}: 16000 rows but ${shortMsg} has 12500 messages (they must be row-aligned)`,
    );
    expect(catalogEmpty(dataDir2)).toBe(true);
  });
});
