/**
 * Calibration benchmark (issue 11 §3): `quotebench calibrate`'s work on the shared LOBSTER AMZN level-1
 * file (the whole 2012-06-21 session, 57,515 messages) imported into a temporary data directory (not
 * timed), then calibrateDataset (every stage: 10-s returns, GARCH, 2-state regimes, intensity, book
 * statistics, flow rates, and the pilot simulations of ./pilot.ts) timed, best of `runs` (seconds, wall
 * clock); `calibrateAmznL1NoPilotSeconds` is the same without the pilot (`pilotSeconds: 0`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importLobster } from '../data/lobster-import';
import { LOBSTER_SAMPLES, lobsterSamplePaths } from '../data/lobster-replay';
import { calibrateDataset } from './calibrate';

export async function benchCalibrate(
  runs = 3,
): Promise<{ calibrateAmznL1Seconds: number; calibrateAmznL1NoPilotSeconds: number }> {
  const sample = LOBSTER_SAMPLES.find((s) => s.name === 'AMZN_L1_rounded')!;
  const p = lobsterSamplePaths(sample);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-bench-calibrate-'));
  try {
    const { info } = await importLobster({
      dataDir: dir,
      messagePath: p.messagePath,
      orderbookPath: p.orderbookPath,
      date: '2012-06-21',
    });
    const time = async (pilotSeconds?: number): Promise<number> => {
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        await calibrateDataset(dir, info.id, pilotSeconds === undefined ? {} : { pilotSeconds });
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      return Number(best.toFixed(3));
    };
    return { calibrateAmznL1Seconds: await time(), calibrateAmznL1NoPilotSeconds: await time(0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
