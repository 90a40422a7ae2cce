/**
 * Performance of what a person sees, measured in the real browser and against the real server:
 *
 * - The order-book view under load: the busy `book-stress` replay at 100×; after a 1 s warm-up the
 *   page counts animation frames for 3 s (its own requestAnimationFrame loop, so fps and the p95
 *   frame interval are what the display got) and the book updates the view applied in that time
 *   (`window.__quotebenchPerf.updatesApplied`, the `updates` of every snapshot rendered).
 *   Targets: ≥ 10,000 book updates/s at ≥ 55 fps.
 * - API latency while a large backtest runs in the background (a worker thread): 200 sequential
 *   `app.info` round trips over the WebSocket from Node (10 ms apart, after 20 warm-up calls).
 *   Target: p99 < 20 ms.
 *
 * Inside `npm test` this spec asserts only behaviour — the view applies book updates and draws frames
 * while the replay runs, every API call is answered correctly while the backtest runs, and the
 * backtest cancels — never a rate, a frame rate or a latency: those depend on the machine and its load
 * (on a loaded 2-core VM the view once measured 19.7 fps), so they are benchmark figures, reported by
 * `npm run bench -- --only ui` (which runs this spec and reads its output) and recorded with the
 * machine and date in docs/performance.md.
 * The figures are printed and written to e2e/output/perf.json for docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { ApiSocket } from './api-socket';
import { attr, freshDataDir, goToTab, percentile, serve, sleep, startApp } from './app';
import { OUTPUT, screenshot } from './harness';

const REPLAY_PRESET = 'book-stress';
const REPLAY_SPEED = 100;
const WARMUP_MS = 1000;
const MEASURE_MS = 3000;
const API_CALLS = 200;
const API_WARMUP_CALLS = 20;
/** Pause between calls, so the 200 samples span ~2 s of the backtest rather than a few ms. */
const API_GAP_MS = 10;

interface PerfFigures {
  bookUpdatesPerSec: number | null;
  fps: number | null;
  frameP95Ms: number | null;
  apiRoundTripP99Ms: number | null;
  apiRoundTripP50Ms: number | null;
  date: string;
  context: Record<string, unknown>;
}

const figures: PerfFigures = {
  bookUpdatesPerSec: null,
  fps: null,
  frameP95Ms: null,
  apiRoundTripP99Ms: null,
  apiRoundTripP50Ms: null,
  date: new Date().toISOString(),
  context: {},
};

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

afterAll(() => {
  mkdirSync(OUTPUT, { recursive: true });
  writeFileSync(join(OUTPUT, 'perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`perf figures (e2e/output/perf.json):\n${JSON.stringify(figures, null, 2)}`);
});

interface PageMeasurement {
  stamps: number[];
  elapsedMs: number;
  updatesApplied: number;
  framesApplied: number;
  snapshotsReceived: number;
}

describe('performance', () => {
  it(`order-book view applies book updates and draws under load (${REPLAY_PRESET}, ${REPLAY_SPEED}×; rates measured)`, async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'orderbook');
    const select = page.getByTestId('replay-preset-select');
    await select.locator(`option[value="${REPLAY_PRESET}"]`).waitFor({ state: 'attached' });
    await select.selectOption(REPLAY_PRESET);
    await page.getByTestId('speed-select').selectOption(String(REPLAY_SPEED));
    await page.getByTestId('replay-start').click();
    await expect.poll(() => attr(page.getByTestId('replay-status'), 'data-status')).toBe('running');
    await page.getByTestId('ladder-row').first().waitFor();
    await sleep(WARMUP_MS);

    const m: PageMeasurement = await page.evaluate((ms: number) => {
      interface Probe {
        frames: number;
        updatesApplied: number;
        snapshotsReceived: number;
        reset(): void;
      }
      const g = globalThis as unknown as {
        __quotebenchPerf: Probe;
        performance: { now(): number };
        requestAnimationFrame(cb: (t: number) => void): number;
      };
      const probe = g.__quotebenchPerf;
      return new Promise<PageMeasurement>((resolve) => {
        const stamps: number[] = [];
        probe.reset();
        const t0 = g.performance.now();
        const loop = (t: number): void => {
          stamps.push(t);
          const now = g.performance.now();
          if (now - t0 < ms) {
            g.requestAnimationFrame(loop);
            return;
          }
          resolve({
            stamps,
            elapsedMs: now - t0,
            updatesApplied: probe.updatesApplied,
            framesApplied: probe.frames,
            snapshotsReceived: probe.snapshotsReceived,
          });
        };
        g.requestAnimationFrame(loop);
      });
    }, MEASURE_MS);
    // Still running at the end: the measurement covered a live replay, not a finished one.
    expect(await attr(page.getByTestId('replay-status'), 'data-status')).toBe('running');
    await screenshot(page, 'perf-orderbook-stress');
    await page.getByTestId('replay-stop').click();

    const first = m.stamps[0] ?? NaN;
    const last = m.stamps[m.stamps.length - 1] ?? NaN;
    const intervals = m.stamps.slice(1).map((t, i) => t - (m.stamps[i] ?? t));
    const fps = (m.stamps.length - 1) / ((last - first) / 1000);
    const updatesPerSec = m.updatesApplied / (m.elapsedMs / 1000);
    figures.bookUpdatesPerSec = Math.round(updatesPerSec);
    figures.fps = round(fps);
    figures.frameP95Ms = round(percentile(intervals, 95));
    figures.context.replay = {
      preset: REPLAY_PRESET,
      speed: REPLAY_SPEED,
      measuredMs: Math.round(m.elapsedMs),
      frames: m.stamps.length,
      framesWithBookUpdate: m.framesApplied,
      snapshotsReceived: m.snapshotsReceived,
      snapshotsPerSec: round(m.snapshotsReceived / (m.elapsedMs / 1000)),
      maxFrameIntervalMs: round(Math.max(...intervals)),
    };

    expect(pageErrors).toEqual([]);
    // Behaviour only (see the header): frames were drawn, and book updates reached the view and were
    // applied in them. The rates themselves are figures for `npm run bench -- --only ui`.
    expect(m.stamps.length).toBeGreaterThan(1);
    expect(m.snapshotsReceived).toBeGreaterThan(0);
    expect(m.framesApplied).toBeGreaterThan(0);
    expect(m.updatesApplied).toBeGreaterThan(0);
  });

  it('API answers every call while a large backtest runs (round-trip latency measured)', async () => {
    const shell = await serve(freshDataDir());
    const api = await ApiSocket.connect(shell.url);
    onTestFinished(() => api.close());

    const preset = (await api.call('scenarios.presets', {})).find((p) => p.id === 'as2008');
    const yaml = preset?.yaml.replace(/^paths: .*$/m, 'paths: 200000') ?? '';
    expect(yaml).toMatch(/^paths: 200000$/m);
    const progressed = api.waitFor('job.progress', (p) => p.done > 0);
    const { jobId } = await api.call('backtest.start', { yaml, keepPaths: 0 });
    await progressed;

    for (let i = 0; i < API_WARMUP_CALLS; i++) await api.call('app.info', {});
    const latencies: number[] = [];
    for (let i = 0; i < API_CALLS; i++) {
      const t0 = performance.now();
      const info = await api.call('app.info', {});
      latencies.push(performance.now() - t0);
      if (info.transport !== 'websocket')
        throw new Error(`unexpected app.info answer ${JSON.stringify(info)}`);
      await sleep(API_GAP_MS);
    }
    // The backtest was running for the whole measurement.
    const jobs = await api.call('jobs.list', {});
    const job = jobs.find((j) => j.jobId === jobId);
    expect(job).toBeDefined();
    expect(job?.done ?? 0).toBeLessThan(job?.total ?? 0);
    const done = api.waitFor('job.done', (p) => p.jobId === jobId);
    await api.call('jobs.cancel', { jobId });
    expect((await done).status).toBe('cancelled');

    const p99 = percentile(latencies, 99);
    const p50 = percentile(latencies, 50);
    figures.apiRoundTripP99Ms = round(p99, 2);
    figures.apiRoundTripP50Ms = round(p50, 2);
    figures.context.api = {
      method: 'app.info',
      calls: API_CALLS,
      warmupCalls: API_WARMUP_CALLS,
      gapMs: API_GAP_MS,
      maxMs: round(Math.max(...latencies), 2),
      background: `as2008 backtest, ${job?.total ?? '?'} paths, ${job?.done ?? '?'} done by the end`,
    };
    // Every call was answered (checked in the loop); the p99 target (< 20 ms) is a benchmark figure.
    expect(latencies).toHaveLength(API_CALLS);
  });
});
