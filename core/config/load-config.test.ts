import { afterAll, describe, expect, it } from 'vitest';
import { backtestConfigSchema } from '../backtest/config';
import { billionLaughs, nestedBrackets } from './hostile-yaml.fixture';
import { closeSharedParsePool, parseConfigTextAsync } from '../config-worker/parse-async';
import { ConfigError, parseConfigText } from './load-config';
import { ParsePool } from '../config-worker/parse-pool';
import { scanFlowNesting } from './parse-yaml';

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

function issues(text: string, limits?: Parameters<typeof parseConfigText>[3]): ConfigError {
  try {
    parseConfigText(text, 'cfg.yaml', backtestConfigSchema, limits);
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

describe('config parsing limits (hostile documents)', () => {
  it('refuses alias expansion ("billion laughs") with a ConfigError, not the library ReferenceError', () => {
    const e = issues(billionLaughs());
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.message).toMatch(/alias expansion/);
    // Located at the first alias in the document.
    expect(e.issues[0]).toMatchObject({ path: '', line: 2 });
  });

  it('refuses deep flow nesting before parsing it, with its position', () => {
    const e = issues(`seed: 1\nx: ${nestedBrackets()}`);
    expect(e.message).toBe('cfg.yaml:2:132: (root): nesting deeper than 64 levels');
  });

  it('refuses deep block nesting and compact sequences after parsing', () => {
    let block = '';
    for (let i = 0; i < 70; i++) block += `${' '.repeat(i)}k${i}:\n`;
    expect(issues(block).issues[0]?.message).toBe('nesting deeper than 64 levels');
    expect(issues(`${'- '.repeat(70)}x\n`).issues[0]).toMatchObject({
      message: 'nesting deeper than 64 levels',
      line: 1,
    });
    // Far too deep for the library's recursion: its stack overflow is reported as nesting.
    expect(issues(`${'- '.repeat(20_000)}x\n`).issues[0]?.message).toMatch(/nesting too deep/);
  });

  it('accepts nesting up to the limit and counts brackets in quotes and comments correctly', () => {
    const deep = `${'['.repeat(64)}${']'.repeat(64)}`;
    expect(scanFlowNesting(deep, 64)).toBeNull();
    expect(scanFlowNesting(`[${deep}]`, 64)).toEqual({ line: 1, col: 65 });
    expect(
      scanFlowNesting(`x: ["${'['.repeat(100)}", '${'{'.repeat(100)}'] # ${'['.repeat(100)}`, 64),
    ).toBeNull();
    expect(scanFlowNesting(`# ${'['.repeat(100)}\nx: 1`, 64)).toBeNull();
    expect(scanFlowNesting(`x: ["a\\"${'['.repeat(100)}"]`, 64)).toBeNull();
  });

  it('refuses complex keys (toJS would stringify them, super-linearly)', () => {
    const e = issues(`${'? '.repeat(40)}x\n`);
    expect(e.issues[0]?.message).toMatch(/key must be a plain value/);
    expect(issues('a: &k 1\n*k : 2\n').issues[0]?.message).toMatch(/alias cannot be a key/);
  });

  it('refuses a document over the size limit', () => {
    const e = issues(good, { limits: { maxBytes: 100 } });
    expect(e.message).toMatch(
      /^cfg\.yaml: \(root\): the document is \d+ bytes, more than the limit of 100 bytes$/,
    );
  });

  it('reports at most 10 YAML syntax errors and 20 schema problems', () => {
    expect(issues('a: '.repeat(1000)).issues.length).toBeLessThanOrEqual(10);
    const many = good.replace(
      'seed: 1\n',
      `seed: 1\n${Array.from({ length: 50 }, (_, i) => `u${i}: 1\n`).join('')}`,
    );
    const e = issues(many);
    expect(e.issues).toHaveLength(21);
    expect(e.issues[20]?.message).toBe('and 30 more problems');
  });
});

describe('parseConfigTextAsync (YAML work in a worker thread)', () => {
  const pool = new ParsePool({ timeoutMs: 1000 });
  afterAll(() => pool.close());
  const asyncIssues = async (text: string): Promise<ConfigError> => {
    const e: unknown = await parseConfigTextAsync(text, 'cfg.yaml', 'backtest', { pool }).then(
      () => new Error('expected a ConfigError'),
      (err: unknown) => err,
    );
    if (e instanceof ConfigError) return e;
    throw e;
  };

  it('gives the same results and messages as the in-thread parser', async () => {
    expect(await parseConfigTextAsync(good, 'cfg.yaml', 'backtest', { pool })).toEqual(
      parseConfigText(good, 'cfg.yaml', backtestConfigSchema),
    );
    for (const text of [
      good.replace('    k: 1.5\n', '    k: 1.5\n    kk: 3\n'),
      good.replace('    k: 1.5', '    k: fast').replace('paths: 10', 'paths: -3'),
      'seed: 1\nscenario: [unclosed\n',
      billionLaughs(),
      `x: ${'{'.repeat(1000)}`,
    ]) {
      expect((await asyncIssues(text)).message).toBe(issues(text).message);
    }
  });

  it('fails a document that takes the worker too long, then serves the next request', async () => {
    // Invalid compact mappings: not caught by the pre-scan, seconds of parser time at this size.
    const slow = await asyncIssues('a: '.repeat(200_000));
    expect(slow.message).toBe('cfg.yaml: (root): parsing took longer than 1 s: the document is too complex');
    expect(await parseConfigTextAsync(good, 'cfg.yaml', 'backtest', { pool })).toMatchObject({
      seed: 1,
    });
  });

  it('fails cleanly when the worker cannot start', async () => {
    const broken = new ParsePool({ entry: new URL('./no-such-worker.ts', import.meta.url) });
    try {
      const e = await parseConfigTextAsync(good, 'cfg.yaml', 'backtest', { pool: broken }).catch(
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toMatch(/the config parser stopped/);
    } finally {
      await broken.close();
    }
  });
});

describe('the shared parse pool', () => {
  it('parses after being closed (a new worker starts)', async () => {
    expect(await parseConfigTextAsync(good, 'cfg.yaml', 'backtest')).toMatchObject({ seed: 1 });
    await closeSharedParsePool();
    expect(await parseConfigTextAsync(good, 'cfg.yaml', 'backtest')).toMatchObject({ seed: 1 });
    await closeSharedParsePool();
  });
});
