import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../sim/backtest';
import { backtestConfigSchema } from '../sim/backtest-config';
import { JobCancelledError, JobRunner } from './job-runner';

const config = (paths: number) =>
  backtestConfigSchema.parse({
    seed: 9,
    paths,
    scenario: {
      mode: 'intensity',
      horizon: 1,
      dt: 0.005,
      s0: 100,
      price: { sigma: 2, increments: 'binomial' },
      intensity: { A: 140, k: 1.5 },
    },
    strategies: [{ type: 'avellaneda-stoikov', gamma: [0.1, 0.5] }],
  });

describe('JobRunner (worker_threads)', () => {
  const runner = new JobRunner({ size: 1 });
  afterAll(() => runner.close());

  it('runs a backtest in a worker with the same results as in-process, keeping the first paths', async () => {
    const cfg = config(50);
    const r = await runner.runBacktest(cfg, { keepPaths: 2 });
    expect(r.runs).toEqual(runBacktest(cfg).runs);
    expect(r.paths.map((p) => [p.resultIndex, p.path.pathIndex])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(r.paths[0]?.path.series.pnl.length).toBe(201);
    expect(r.paths[0]?.path.fills.count).toBeGreaterThan(0);
  });

  it('keeps the calling thread free and throttles progress to ≤ 20 Hz', async () => {
    const cfg = config(6000);
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const progress: number[] = [];
    const t0 = performance.now();
    await runner.runBacktest(cfg, { onProgress: () => progress.push(performance.now()) });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
    expect(maxGap).toBeLessThan(200);
    // At most one callback per 50 ms, plus the final one.
    for (let i = 1; i < progress.length - 1; i++)
      expect((progress[i] ?? 0) - (progress[i - 1] ?? 0)).toBeGreaterThanOrEqual(49);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 20) + 2);
  });

  it('cancels a running job through its AbortSignal, then runs the next job', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const job = runner.runBacktest(config(200_000), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(job).rejects.toBeInstanceOf(JobCancelledError);
    expect(performance.now() - started).toBeLessThan(10_000);
    const next = await runner.runBacktest(config(5));
    expect(next.runs).toHaveLength(2);
  });

  it('rejects an invalid config with the validation message', async () => {
    await expect(runner.runBacktest({ seed: 1 })).rejects.toThrow(/paths|scenario/);
  });
});
