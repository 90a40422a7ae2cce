/**
 * A replay run's report names its dataset and the dataset's content hash from the catalog (the LOBSTER
 * AAPL sample, first 998 messages, replayed with a fixed-spread quoter), and says so when the catalog
 * no longer has it.
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
import { renderReportHtml } from './html';
import { loadReport } from './model';
import { storeBacktest } from './report.fixture';

const AAPL = path.join(DEFAULT_LOBSTER_DIR, 'AAPL_2012-06-21_L10');
const MESSAGES = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');

let dataDir: string;
let store: Store;
let runId: string;
let hash: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'qb-report-replay-'));
  const imported = await importLobster({ dataDir, messagePath: MESSAGES, orderbookPath: ORDERBOOK });
  hash = imported.info.contentHash;
  const cfg = backtestConfigSchema.parse({
    name: 'aapl-replay',
    seed: 1,
    paths: 1,
    scenario: { mode: 'replay', name: 'aapl', dataset: imported.info.id, sampleInterval: 0.5 },
    strategies: [{ type: 'fixed-spread', halfSpread: 0.02, skewPerLot: 0, orderSizeLots: 1 }],
  });
  store = openStore(dataDir);
  runId = storeBacktest(store, cfg, 1, await loadMarketInputs(cfg.scenario, dataDir)).runId;
}, 120_000);

afterAll(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('report of a replay run', () => {
  it('names the dataset and its content hash', () => {
    const m = loadReport(store, [runId]);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.runs[0]?.scenarioMode).toBe('replay');
    expect(m.runs[0]?.dataset).toMatchObject({ hash });
    expect(m.entries[0]?.keptPaths).toBe(1);
    const html = renderReportHtml(m);
    expect(html).toContain(`<code>${hash}</code>`);
  });

  it('says when the catalog does not have the dataset', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'qb-report-nocat-'));
    try {
      const m = loadReport(store, [runId], { dataDir: other });
      expect(m.runs[0]?.dataset?.hash).toBeNull();
      expect(m.runs[0]?.dataset?.note).toMatch(/not in the catalog/);
      expect(renderReportHtml(m)).toContain('<code>unknown</code>');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
