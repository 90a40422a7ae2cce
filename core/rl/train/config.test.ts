import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/load-config';
import {
  agentSeed,
  configHash,
  evalSeed,
  evaluationSeed,
  identityDiff,
  configIdentity,
  loadTrainConfig,
  parseTrainConfig,
  replaySeed,
  trainConfigSchema,
  trainingSeed,
} from './config';
import { tinyTrainYaml } from './tiny-config.fixture';

const base = tinyTrainYaml({ name: 't', body: 'budget: { totalSteps: 1000 }\n' });

function issues(text: string): string {
  try {
    parseTrainConfig(text, 'x.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('training config', () => {
  it('fills defaults (SAC, PPO, budget, reward, normalization by feature kind)', () => {
    const c = parseTrainConfig(base, 'x.yaml');
    expect(c.sac).toMatchObject({
      hidden: [64, 64],
      batchSize: 256,
      bufferSize: 1_000_000,
      updatesPerStep: 1,
    });
    expect(c.ppo).toMatchObject({ nEnvs: 8, nSteps: 256 });
    expect(c.budget).toMatchObject({ evalEpisodes: 5, keepCheckpoints: 5 });
    expect(c.env.reward).toEqual({
      inventory: 0,
      inventoryPenalty: 'quadratic',
      crossing: 0,
      turnover: 0,
      terminalInventory: 0,
    });
    expect(c.features.kind).toBe('intensity');
    expect(c.normalizeObservations).toBe(false);
    expect(c.guard.maxLoss).toBe(1e8);
    const off = parseTrainConfig(`${base}normalizeObservations: true\n`, 'x.yaml');
    expect(off.normalizeObservations).toBe(true);
  });

  it('names the file, line and key of an error', () => {
    const bad = base.replace('  maxOffset: 3', '  maxOffset: 3\n  maxOfset: 4');
    expect(issues(bad)).toMatch(/x\.yaml:13:3: env\.maxOfset: unknown key/);
    expect(issues(base.replace('algo: sac', 'algo: dqn'))).toMatch(/x\.yaml:2:\d+: algo:/);
    expect(issues(base.replace('inventoryScale: 5', 'inventoryScale: -1'))).toMatch(/env\.inventoryScale/);
  });

  it('rejects book features on an intensity scenario and a book scenario without baseline k, A', () => {
    expect(issues(`${base}features: { kind: book }\n`)).toMatch(/features\.kind: 'book' features need/);
    const book = base.replace(
      /scenario:[\s\S]*?intensity: \{ A: 140, k: 1.5 \}\n/,
      'scenario:\n  mode: book\n  horizon: 60\n  tickSize: 0.01\n  s0: 100\n  price: { sigma: 0.01 }\n',
    );
    const msg = issues(book);
    expect(msg).toMatch(/baseline\.k: required in book mode/);
    expect(msg).toMatch(/baseline\.A: required in book mode/);
    const ok = parseTrainConfig(`${book}baseline: { k: 100, A: 1 }\nfeatures: { kind: book }\n`, 'b.yaml');
    expect(ok.normalizeObservations).toBe(true);
  });

  it('takes a fractional replay ratio when the update bursts are whole', () => {
    const cfg = parseTrainConfig(`${base}sac: { updatesPerStep: 0.25, updateEvery: 4 }\n`, 'x.yaml');
    expect(cfg.sac.updatesPerStep).toBe(0.25);
    expect(issues(`${base}sac: { updatesPerStep: 0.25, updateEvery: 2 }\n`)).toMatch(
      /sac\.updatesPerStep: updateEvery·updatesPerStep must be a whole number ≥ 1 \(got 0\.5\)/,
    );
  });

  it('keeps evaluation seeds apart from training seeds', () => {
    for (let s = 0; s < 20_000; s++) {
      const cfg = { seed: s };
      expect(evaluationSeed(cfg)).not.toBe(trainingSeed(cfg));
      expect(evalSeed(cfg)).toBe(evaluationSeed(cfg));
    }
    const cfg = { seed: 0xffffffff };
    expect(trainingSeed(cfg)).toBe(0xffffffff);
    expect(new Set([trainingSeed(cfg), evaluationSeed(cfg), agentSeed(cfg), replaySeed(cfg)]).size).toBe(4);
  });

  it('hashes the learning problem only: budget, name and the unused algorithm do not count', () => {
    const a = parseTrainConfig(base, 'x.yaml');
    const b = parseTrainConfig(
      base.replace('totalSteps: 1000', 'totalSteps: 5000').replace('name: t', 'name: u') +
        'ppo: { nEnvs: 2 }\n',
      'x.yaml',
    );
    expect(configHash(b)).toBe(configHash(a));
    const c = parseTrainConfig(`${base}sac: { gamma: 0.9 }\n`, 'x.yaml');
    expect(configHash(c)).not.toBe(configHash(a));
    expect(identityDiff(configIdentity(a), configIdentity(c))).toEqual(['sac.gamma']);
  });

  it('parses the shipped training configs', () => {
    for (const f of ['sac-default.yaml', 'ppo-default.yaml', 'sac-as.yaml']) {
      const file = fileURLToPath(new URL(`../../../resources/configs/${f}`, import.meta.url));
      const cfg = loadTrainConfig(file);
      expect(cfg.name.length).toBeGreaterThan(0);
    }
    // The resolved config (config.json, worker messages) parses again to itself.
    for (const f of ['sac-default.yaml', 'ppo-default.yaml', 'sac-as.yaml']) {
      const cfg = loadTrainConfig(fileURLToPath(new URL(`../../../resources/configs/${f}`, import.meta.url)));
      const again = trainConfigSchema.parse(JSON.parse(JSON.stringify(cfg)));
      expect(again).toEqual(cfg);
      expect(configHash(again)).toBe(configHash(cfg));
    }
    const as = loadTrainConfig(
      fileURLToPath(new URL('../../../resources/configs/sac-as.yaml', import.meta.url)),
    );
    expect(as.scenario.mode).toBe('intensity');
    expect(as.features.kind).toBe('intensity');
  });
});
