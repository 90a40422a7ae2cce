import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../api/registry';
import { toApiError } from '../api/registry';
import { ConfigError, parseConfigText } from '../config/load-config';
import { JobCancelledError, type JobRunner } from '../jobs/job-runner';
import { AppService } from '../services/app-service';
import { loadPresets } from '../services/presets';
import { tinyTrainYaml } from '../rl/train/tiny-config.fixture';
import { backtestConfigSchema } from './config';
import {
  DEFAULT_BACKTEST_LIMITS,
  LimitError,
  checkBacktestLimits,
  estimateBacktestWork,
  formatCount,
} from './limits';

const range = (n: number): string => `[${Array.from({ length: n }, (_, i) => i + 1).join(', ')}]`;

/** An intensity-mode config; `extra` is appended at the top level, `strategy` replaces the strategy. */
function yaml(o: {
  paths?: number;
  horizon?: string;
  dt?: string;
  sampleEvery?: number;
  sigma?: string;
  model?: string;
  strategy?: string;
  extra?: string;
}): string {
  return `name: limits-test
seed: 1
paths: ${o.paths ?? 10}
scenario:
  mode: intensity
  horizon: ${o.horizon ?? '1'}
  dt: ${o.dt ?? '0.005'}
  sampleEvery: ${o.sampleEvery ?? 1}
  s0: 100
  price: { model: ${o.model ?? 'abm'}, sigma: ${o.sigma ?? '2'} }
  intensity: { A: 140, k: 1.5 }
strategies:
${o.strategy ?? '  - type: avellaneda-stoikov\n    gamma: 0.1'}
${o.extra ?? ''}
`;
}

const parse = (text: string): ReturnType<typeof backtestConfigSchema.parse> =>
  parseConfigText(text, 'test.yaml', backtestConfigSchema);

function limitError(fn: () => unknown): LimitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LimitError) return e;
    throw e;
  }
  throw new Error('expected a LimitError');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const grid1000 = `  - type: fixed-spread\n    halfSpread: ${range(1000)}\n    skewPerLot: ${range(1000)}`;

describe('backtest limits', () => {
  it('refuses a 1000 × 1000 grid by its size, without expanding it', () => {
    const e = limitError(() => checkBacktestLimits(parse(yaml({ strategy: grid1000 }))));
    expect(e.name).toBe('LimitError');
    expect(e.key).toBe('limits.maxRuns');
    expect(e.value).toBe(1e6);
    expect(e.limit).toBe(DEFAULT_BACKTEST_LIMITS.maxRuns);
    expect(e.message).toBe(
      'runs (strategies × grid combinations) = 1e6 exceeds limits.maxRuns = 10000 (raise it under limits: if you mean it)',
    );
  });

  it('a grid too long to spread into Math.max is validated and refused by its size', () => {
    // Through the schema, as an API `config` object (YAML documents have their own size limit).
    const cfg = backtestConfigSchema.parse({
      ...parse(yaml({})),
      strategies: [{ type: 'avellaneda-stoikov', gamma: Array.from({ length: 200_000 }, (_, i) => i + 1) }],
    });
    expect(limitError(() => checkBacktestLimits(cfg)).key).toBe('limits.maxRuns');
  });

  it('refuses horizon 1e10, dt 1 by paths × steps', () => {
    const e = limitError(() => checkBacktestLimits(parse(yaml({ horizon: '1e10', dt: '1', paths: 2 }))));
    expect(e.key).toBe('limits.maxPathSteps');
    expect(e.message).toBe(
      'paths × steps = 2e10 exceeds limits.maxPathSteps = 1e10 (raise it under limits: if you mean it)',
    );
  });

  it('refuses runs × paths × steps over maxTotalSteps', () => {
    // 3 runs × 1000 paths × 1e7 steps = 3e10; each run is 1e10 (at its limit).
    const cfg = parse(
      yaml({
        paths: 1000,
        horizon: '1e7',
        dt: '1',
        sampleEvery: 1000,
        strategy: '  - type: avellaneda-stoikov\n    gamma: [0.1, 0.2, 0.3]',
      }),
    );
    const e = limitError(() => checkBacktestLimits(cfg));
    expect(e.key).toBe('limits.maxTotalSteps');
    expect(e.value).toBe(3e10);
  });

  it('refuses series bars per path (steps / sampleEvery)', () => {
    const text = yaml({ paths: 1, horizon: '1e8', dt: '1' });
    expect(limitError(() => checkBacktestLimits(parse(text))).key).toBe('limits.maxSeriesBars');
    // 1e8 steps sampled every 1000 keep 1e5 bars: accepted (memory bounded by what it keeps; with
    // A·dt = 0.14 the fills stay under their limit).
    const w = checkBacktestLimits(parse(yaml({ paths: 1, horizon: '1e5', dt: '1e-3', sampleEvery: 1000 })));
    expect(w.bars).toBe(1e5);
    expect(w.steps).toBe(1e8);
  });

  it('refuses paths × bars of a run (the bar increments its metrics keep)', () => {
    const cfg = parse(yaml({ paths: 1000, horizon: '1e4', dt: '1e-3', sampleEvery: 10 }));
    const e = limitError(() => checkBacktestLimits(cfg));
    expect(e.key).toBe('limits.maxRunBars');
    expect(e.value).toBe(1e9);
    expect(() => checkBacktestLimits({ ...cfg, paths: 100 })).not.toThrow();
  });

  it('refuses fills per path', () => {
    // 5e7 steps with A·dt = 140: up to 2 fills a step.
    const cfg = parse(yaml({ paths: 1, horizon: '5e7', dt: '1', sampleEvery: 100 }));
    const e = limitError(() => checkBacktestLimits(cfg));
    expect(e.key).toBe('limits.maxFillsPerPath');
    expect(e.value).toBe(1e8);
  });

  it('refuses kept paths by their memory ((bars + 1) × 7 × 8 bytes + fills)', () => {
    const cfg = parse(yaml({ paths: 50, horizon: '1e6', dt: '1', sampleEvery: 1 }));
    const w = estimateBacktestWork(cfg, { keepPaths: 50 });
    expect(w.keptPaths).toBe(50);
    expect(w.pathBytes).toBe((1e6 + 1) * 56 + 2e6 * 41);
    const e = limitError(() => checkBacktestLimits(cfg, { keepPaths: 50 }));
    expect(e.key).toBe('limits.maxKeptBytes');
    expect(() => checkBacktestLimits(cfg, { keepPaths: 0 })).not.toThrow();
  });

  it('estimates book mode by its expected event count', () => {
    const text = readFileSync('resources/configs/book-stress.yaml', 'utf8');
    const w = checkBacktestLimits(parse(text));
    // (3600 + 10) s × (4·200 + 2·30 + 10) /s + 4 × 7200 decisions; measured: 2.46e6 events per path.
    expect(w.steps).toBe(Math.ceil(3610 * 870 + 4 * 7200));
    const longer = text.replace('horizon: 3600', 'horizon: 3.6e7');
    expect(limitError(() => checkBacktestLimits(parse(longer))).key).toBe('limits.maxPathSteps');
  });

  it('a limits: section raising the limit admits the same config', () => {
    expect(() =>
      checkBacktestLimits(parse(yaml({ strategy: grid1000, extra: 'limits: { maxRuns: 1e6 }' }))),
    ).not.toThrow();
    const huge = { horizon: '1e10', dt: '1', paths: 2, sampleEvery: 10_000 };
    expect(limitError(() => checkBacktestLimits(parse(yaml(huge)))).key).toBe('limits.maxPathSteps');
    const raised = yaml({
      ...huge,
      extra: 'limits: { maxPathSteps: 1e11, maxTotalSteps: 1e11, maxFillsPerPath: 1e11 }',
    });
    expect(checkBacktestLimits(parse(raised)).pathSteps).toBe(2e10);
  });

  it('the limits: section is strict and takes positive numbers only', () => {
    const bad = (extra: string): string => configError(() => parse(yaml({ extra }))).message;
    expect(bad('limits: { maxPaths: 5 }')).toMatch(/limits\.maxPaths: unknown key/);
    expect(bad('limits: { maxRuns: 0 }')).toMatch(/limits\.maxRuns/);
    expect(bad('limits: { maxRuns: -1 }')).toMatch(/limits\.maxRuns/);
    expect(bad('limits: { maxRuns: .inf }')).toMatch(/limits\.maxRuns/);
  });

  it('admits every shipped backtest config and preset, with the app keeping 50 paths', () => {
    const files = readdirSync('resources/configs').filter((f) => f.endsWith('.yaml'));
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(join('resources/configs', f), 'utf8');
      if (/^algo:/m.test(text)) continue; // training configs: core/rl/train/limits.test.ts
      if (/^seeds:/m.test(text)) continue; // sweep and stress-sweep configs: core/sweep tests
      expect(() => checkBacktestLimits(parse(text), { keepPaths: 50 }), f).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    for (const p of loadPresets())
      expect(() => checkBacktestLimits(parse(p.yaml), { keepPaths: 50 }), p.id).not.toThrow();
  });

  it('maps LimitError to limit_exceeded naming the key', () => {
    expect(toApiError(new LimitError('limits.maxRuns', 10, 11, 'runs'))).toEqual({
      code: 'limit_exceeded',
      message: 'runs = 11 exceeds limits.maxRuns = 10 (raise it under limits: if you mean it)',
      path: 'limits.maxRuns',
    });
  });

  it('formats counts briefly', () => {
    expect([2e12, 1.5e10, 10_000, 3.25e6, 0.5, Infinity].map(formatCount)).toEqual([
      '2e12',
      '1.5e10',
      '10000',
      '3.25e6',
      '0.5',
      'Infinity',
    ]);
  });
});

describe('non-finite parameters are refused at validation', () => {
  const issuePaths = (text: string): string[] => configError(() => parse(text)).issues.map((i) => i.path);

  it('sigma: 1e308 names scenario.price.sigma', () => {
    expect(issuePaths(yaml({ sigma: '1e308' }))).toEqual(['scenario.price.sigma']);
  });

  it('.inf and 1e400 (Infinity in YAML) are refused for any numeric field', () => {
    expect(issuePaths(yaml({ sigma: '.inf' }))).toEqual(['scenario.price.sigma']);
    expect(issuePaths(yaml({ horizon: '1e400' }))).toContain('scenario.horizon');
    expect(issuePaths(yaml({ strategy: '  - type: avellaneda-stoikov\n    gamma: [0.1, .inf]' }))).toEqual([
      'strategies[0].gamma',
    ]);
  });

  it('gbm: s0·exp(σ√T…) must stay finite', () => {
    expect(issuePaths(yaml({ model: 'gbm', sigma: '100', horizon: '10' }))).toEqual(['scenario.price.sigma']);
    expect(() => parse(yaml({ model: 'gbm', sigma: '0.3', horizon: '10' }))).not.toThrow();
  });

  it('AS: γσ²T must stay finite', () => {
    const strategy = '  - type: avellaneda-stoikov\n    gamma: [0.1, 1e300]';
    expect(issuePaths(yaml({ sigma: '1e5', strategy }))).toEqual(['strategies[0].gamma']);
  });

  it('GLFT: (k/2)γσ²Q²T and the asymptotic slope must stay finite', () => {
    const glft = (gamma: string, extra = ''): string =>
      yaml({ strategy: `  - type: glft\n    gamma: ${gamma}${extra}` });
    expect(issuePaths(glft('1e300', '\n    sigma: 1e3'))).toEqual(['strategies[0].gamma']);
    expect(issuePaths(glft('0.1', '\n    sigma: 1e200'))).toEqual(['strategies[0].sigma']);
    expect(() => parse(glft('[0.01, 0.1, 1]'))).not.toThrow();
  });

  it('entryLatency beyond the horizon is refused (it would size a ring buffer of latency/dt)', () => {
    const text = yaml({}).replace('  sampleEvery: 1\n', '  sampleEvery: 1\n  entryLatency: 1e9\n');
    expect(issuePaths(text)).toEqual(['scenario.entryLatency']);
  });
});

/** A JobRunner whose jobs run until they are cancelled. */
function foreverJobs(): JobRunner {
  const runner = {
    runBacktest: (_cfg: unknown, opts: { signal?: AbortSignal }) =>
      new Promise((_resolve, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new JobCancelledError()), { once: true });
      }),
    close: () => Promise.resolve(),
  };
  return runner as unknown as JobRunner;
}

describe('AppService refuses a job over the limits before it starts', () => {
  const svc = new AppService({
    dataDir: mkdtempSync(join(tmpdir(), 'qb-limits-')),
    transport: 'websocket',
    version: '0.0.0-test',
    jobs: foreverJobs(),
    maxJobsPerClient: 2,
  });
  afterAll(async () => {
    await svc.close();
  });
  const ctx = { clientId: 'a' };
  const errorOf = (r: CallResult): { code: string; path: string; message: string } => {
    if (r.ok) throw new Error('expected a failure');
    return r.error;
  };

  it('backtest.start with a 1000 × 1000 grid answers limit_exceeded and writes nothing', async () => {
    const r = await svc.dispatch('backtest.start', { yaml: yaml({ strategy: grid1000 }) }, ctx);
    const err = errorOf(r);
    expect(err.code).toBe('limit_exceeded');
    expect(err.path).toBe('limits.maxRuns');
    expect(svc.store.runs.list(10)).toEqual([]);
    expect(await svc.dispatch('jobs.list', {}, ctx)).toEqual({ ok: true, output: [] });
  });

  it('backtest.start refuses horizon 1e10 naming limits.maxPathSteps', async () => {
    const r = await svc.dispatch('backtest.start', { yaml: yaml({ horizon: '1e10', dt: '1' }) }, ctx);
    expect(errorOf(r).path).toBe('limits.maxPathSteps');
    expect(svc.store.runs.list(10)).toEqual([]);
  });

  it('backtest.start with sigma: 1e308 is a config error naming scenario.price.sigma', async () => {
    const r = await svc.dispatch('backtest.start', { yaml: yaml({ sigma: '1e308' }) }, ctx);
    expect(errorOf(r).path).toBe('scenario.price.sigma');
  });

  it('replay.start checks the grid before expanding it', async () => {
    const text = readFileSync('resources/configs/book-default.yaml', 'utf8').replace(
      /strategies:[\s\S]*$/,
      `strategies:\n${grid1000}\n`,
    );
    const r = await svc.dispatch('replay.start', { yaml: text, strategyIndex: 0 }, ctx);
    expect(errorOf(r)).toMatchObject({ code: 'limit_exceeded', path: 'limits.maxRuns' });
  });

  it('train.start with a huge network answers limit_exceeded and creates no run', async () => {
    const text = tinyTrainYaml({
      body: 'sac: { hidden: [4096, 4096, 4096] }\nbudget: { totalSteps: 100 }\n',
    });
    const err = errorOf(await svc.dispatch('train.start', { yaml: text }, ctx));
    expect(err).toMatchObject({ code: 'limit_exceeded', path: 'limits.maxNetworkParams' });
    expect(await svc.dispatch('train.list', {}, ctx)).toEqual({ ok: true, output: [] });
  });

  it('a client past maxJobsPerClient gets limit_exceeded; other clients do not', async () => {
    const start = (clientId: string): Promise<CallResult> =>
      svc.dispatch('backtest.start', { yaml: yaml({ paths: 2 }) }, { clientId });
    expect((await start('a')).ok).toBe(true);
    expect((await start('a')).ok).toBe(true);
    const third = errorOf(await start('a'));
    expect(third.code).toBe('limit_exceeded');
    expect(third.path).toBe('maxJobsPerClient');
    expect((await start('b')).ok).toBe(true);
    expect(svc.store.runs.list(10)).toHaveLength(3);
  });
});
