/**
 * A long training run in the monitor (issue 12 §3): the built renderer served by `quotebench serve`, a
 * real PPO trainer on a tiny intensity-model config with a budget far beyond what the spec watches.
 * The page opens with `?trainChartPoints=32`, a small decimation bound, so that in half a minute the
 * charts receive several times the bound's worth of samples (10 a second): every chart keeps its
 * decimated series and its drawn points within the bound while the samples keep growing; a reload
 * merges the server's history and the live stream into one series (no sample lost or doubled: the
 * count only grows); pause answers (status 'paused', the step counter stops — the trainer waits at
 * its gate between PPO minibatches too) and resume continues; no page errors. Behaviour only: the
 * pause latency in milliseconds is measured by `quotebench bench --only pause`, not here.
 */
import { describe, expect, it } from 'vitest';
import { attr, goToTab, numAttr, settledAttr, sleep, startApp } from './app';
import { screenshot } from './harness';

const BOUND = 32;

/**
 * A fast PPO run: 4 envs × 64 steps per update, 4 epochs of 4 minibatches, 10 million steps; a
 * one-stage curriculum (σ 0.5, then the run's own σ 2) whose threshold the first evaluation passes, so the
 * status line shows the stage moving from 1 to 2.
 */
const LONG_PPO = `name: e2e-long-ppo
description: a long PPO run for the decimation and pause spec
algo: ppo
seed: 3
scenario:
  mode: intensity
  name: tiny
  horizon: 1
  dt: 0.01
  s0: 100
  price: { model: abm, sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 2
  inventoryScale: 5
normalizeObservations: true
ppo:
  hidden: [32, 32]
  nEnvs: 4
  nSteps: 64
  epochs: 4
  minibatchSize: 64
curriculum:
  stages:
    - scenario: { price: { sigma: 0.5 } }
      advanceWhen: { evalReturnAtLeast: -1000000 }
budget:
  totalSteps: 10000000
  checkpointEvery: 1000000
  evalEvery: 4096
  evalEpisodes: 1
`;

const CHARTS = ['train-chart-return', 'train-chart-loss', 'train-chart-alpha'] as const;

describe('a long training run in Chromium', () => {
  it('keeps every chart within the decimation bound, merges history and live, and pauses promptly', async () => {
    const { page, pageErrors, shell } = await startApp();
    const url = new URL(shell.url);
    url.searchParams.set('trainChartPoints', String(BOUND));
    await page.goto(url.toString());
    await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
    await goToTab(page, 'training');
    await expect.poll(() => page.getByTestId('train-runs-empty').count()).toBe(1);
    const select = page.getByTestId('train-preset-select');
    await select.locator('option[value="__custom__"]').waitFor({ state: 'attached' });
    await select.selectOption('__custom__');
    await expect.poll(() => select.inputValue()).toBe('__custom__');
    await page.getByTestId('train-yaml-editor').fill(LONG_PPO);
    await page.getByTestId('train-start').click();
    const status = page.getByTestId('train-status');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect
      .poll(() => attr(status, 'data-backend'), { timeout: 30_000 })
      .toMatch(/^(tensorflow|wasm|cpu)$/);

    const loss = page.getByTestId('train-chart-loss');
    expect(await numAttr(loss, 'data-point-bound')).toBe(BOUND);
    // The curriculum: the first evaluation (after 4,096 steps) passes the threshold, stage 0 → 1.
    const stage = page.getByTestId('train-curriculum-stage');
    await expect.poll(() => stage.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => numAttr(stage, 'data-stage'), { timeout: 30_000 }).toBe(1);
    expect(await stage.textContent()).toBe('2');
    // Until the loss chart has received 4× the bound's worth of samples, every chart stays within it.
    const within = async (): Promise<string[]> => {
      const bad: string[] = [];
      for (const id of CHARTS) {
        const c = page.getByTestId(id);
        const drawn = await numAttr(c, 'data-points');
        const kept = await numAttr(c, 'data-series-points');
        if (drawn > BOUND || kept > BOUND) bad.push(`${id}: ${drawn} drawn, ${kept} kept`);
      }
      return bad;
    };
    await expect
      .poll(
        async () => {
          const bad = await within();
          return bad.length > 0 ? bad.join('; ') : await numAttr(loss, 'data-samples');
        },
        { timeout: 45_000, interval: 500 },
      )
      .toBeGreaterThan(4 * BOUND);
    expect(await within()).toEqual([]);
    expect(await numAttr(loss, 'data-series-points')).toBeGreaterThan(BOUND / 2);
    expect(await numAttr(loss, 'data-points')).toBeGreaterThan(4);
    await screenshot(page, 'training-long');

    // A reload: the server's history and the live samples merge into one series, none lost.
    const before = await numAttr(status, 'data-samples');
    await page.reload();
    await expect.poll(() => attr(page.getByTestId('connection-status'), 'data-state')).toBe('open');
    await goToTab(page, 'training');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(status, 'data-samples'), { timeout: 15_000 }).toBeGreaterThan(before);
    await expect.poll(() => numAttr(loss, 'data-samples')).toBeGreaterThan(before);
    expect(await within()).toEqual([]);

    // Pause answers: the status says so and the step counter stops; resume continues past it.
    await page.getByTestId('train-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('paused');
    const held = await settledAttr(status, 'data-step', 500);
    await sleep(800);
    await expect.poll(() => numAttr(status, 'data-step')).toBe(held);
    await page.getByTestId('train-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(status, 'data-step')).toBeGreaterThan(held);

    await page.getByTestId('train-stop').click();
    await expect.poll(() => attr(status, 'data-status'), { timeout: 30_000 }).toBe('stopped');
    expect(await within()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
