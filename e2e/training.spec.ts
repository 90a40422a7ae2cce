/**
 * The training monitor in a real browser: the built renderer served by `quotebench serve` on a fresh
 * data directory, a real SAC trainer (tfjs in the service's worker thread) on a tiny intensity-model
 * config. Start → the live curves receive points → pause holds them → stop writes a final checkpoint
 * that is listed → resume from it continues the step counter past it; the policy's quote curves are
 * drawn; "Evaluate against baselines" loads the checkpoint's policy in the worker and shows the results
 * table (the agent and the AS / GLFT baselines on held-out paths). Screenshots go to e2e/output/.
 */
import { describe, expect, it } from 'vitest';
import { attr, goToTab, numAttr, settledAttr, startApp, tinyTrainingYaml, type MiniElement } from './app';
import { screenshot } from './harness';

const TINY = tinyTrainingYaml('e2e-tiny', 'tiny SAC run for the end-to-end spec');

describe('training monitor in Chromium', () => {
  it('start → live curves → pause → stop with a checkpoint → resume past it → evaluate', async () => {
    const { page, pageErrors } = await startApp();
    await goToTab(page, 'training');
    await expect.poll(() => page.getByTestId('train-runs-empty').count()).toBe(1);
    const select = page.getByTestId('train-preset-select');
    // The shipped presets are offered (and not in the backtest picker).
    await select.locator('option[value="sac-as"]').waitFor({ state: 'attached' });
    expect(await select.locator('option[value="sac-default"]').count()).toBe(1);

    await select.selectOption('__custom__');
    await page.getByTestId('train-yaml-editor').fill(TINY);
    await page.getByTestId('train-name-input').fill('e2e tiny SAC');
    await page.getByTestId('train-start').click();

    const status = page.getByTestId('train-status');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect
      .poll(() => attr(status, 'data-backend'), { timeout: 30_000 })
      .toMatch(/^(tensorflow|wasm|cpu)$/);
    expect(await page.getByTestId('train-backend').textContent()).toMatch(/backend (tensorflow|wasm|cpu)/);
    const runId = await attr(status, 'data-run-id');
    const row = page.getByTestId('train-run-row').and(page.locator(`[data-run-id="${runId}"]`));
    expect(await attr(row, 'data-status')).toBe('running');

    // The live charts receive points, and keep receiving them.
    const loss = page.getByTestId('train-chart-loss');
    const ret = page.getByTestId('train-chart-return');
    await expect.poll(() => numAttr(loss, 'data-points'), { timeout: 30_000 }).toBeGreaterThan(3);
    const first = await numAttr(loss, 'data-points');
    await expect.poll(() => numAttr(loss, 'data-points')).toBeGreaterThan(first + 3);
    await expect.poll(() => numAttr(ret, 'data-points')).toBeGreaterThan(0);
    await expect.poll(() => numAttr(page.getByTestId('train-chart-alpha'), 'data-points')).toBeGreaterThan(0);
    await expect.poll(() => numAttr(status, 'data-samples')).toBeGreaterThan(3);
    await expect
      .poll(() => page.getByTestId('train-checkpoint-row').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    // The policy's quotes against inventory, next to AS and GLFT (refreshed every few seconds).
    await expect
      .poll(() => numAttr(page.getByTestId('train-chart-quotes'), 'data-points'), { timeout: 15_000 })
      .toBe(21);
    expect(await attr(page.getByTestId('train-curves-source'), 'data-source')).toBe('live');
    await screenshot(page, 'training-live');

    // Pause holds the counters; Space (outside any control) resumes.
    await page.getByTestId('train-pause').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('paused');
    const held = await settledAttr(status, 'data-step', 500);
    await new Promise((r) => setTimeout(r, 600));
    expect(await numAttr(status, 'data-step')).toBe(held);
    await page.locator('.train-run-name').click();
    await page.keyboard.press('Space');
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(status, 'data-step')).toBeGreaterThan(held);

    // Stop: a final checkpoint at the step reached, listed.
    await page.getByTestId('train-stop').click();
    await expect.poll(() => attr(status, 'data-status'), { timeout: 30_000 }).toBe('stopped');
    expect(await page.getByTestId('train-reason').textContent()).toMatch(/stopped by the user/);
    const stepAtStop = await settledAttr(status, 'data-step', 400);
    const checkpointSteps = (): Promise<number[]> =>
      page
        .getByTestId('train-checkpoint-row')
        .evaluateAll((rows: MiniElement[]) => rows.map((r) => Number(r.getAttribute('data-step'))));
    await expect.poll(async () => Math.max(...(await checkpointSteps()))).toBe(stepAtStop);
    await expect.poll(() => attr(page.getByTestId('train-curves-source'), 'data-source')).toBe('final');
    await screenshot(page, 'training-stopped');

    // Resume from that checkpoint: the step counter continues beyond it.
    await page.getByTestId('train-resume-checkpoint').click();
    await expect.poll(() => attr(status, 'data-status')).toBe('running');
    await expect.poll(() => numAttr(status, 'data-step'), { timeout: 30_000 }).toBeGreaterThan(stepAtStop);
    const pointsAfterResume = await numAttr(loss, 'data-points');
    await expect.poll(() => numAttr(loss, 'data-points')).toBeGreaterThan(pointsAfterResume);
    await expect
      .poll(() => page.getByTestId('train-log').textContent())
      .toMatch(/resuming from checkpoint step-0+\d+/);
    await screenshot(page, 'training-resumed');

    // Evaluate against the baselines: every baseline tuned on training paths first (progress shown),
    // then the checkpoint's policy and the tuned baselines on held-out paths.
    await page.getByTestId('train-eval-tune-episodes').fill('3');
    await page.getByTestId('train-eval-tune-episodes').press('Enter');
    await page.getByTestId('train-evaluate').click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('train-eval-row').count()) > 0 ||
          (await page.getByTestId('train-eval-error').count()) > 0,
        { timeout: 60_000 },
      )
      .toBe(true);
    expect(await page.getByTestId('train-eval-error').count()).toBe(0);
    const evalRows = page.getByTestId('train-eval-row');
    expect(await evalRows.count()).toBe(6);
    expect(
      await evalRows.evaluateAll((rows: MiniElement[]) => rows.map((r) => r.getAttribute('data-kind'))),
    ).toEqual(['agent', 'baseline', 'baseline', 'baseline', 'baseline', 'baseline']);
    // each tuned baseline shows its parameters (AS: γ and k); one of them is the reference
    const params = await page
      .getByTestId('train-eval-params')
      .evaluateAll((cells: MiniElement[]) => cells.map((c) => c.textContent ?? ''));
    expect(params[1]).toMatch(/γ [\d.e-]+, k [\d.e-]+/);
    expect(await page.locator('[data-testid="train-eval-row"][data-best="true"]').count()).toBe(1);
    expect(await page.getByTestId('train-eval-table').locator('xpath=..').textContent()).toMatch(
      /Baselines tuned on 3 training paths/,
    );
    await screenshot(page, 'training-evaluate');

    await page.getByTestId('train-stop').click();
    await expect.poll(() => attr(status, 'data-status'), { timeout: 30_000 }).toBe('stopped');
    expect(pageErrors).toEqual([]);
  });
});
