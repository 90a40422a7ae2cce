/**
 * The env and reward keys of issue 12 in the training config: reward.mode / timeWeight, actionMap,
 * minTicks / maxTicks and sizeAction. Configs that do not use them — or write their defaults out —
 * keep the configHash they had before (the hashes below were computed at the commit before these keys
 * existed), so older runs keep resuming and their checkpoints keep loading with the 'mid-offset' map.
 */
import { describe, expect, it } from 'vitest';
import { resolveEnvOptions } from '../env';
import { configHash, loadTrainConfig } from './config';
import { actionDimOfConfig, envOptions } from './env-factory';
import { tinyTrainConfig } from './tiny-config.fixture';

const budget = 'budget: { totalSteps: 300 }\n';

describe('training config: reward modes and action maps', () => {
  it('keeps the hash of every config written before these keys existed', () => {
    expect(configHash(tinyTrainConfig({ env: '  reward: { inventory: 0.01 }\n', body: budget }))).toBe(
      '99189af5734edaf5',
    );
    expect(configHash(loadTrainConfig('resources/configs/sac-default.yaml'))).toBe('699abf60da34f7cd');
    expect(configHash(loadTrainConfig('resources/configs/ppo-default.yaml'))).toBe('e6af29dfd9939726');
    expect(configHash(loadTrainConfig('resources/configs/sac-as.yaml'))).toBe('4259537fb959fa32');
  });

  it('parses written-out defaults to the same config (and hash) as leaving them out', () => {
    const plain = tinyTrainConfig({ env: '  reward: { inventory: 0.01 }\n', body: budget });
    const explicit = tinyTrainConfig({
      env: '  actionMap: mid-offset\n  reward: { inventory: 0.01, mode: delta-pnl, timeWeight: 1 }\n',
      body: budget,
    });
    expect(explicit.env).toEqual(plain.env);
    expect(configHash(explicit)).toBe(configHash(plain));
    const o = resolveEnvOptions(envOptions(plain), 'test');
    expect(o.action.kind).toBe('mid-offset');
    expect(o.reward.mode).toBe('delta-pnl');
    expect(actionDimOfConfig(plain)).toBe(2);
  });

  it('changes the hash when a mode or map is really chosen, and carries them to the env', () => {
    const plain = configHash(tinyTrainConfig({ body: budget }));
    const sparse = tinyTrainConfig({ env: '  reward: { mode: final-pnl }\n', body: budget });
    expect(configHash(sparse)).not.toBe(plain);
    expect(resolveEnvOptions(envOptions(sparse), 't').reward.mode).toBe('final-pnl');
    const tw = tinyTrainConfig({ env: '  reward: { mode: time-weighted, timeWeight: 2 }\n', body: budget });
    expect(resolveEnvOptions(envOptions(tw), 't').reward.timeWeight).toBe(2);
    const sized = tinyTrainConfig({ env: '  sizeAction: { minLots: 1, maxLots: 3 }\n', body: budget });
    expect(actionDimOfConfig(sized)).toBe(4);
    expect(configHash(sized)).not.toBe(plain);
  });

  it('refuses inconsistent settings, naming the key', () => {
    const bad = (env: string) => () => tinyTrainConfig({ env, body: budget });
    expect(bad('  reward: { mode: inventory-penalized }\n')).toThrow(/env\.reward\.mode/);
    expect(bad('  reward: { mode: sparse }\n')).toThrow(/env\.reward\.mode/);
    expect(bad('  actionMap: ticks-from-touch\n  maxTicks: 5\n')).toThrow(/tickSize > 0/);
    expect(bad('  minTicks: 1\n')).toThrow(/env\.minTicks/);
    expect(bad('  sizeAction: { minLots: 3, maxLots: 2 }\n')).toThrow(/env\.sizeAction\.maxLots/);
  });

  it('accepts a tick map on a scenario with a tick, with the bounds in ticks', () => {
    const cfg = loadTrainConfig('resources/configs/sac-default.yaml');
    const o = resolveEnvOptions(
      envOptions({ ...cfg, env: { ...cfg.env, actionMap: 'ticks-from-touch', minTicks: -1, maxTicks: 4 } }),
      't',
    );
    expect(o.action).toMatchObject({ kind: 'ticks-from-touch', unit: true, minOffset: -1, maxOffset: 4 });
  });
});
