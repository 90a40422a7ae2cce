/**
 * Calibrating on a part of a dataset (calibrate --from/--to, issue 12 §1: keep the later part of the
 * day out of calibration for replays): the loaders select exactly the rows of [from, to) seconds after
 * the dataset's first event, and the report and YAML say so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import type { DatasetInfo } from '../data/catalog';
import { bookStats } from './book-stats';
import { calibrateDataset, scenarioYaml } from './calibrate';
import { checkWindow, loadDatasetArrays, windowCondition } from './dataset-arrays';
import { intensityFromDataset } from './intensity-data';

let dir: string;
let info: DatasetInfo;

beforeAll(async () => {
  const s = LOBSTER_SAMPLES.find((x) => x.name === 'AAPL_L10')!;
  const p = lobsterSamplePaths(s);
  dir = mkdtempSync(join(tmpdir(), 'qb-calib-window-'));
  ({ info } = await importLobster({
    dataDir: dir,
    messagePath: p.messagePath,
    orderbookPath: p.orderbookPath,
  }));
});

/** Seconds after the dataset's first event of each row of a full load. */
function absolute(t: Float64Array, t0Ns: bigint): number[] {
  const shift = Number(t0Ns - BigInt(info.firstTsNs)) / 1e9;
  return Array.from(t, (x) => x + shift);
}

describe('a time window of a dataset', () => {
  it('selects exactly the rows in [from, to): top, trades and events, against a full load', async () => {
    const full = await loadDatasetArrays(dir, info.id);
    const part = await loadDatasetArrays(dir, info.id, undefined, { from: 10, to: 30 });
    const inside = (xs: number[]) => xs.filter((x) => x >= 10 && x < 30).length;
    const top = absolute(full.top.t, full.t0Ns);
    const trades = absolute(full.trades.t, full.t0Ns);
    const events = absolute(full.events.t, full.t0Ns);
    expect(part.top.t.length).toBe(inside(top));
    expect(part.trades.t.length).toBe(inside(trades));
    expect(part.events.t.length).toBe(inside(events));
    expect(part.top.t.length).toBeGreaterThan(10);
    expect(part.top.t.length).toBeLessThan(full.top.t.length);
    // times start again at the window's first top row
    expect(part.top.t[0]).toBe(0);
    const a = absolute(part.top.t, part.t0Ns);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...a)).toBeLessThan(30);
    // the other loaders see the same part: fewer trades, a shorter span
    const ib = await intensityFromDataset(dir, info.id, undefined, { from: 10, to: 30 });
    expect(ib.trades).toBe(part.trades.t.length);
    const bs = await bookStats(dir, info.id, { to: 30 });
    expect(bs.trades.count).toBe(trades.filter((x) => x < 30).length);
    expect(bs.seconds).toBeLessThan(30);
  });

  it('refuses windows that select nothing, naming the bound', () => {
    expect(() => checkWindow(info, { from: 1e6 })).toThrow(/from \(1000000 s\) is past the end/);
    expect(() => checkWindow(info, { from: 5, to: 5 })).toThrow(/to \(5\) must be greater than from/);
    expect(() => checkWindow(info, { from: -1 })).toThrow(/from must be/);
    expect(windowCondition(info, undefined)).toBe('TRUE');
    expect(windowCondition(info, { to: 1 })).toBe(
      `exchange_ts_ns < ${BigInt(info.firstTsNs) + 1_000_000_000n}`,
    );
  });

  it('calibrateDataset on a window: the report and the YAML name it, and the span is the window', async () => {
    const rep = await calibrateDataset(dir, info.id, {
      intervalSeconds: 1,
      pilotSeconds: 0,
      window: { to: 30 },
    });
    expect(rep.window).toEqual({ from: 0, to: 30 });
    expect(rep.seconds).toBeLessThan(30);
    expect(rep.seconds).toBeGreaterThan(25);
    expect(scenarioYaml(rep)).toContain('# Calibrated on seconds 0–30 of the dataset only');
    const all = await calibrateDataset(dir, info.id, { intervalSeconds: 1, pilotSeconds: 0 });
    expect(all.window).toBeNull();
    expect(all.seconds).toBeGreaterThan(45);
  });
});
