import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toApiError } from '../../api/registry';
import { LimitError } from '../../backtest/limits';
import { ConfigError } from '../../config/load-config';
import { configHash, parseTrainConfig } from './config';
import { DEFAULT_TRAIN_LIMITS, checkTrainLimits, estimateTrainWork, mlpParams } from './limits';
import { tinyTrainConfig } from './tiny-config.fixture';

function limitError(fn: () => unknown): LimitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LimitError) return e;
    throw e;
  }
  throw new Error('expected a LimitError');
}

const budget = (steps: number): string => `budget: { totalSteps: ${steps} }\n`;

describe('training limits', () => {
  it('counts MLP parameters and the replay bytes as the trainers allocate them', () => {
    expect(mlpParams([2, 64, 64, 4])).toBe(3 * 64 + 65 * 64 + 65 * 4);
    const w = estimateTrainWork(tinyTrainConfig({ body: `sac: { bufferSize: 500 }\n${budget(1000)}` }));
    expect(w.obsDim).toBe(2);
    // actor [2, 64, 64, 4] + four critics [4, 64, 64, 1]
    expect(w.networkParams).toBe(mlpParams([2, 64, 64, 4]) + 4 * mlpParams([4, 64, 64, 1]));
    expect(w.replayBytes).toBe(500 * (2 * 2 + 2 + 2) * 4);
  });

  it('refuses a huge network naming limits.maxNetworkParams', () => {
    const cfg = tinyTrainConfig({ body: `sac: { hidden: [4096, 4096, 4096] }\n${budget(1000)}` });
    const e = limitError(() => checkTrainLimits(cfg));
    expect(e.name).toBe('LimitError');
    expect(e.key).toBe('limits.maxNetworkParams');
    expect(e.limit).toBe(DEFAULT_TRAIN_LIMITS.maxNetworkParams);
    expect(e.message).toMatch(
      /^network parameters \(sac\.hidden\) = 1\.68e8 exceeds limits\.maxNetworkParams = 1e7/,
    );
    expect(toApiError(e)).toMatchObject({ code: 'limit_exceeded', path: 'limits.maxNetworkParams' });
  });

  it('refuses a huge replay buffer naming limits.maxReplayBytes (book features)', () => {
    const text = readFileSync('resources/configs/sac-default.yaml', 'utf8')
      .replace(/bufferSize: \d+/, 'bufferSize: 100000000')
      .replace(/totalSteps: \d+/, 'totalSteps: 20000000');
    const e = limitError(() => checkTrainLimits(parseTrainConfig(text, 'sac.yaml')));
    expect(e.key).toBe('limits.maxReplayBytes');
  });

  it('refuses total steps and envs over their limits', () => {
    expect(limitError(() => checkTrainLimits(tinyTrainConfig({ body: budget(1e9) }))).key).toBe(
      'limits.maxTotalSteps',
    );
    const ppo = tinyTrainConfig({
      algo: 'ppo',
      body: `ppo: { nEnvs: 128, nSteps: 8, minibatchSize: 8 }\n${budget(1000)}`,
    });
    expect(limitError(() => checkTrainLimits(ppo)).key).toBe('limits.maxEnvs');
  });

  it('refuses a scenario whose paths keep too many bars', () => {
    const cfg = tinyTrainConfig({ body: budget(1000) });
    const long = { ...cfg, scenario: { ...cfg.scenario, horizon: 1e6 } };
    expect(limitError(() => checkTrainLimits(long)).key).toBe('limits.maxSeriesBars');
    const evals = { ...cfg, budget: { ...cfg.budget, evalEpisodes: 1000 } };
    const longer = { ...evals, scenario: { ...cfg.scenario, horizon: 4e3 } }; // 2e5 bars × 1000 episodes
    expect(limitError(() => checkTrainLimits(longer)).key).toBe('limits.maxRunBars');
  });

  it('a limits: section raises a limit; it is strict and not part of the config identity', () => {
    const body = `sac: { hidden: [4096, 4096, 4096] }\n${budget(1000)}`;
    const raised = tinyTrainConfig({ body: `${body}limits: { maxNetworkParams: 1e9 }\n` });
    expect(checkTrainLimits(raised).networkParams).toBeGreaterThan(1e8);
    expect(configHash(raised)).toBe(configHash(tinyTrainConfig({ body })));
    expect(() => tinyTrainConfig({ body: `${body}limits: { maxNetworks: 1 }\n` })).toThrow(ConfigError);
    expect(() => tinyTrainConfig({ body: `${body}limits: { maxEnvs: 0 }\n` })).toThrow(/limits\.maxEnvs/);
  });

  it('admits every shipped training config', () => {
    let checked = 0;
    for (const f of readdirSync('resources/configs').filter((x) => x.endsWith('.yaml'))) {
      const text = readFileSync(join('resources/configs', f), 'utf8');
      if (!/^algo:/m.test(text)) continue;
      expect(() => checkTrainLimits(parseTrainConfig(text, f)), f).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
