import { describe, expect, it } from 'vitest';
import { expandStrategies, inspectConfig, setStrategyEnabled, setTopLevel } from './config-yaml';

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
  it('reads seed, paths, mode and the expanded strategies', () => {
    const c = inspectConfig(BOOK);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect([c.seed, c.paths, c.mode, c.tickSize]).toEqual([7, 8, 'book', 0.01]);
    expect(c.expanded.map((s) => s.label)).toEqual([
      'fixed-spread · halfSpread 0.005',
      'fixed-spread · halfSpread 0.015',
      'glft · gamma 0.1 · A 0.5 · k 100',
    ]);
  });

  it('reports YAML errors with a line', () => {
    const c = inspectConfig('a: [1, 2\nb: 3');
    expect(c.ok).toBe(false);
  });

  it('expands grids in schema order (cartesian product, first key outermost)', () => {
    const out = expandStrategies([{ type: 'avellaneda-stoikov', k: [1, 2], gamma: [0.1, 0.2] }]);
    expect(out.map((s) => s.label)).toEqual([
      'avellaneda-stoikov · gamma 0.1 · k 1',
      'avellaneda-stoikov · gamma 0.1 · k 2',
      'avellaneda-stoikov · gamma 0.2 · k 1',
      'avellaneda-stoikov · gamma 0.2 · k 2',
    ]);
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
