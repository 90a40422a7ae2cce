/**
 * The Stress view (issue 13 §3, first cut) in Chromium on the built web shell: a stress sweep run by
 * the CLI into the data directory (the base and one stress × two strategies × two seeds, 3 paths) is
 * listed, its heatmap has one cell per strategy × scenario, a cell's tooltip gives the mean over seeds
 * that the store holds, its 95% interval and the seeds; the metric selector and the "change against
 * base" toggle redraw it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStore } from '../core/store/db';
import { sweepDetail } from '../core/services/sweep-view';
import { attr, freshDataDir, goToTab, openPage, serve } from './app';
import { ROOT, screenshot } from './harness';

const STRESS = `name: e2e-stress
paths: 3
seeds: [1, 2]
scenario: { file: as2008.yaml }
stresses:
  - { kind: volatility-spike, onset: 0.5, duration: 0.25, magnitude: 3 }
strategies:
  - { type: avellaneda-stoikov, variant: inventory, gamma: 0.1 }
  - { type: fixed-spread, halfSpread: 0.7 }
`;

describe('Stress view', () => {
  it('shows a stored stress sweep as a strategy × scenario heatmap with intervals on hover', async () => {
    const dataDir = freshDataDir();
    const cfgDir = mkdtempSync(join(tmpdir(), 'qb-e2e-stress-'));
    onTestFinished(() => rmSync(cfgDir, { recursive: true, force: true }));
    copyFileSync(join(ROOT, 'resources/configs/as2008.yaml'), join(cfgDir, 'as2008.yaml'));
    writeFileSync(join(cfgDir, 'stress.yaml'), STRESS);
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/quotebench.mjs'),
        'stress',
        '--config',
        join(cfgDir, 'stress.yaml'),
        '--data-dir',
        dataDir,
        '--workers',
        '2',
        '-q',
      ],
      { cwd: ROOT, env: { ...process.env, QUOTEBENCH_NO_BUNDLE: '1' }, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    // What the grid must show, read from the store the CLI wrote.
    const store = openStore(dataDir);
    const want = (() => {
      try {
        const list = store.sweeps.list();
        expect(list).toHaveLength(1);
        return sweepDetail(store, list[0]!.id)!;
      } finally {
        store.close();
      }
    })();
    const baseAs = want.cells.find((c) => c.scenario === 'as2008' && c.strategyIndex === 0)!;

    const shell = await serve(dataDir);
    const { page, pageErrors } = await openPage(shell);
    await goToTab(page, 'stress');
    await expect.poll(() => page.getByTestId('sweep-row').count()).toBe(1);
    const cells = page.getByTestId('heat-cell');
    await expect.poll(() => cells.count()).toBe(4);
    expect(await attr(page.getByTestId('sweep-heatmap'), 'data-metric')).toBe('sessionSharpe');

    const cell = page.locator('[data-testid="heat-cell"][data-scenario="as2008"][data-strategy="0"]');
    expect(Number(await attr(cell, 'data-mean'))).toBeCloseTo(baseAs.stats.sessionSharpe.mean!, 12);
    const title = (await attr(cell, 'title')) ?? '';
    expect(title).toContain(`mean ${baseAs.stats.sessionSharpe.mean!.toFixed(2)}`);
    expect(title).toMatch(/95% CI \[[^\]]+\] · 2 seeds/);
    expect((await cell.textContent())?.trim()).toBe(baseAs.stats.sessionSharpe.mean!.toFixed(2));

    await screenshot(page, 'stress-heatmap-sharpe');

    // Another metric redraws the grid.
    await page.getByTestId('stress-metric').selectOption('fillRate');
    await expect.poll(() => attr(page.getByTestId('sweep-heatmap'), 'data-metric')).toBe('fillRate');
    await expect
      .poll(async () => Number(await attr(cell, 'data-mean')))
      .toBeCloseTo(baseAs.stats.fillRate.mean!, 12);

    // Change against base: the base column has none, the stressed one the paired mean change.
    await page.getByTestId('stress-change-vs-base').check();
    await expect.poll(() => attr(page.getByTestId('sweep-heatmap'), 'data-mode')).toBe('change');
    await expect.poll(() => attr(cell, 'data-mean')).toBe('');
    const stressedAs = want.cells.find((c) => c.scenario !== 'as2008' && c.strategyIndex === 0)!;
    const stressedCell = page.locator(
      `[data-testid="heat-cell"][data-scenario="${stressedAs.scenario}"][data-strategy="0"]`,
    );
    expect(Number(await attr(stressedCell, 'data-mean'))).toBeCloseTo(stressedAs.delta!.fillRate.mean!, 12);
    expect(await attr(stressedCell, 'title')).toContain('change vs base');
    await screenshot(page, 'stress-heatmap');
    expect(pageErrors).toEqual([]);
  });
});
