import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { inspectConfig, setReplayScenario, setStrategyEnabled, setTopLevel } from './config-yaml';

const BOOK = `# comment kept
name: t
seed: 7
paths: 8
scenario:
  mode: book
  tickSize: 0.01
strategies:
  - type: fixed-spread
    halfSpread: [0.005, 0.015]
  - type: glft
    gamma: 0.1
    A: 0.5
    k: 100
`;

describe('config-yaml', () => {
  it('reads seed, paths, mode and the strategy types (grids are expanded by the server)', () => {
    const c = inspectConfig(BOOK);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect([c.seed, c.paths, c.mode, c.tickSize]).toEqual([7, 8, 'book', 0.01]);
    expect(c.types).toEqual(new Set(['fixed-spread', 'glft']));
  });

  it('reports YAML errors with a line', () => {
    const c = inspectConfig('a: [1, 2\nb: 3');
    expect(c.ok).toBe(false);
  });

  it('edits seed and strategies in the text, keeping comments', () => {
    let t = setTopLevel(BOOK, 'seed', 42);
    expect(t).toContain('# comment kept');
    expect(t).toContain('seed: 42');
    t = setStrategyEnabled(t, 'glft', false);
    expect(inspectConfig(t)).toMatchObject({ ok: true, types: new Set(['fixed-spread']) });
    t = setStrategyEnabled(t, 'glft', true, BOOK);
    t = setStrategyEnabled(t, 'avellaneda-stoikov', true, BOOK);
    const c = inspectConfig(t);
    expect(c.ok && [...c.types].sort()).toEqual(['avellaneda-stoikov', 'fixed-spread', 'glft']);
    // Book mode defaults carry an explicit k (the scenario has no intensity model).
    expect(t).toMatch(/type: avellaneda-stoikov\n\s+gamma: 0.1\n\s+k: 100/);
  });

  it('refuses to edit invalid YAML', () => {
    expect(() => setTopLevel('a: [1', 'seed', 1)).toThrow(/fix it first/);
  });
});

describe('setReplayScenario', () => {
  const BOOK_CFG = [
    'name: calibrated',
    'seed: 1',
    'paths: 4',
    'scenario:',
    '  mode: book',
    '  horizon: 60',
    '  lotSize: 100 # shares per lot',
    '  price:',
    '    model: abm',
    '    sigma: 0.02',
    '  fees: { makerBps: -0.2, takerBps: 3 }',
    'strategies:',
    '  - type: fixed-spread',
    '    halfSpread: 0.05',
    '  - type: glft',
    '    A: 7.5',
    '    k: 23',
    '  - type: avellaneda-stoikov',
    '    gamma: 0.1',
    '    k: 20',
    '    sigma: 0.5',
    '',
  ].join('\n');

  it('carries the shared scenario keys over and gives the quoters the σ they took from the scenario', () => {
    const out = setReplayScenario(BOOK_CFG, 'abc', 'risk-averse');
    const cfg = parseDocument(out).toJS() as {
      scenario: Record<string, unknown>;
      strategies: Record<string, unknown>[];
    };
    expect(cfg.scenario).toEqual({
      mode: 'replay',
      name: 'replay-abc',
      dataset: 'abc',
      lotSize: 100,
      fees: { makerBps: -0.2, takerBps: 3 },
      queue: { model: 'risk-averse' },
    });
    expect(cfg.strategies[0]).toEqual({ type: 'fixed-spread', halfSpread: 0.05 });
    expect(cfg.strategies[1]).toEqual({ type: 'glft', A: 7.5, k: 23, sigma: 0.02 });
    expect(cfg.strategies[2]?.sigma).toBe(0.5); // its own σ is kept
    const info = inspectConfig(out);
    expect(info.ok && info.replay).toEqual({ dataset: 'abc', queue: 'risk-averse' });
    // Already a replay: only the dataset and the queue change.
    const again = setReplayScenario(out, 'def', 'auto');
    const { queue: _q, ...rest } = cfg.scenario;
    void _q;
    expect((parseDocument(again).toJS() as typeof cfg).scenario).toEqual({ ...rest, dataset: 'def' });
  });
});
