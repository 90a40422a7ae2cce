import { describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../sim/backtest-config';
import { ConfigError, parseConfigText } from './load-config';

const good = `name: t
seed: 1
paths: 10
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price:
    sigma: 2
  intensity:
    A: 140
    k: 1.5
strategies:
  - type: avellaneda-stoikov
    gamma: [0.1, 0.5]
`;

function issues(text: string): ConfigError {
  try {
    parseConfigText(text, 'cfg.yaml', backtestConfigSchema);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('accepts a valid config and fills defaults', () => {
    const cfg = parseConfigText(good, 'cfg.yaml', backtestConfigSchema);
    expect(cfg.scenario.mode).toBe('intensity');
    if (cfg.scenario.mode !== 'intensity') return;
    expect(cfg.scenario.price.model).toBe('abm');
    expect(cfg.scenario.lotSize).toBe(1);
    expect(cfg.scenario.fees).toEqual({ makerBps: 0, takerBps: 0, perLot: 0 });
    expect(cfg.strategies[0]).toMatchObject({
      type: 'avellaneda-stoikov',
      variant: 'inventory',
      gamma: [0.1, 0.5],
    });
  });

  it('rejects an unknown key, naming its path and line', () => {
    const e = issues(good.replace('    k: 1.5\n', '    k: 1.5\n    kk: 3\n'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({ path: 'scenario.intensity.kk', message: 'unknown key', line: 14 });
    expect(e.message).toBe('cfg.yaml:14:5: scenario.intensity.kk: unknown key');
  });

  it('rejects a wrong type and a bad value at their lines', () => {
    const e = issues(good.replace('    k: 1.5', '    k: fast').replace('paths: 10', 'paths: -3'));
    const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i]));
    expect(byPath['scenario.intensity.k']?.line).toBe(13);
    expect(byPath['scenario.intensity.k']?.message).toMatch(/number/);
    expect(byPath['paths']?.line).toBe(3);
  });

  it('names a missing required key at its parent', () => {
    const e = issues(good.replace('  s0: 100\n', ''));
    expect(e.issues[0]).toMatchObject({ path: 'scenario.s0' });
    expect(e.issues[0]?.line).toBe(5);
  });

  it('reports YAML syntax errors with a line', () => {
    const e = issues('seed: 1\nscenario: [unclosed\n');
    expect(e.issues[0]?.message).toMatch(/YAML syntax/);
    expect(e.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects duplicate keys', () => {
    const e = issues(good.replace('paths: 10', 'paths: 10\npaths: 20'));
    expect(e.message).toMatch(/YAML syntax/);
  });

  it('requires A and k for model quoters in book mode', () => {
    const text = `seed: 1
paths: 1
scenario:
  mode: book
  horizon: 10
  tickSize: 0.01
  s0: 100
  price: { sigma: 0.01 }
strategies:
  - type: glft
    gamma: 0.1
    k: 100
`;
    const e = issues(text);
    expect(e.issues.map((i) => i.path)).toEqual(['strategies[0].A']);
  });

  it('checks the regime matrix shape', () => {
    const e = issues(
      good.replace(
        '    sigma: 2\n',
        '    sigma: 2\n    regimes: { sigmas: [1, 2], transitionRates: [[0, 1]] }\n',
      ),
    );
    expect(e.issues[0]?.path).toBe('scenario.price.regimes.transitionRates');
  });
});
