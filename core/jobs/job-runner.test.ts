import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/run';
import { NonFiniteError } from '../sim/guards';
import { backtestConfigSchema } from '../backtest/config';
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
    // A timer on the calling thread counts its ticks; each progress callback notes the count. Had the
    // backtest run on this thread, no tick could happen between two callbacks of the same job. (No
    // bound on the gap between ticks: that would measure the machine's load, not the design.)
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const progress: number[] = [];
    const ticksAtProgress: number[] = [];
    const t0 = performance.now();
    await runner.runBacktest(cfg, {
      onProgress: () => {
        progress.push(performance.now());
        ticksAtProgress.push(ticks);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(ticksAtProgress[ticksAtProgress.length - 1] ?? 0).toBeGreaterThan(ticksAtProgress[0] ?? 0);
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

/** One path of 10^9 steps (minutes of work): only a cancel inside the path can stop it promptly. */
const enormous = () =>
  backtestConfigSchema.parse({
    seed: 1,
    paths: 1,
    scenario: {
      mode: 'intensity',
      horizon: 1e9,
      dt: 1,
      s0: 100,
      price: { sigma: 2, increments: 'binomial' },
      intensity: { A: 140, k: 1.5 },
      sampleEvery: 1_000_000,
    },
    strategies: [{ type: 'avellaneda-stoikov', gamma: 0.1 }],
  });

describe('JobRunner cancellation inside a path', () => {
  const runner = new JobRunner({ size: 1 });
  afterAll(() => runner.close());

  it('cancels one enormous path after its first progress, then runs the next job', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    let progress = 0;
    const job = runner.runBacktest(enormous(), {
      signal: controller.signal,
      onProgress: (p) => {
        progress = p.done;
        if (abortedAt === 0) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(job).rejects.toBeInstanceOf(JobCancelledError);
    const latency = performance.now() - abortedAt;
    // Progress arrives from inside the path (the single path is far from done).
    expect(progress).toBeLessThan(1);
    // A generous bound: the safety net alone would answer in ~2 s; the measured figure is in the report.
    expect(latency).toBeLessThan(10_000);
    console.info(`cancel latency (first progress): ${latency.toFixed(1)} ms`);
    const next = await runner.runBacktest(config(5));
    expect(next.runs).toHaveLength(2);
  });

  it('cancels one enormous path after a delay (no progress needed), then runs the next job', async () => {
    const controller = new AbortController();
    const job = runner.runBacktest(enormous(), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    controller.abort();
    await expect(job).rejects.toBeInstanceOf(JobCancelledError);
    const latency = performance.now() - t0;
    expect(latency).toBeLessThan(10_000);
    console.info(`cancel latency (after 300 ms): ${latency.toFixed(1)} ms`);
    const next = await runner.runBacktest(config(5));
    expect(next.runs).toHaveLength(2);
  });

  it('rejects a queued job as soon as it is cancelled, without waiting for the running one', async () => {
    const first = new AbortController();
    const second = new AbortController();
    const running = runner.runBacktest(enormous(), { signal: first.signal });
    const queued = runner.runBacktest(config(5), { signal: second.signal });
    expect(runner.load()).toEqual({ running: 1, queued: 1 });
    second.abort();
    await expect(queued).rejects.toBeInstanceOf(JobCancelledError);
    expect(runner.load()).toEqual({ running: 1, queued: 0 });
    first.abort();
    await expect(running).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('stops a run whose state goes non-finite with a NonFiniteError naming what, where and when', async () => {
    const cfg = backtestConfigSchema.parse({
      seed: 1,
      paths: 2,
      scenario: {
        mode: 'intensity',
        horizon: 10,
        dt: 1,
        s0: 100,
        price: { sigma: 2, increments: 'binomial' },
        intensity: { A: 1, k: 1.5 },
        // Valid numbers one by one; their product (the fee of one fill) is +Infinity at run time.
        fees: { perLot: 1e308 },
      },
      strategies: [{ type: 'fixed-spread', halfSpread: 1, orderSizeLots: 10 }],
    });
    const err: unknown = await runner.runBacktest(cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    const nf = err as NonFiniteError;
    expect(nf.quantity).toBe('cash');
    expect(nf.pathIndex).toBe(0);
    expect(nf.step).toBeGreaterThan(0);
    expect(nf.message).toMatch(/cash became (-?Infinity|NaN) on path 0 at step \d+ \(t = /);
    // The worker is reused for the next job.
    expect((await runner.runBacktest(config(5))).runs).toHaveLength(2);
  });
});

describe('JobRunner safety net', () => {
  const runner = new JobRunner({
    size: 1,
    cancelGraceMs: 500,
    workerEntry: new URL('./stuck-worker.fixture.ts', import.meta.url),
  });
  afterAll(() => runner.close());

  it('terminates and replaces a worker that does not answer a cancel, so the queue moves on', async () => {
    const controller = new AbortController();
    let started = false;
    const stuck = runner.runBacktest('spin', {
      signal: controller.signal,
      onProgress: () => {
        started = true;
        controller.abort();
      },
    });
    const next = runner.runBacktest('quick');
    await expect(stuck).rejects.toBeInstanceOf(JobCancelledError);
    expect(started).toBe(true);
    await expect(next).resolves.toEqual({ runs: [], paths: [] });
  });

  it('close() ends a running job that does not poll', async () => {
    const local = new JobRunner({
      size: 1,
      workerEntry: new URL('./stuck-worker.fixture.ts', import.meta.url),
    });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const stuck = local.runBacktest('spin', { onProgress: () => started() });
    await running;
    await local.close();
    await expect(stuck).rejects.toBeInstanceOf(JobCancelledError);
  });
});
