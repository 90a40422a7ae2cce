/**
 * A replay run's MLflow mapping names its dataset (id and name) and the dataset's content hash from the
 * catalog (the LOBSTER AAPL sample, first 998 messages, replayed with a fixed-spread quoter, as in
 * core/report/replay-report.test.ts), and notes when the catalog no longer has it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { loadMarketInputs } from '../backtest/run';
import { importLobster } from '../data/lobster-import';
import { DEFAULT_LOBSTER_DIR } from '../data/lobster-replay';
import { openStore, type Store } from '../store/db';
import { mapStoredRun } from './run-mapping';
import { storeBacktest } from '../report/report.fixture';

const AAPL = path.join(DEFAULT_LOBSTER_DIR, 'AAPL_2012-06-21_L10');
const MESSAGES = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');

let dataDir: string;
let store: Store;
let runId: string;
let datasetId: string;
let hash: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'qb-tracking-replay-'));
  const imported = await importLobster({ dataDir, messagePath: MESSAGES, orderbookPath: ORDERBOOK });
  hash = imported.info.contentHash;
  datasetId = imported.info.id;
  const cfg = backtestConfigSchema.parse({
    name: 'aapl-replay',
    seed: 1,
    paths: 1,
    scenario: { mode: 'replay', name: 'aapl', dataset: datasetId, sampleInterval: 0.5 },
    strategies: [{ type: 'fixed-spread', halfSpread: 0.02, skewPerLot: 0, orderSizeLots: 1 }],
  });
  store = openStore(dataDir);
  runId = storeBacktest(store, cfg, 1, await loadMarketInputs(cfg.scenario, dataDir)).runId;
}, 120_000);

afterAll(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('MLflow mapping of a replay run', () => {
  it('tags kind replay, the dataset id and its content hash; the tear sheet is an artifact', () => {
    const run = mapStoredRun(store, runId);
    const tags = new Map(run.tags.map((t) => [t.key, t.value]));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.kind).toBe('replay');
    expect(tags.get('quotebench.kind')).toBe('replay');
    expect(tags.get('quotebench.dataset')).toBe(datasetId);
    expect(tags.get('quotebench.dataset_hash')).toBe(hash);
    expect(new Map(run.params.map((p) => [p.key, p.value])).get('scenario.dataset')).toBe(datasetId);
    expect(run.artifacts.map((a) => a.path)).toContain('tear-sheet.html');
    expect(run.notes).toEqual([]);
  });

  it('notes a dataset the catalog no longer has (no hash tag)', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'qb-tracking-nocat-'));
    try {
      const run = mapStoredRun(store, runId, { dataDir: other });
      const tags = new Map(run.tags.map((t) => [t.key, t.value]));
      expect(tags.get('quotebench.dataset')).toBe(datasetId);
      expect(tags.has('quotebench.dataset_hash')).toBe(false);
      expect(run.notes.join('\n')).toMatch(/not in the catalog: no dataset hash/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
