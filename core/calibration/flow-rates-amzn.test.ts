/**
 * flow-rates.ts through the catalog (import, dataset arrays, mid by seq) against an independent numpy
 * reading of the raw LOBSTER AMZN level-10 CSVs: scripts/reference/flow_rates_reference.py, whose
 * printed values are held here as constants (the test never runs Python).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { flowEvents, loadDatasetArrays } from './dataset-arrays';
import { flowRates } from './flow-rates';

const REF = {
  seconds: 1636.52405085,
  arrivals: [49, 37, 71, 87, 111, 141, 127, 168, 244, 390],
  cancels: [9, 8, 21, 45, 85, 89, 135, 131, 218, 309],
  exposure: [
    653.905719, 654.751961, 685.33087, 873.734501, 979.523613, 1252.484484, 1271.243598, 1309.628862,
    1601.67778, 1601.123177,
  ],
  limitRate: 1.532821958038,
  depthMean: 13.138927646004,
  cancelRate: 0.154500591904,
  marketOrders: 676,
  marketRate: 0.206535308677,
  limit: [4.27456874508, 1.091396837407],
  market: [3.600142174419, 1.799437079787],
  unseen: 169,
};

describe('flow rates on the AMZN LOBSTER level-10 sample vs the numpy reference', () => {
  it('arrivals, cancels, order-seconds, rates and size fits agree', async () => {
    const p = lobsterSamplePaths(LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L10')!);
    const dir = mkdtempSync(join(tmpdir(), 'qb-flow-amzn-'));
    const { info } = await importLobster({
      dataDir: dir,
      messagePath: p.messagePath,
      orderbookPath: p.orderbookPath,
    });
    const d = await loadDatasetArrays(dir, info.id);
    const r = flowRates(flowEvents(d), { tick: 0.01, lot: 1, maxTicks: 20 });
    expect(r.seconds).toBeCloseTo(REF.seconds, 6);
    expect(r.bins.slice(0, 10).map((b) => b.arrivals)).toEqual(REF.arrivals);
    expect(r.bins.slice(0, 10).map((b) => b.cancels)).toEqual(REF.cancels);
    r.bins.slice(0, 10).forEach((b, i) => expect(b.exposure).toBeCloseTo(REF.exposure[i]!, 4));
    expect(r.limitRate).toBeCloseTo(REF.limitRate, 9);
    expect(r.depthMeanTicks).toBeCloseTo(REF.depthMean, 9);
    expect(r.cancelRate).toBeCloseTo(REF.cancelRate, 7);
    expect(r.marketOrders).toBe(REF.marketOrders);
    expect(r.marketRate).toBeCloseTo(REF.marketRate, 9);
    expect(r.limitSize!.mu).toBeCloseTo(REF.limit[0]!, 9);
    expect(r.limitSize!.sigma).toBeCloseTo(REF.limit[1]!, 9);
    expect(r.marketSize!.mu).toBeCloseTo(REF.market[0]!, 9);
    expect(r.marketSize!.sigma).toBeCloseTo(REF.market[1]!, 9);
    expect(r.unseenCancels).toBe(REF.unseen);
  }, 60_000);
});
