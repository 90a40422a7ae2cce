import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config';
import { runBacktest } from '../backtest/run';
import { backtestConfigSchema } from '../backtest/config';
import { RandomQuoter } from './random-quoter';
import { emptyDecision, emptyObservation } from './quoter';

const params = { minOffset: 0.01, maxOffset: 0.05, orderSizeLots: 2, seed: 11 };

function draws(q: RandomQuoter, n: number): number[] {
  const obs = emptyObservation();
  obs.mid = 100;
  const out = emptyDecision();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    q.quote(obs, out);
    xs.push(100 - out.bidPrice, out.askPrice - 100);
  }
  return xs;
}

describe('RandomQuoter', () => {
  it('quotes both sides at uniform distances inside [minOffset, maxOffset] with the order size', () => {
    const q = new RandomQuoter(params);
    q.reset({ seed: 3, pathIndex: 0 });
    const xs = draws(q, 20_000);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0.01 - 1e-12);
      expect(x).toBeLessThan(0.05 + 1e-12);
    }
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    // U[0.01, 0.05]: mean 0.03, variance 0.04²/12; 40,000 draws put the sample mean within ~7e-5
    expect(m).toBeCloseTo(0.03, 3);
    expect(v).toBeCloseTo(0.04 ** 2 / 12, 5);
    const out = emptyDecision();
    q.quote({ ...emptyObservation(), mid: 50 }, out);
    expect(out).toMatchObject({ bidSize: 2, askSize: 2, marketOrderLots: 0 });
  });

  it('draws the same numbers on a path whatever ran before it, and differs between paths', () => {
    const a = new RandomQuoter(params);
    a.reset({ seed: 3, pathIndex: 5 });
    const first = draws(a, 10);
    const b = new RandomQuoter(params);
    b.reset({ seed: 3, pathIndex: 4 });
    draws(b, 123);
    b.reset({ seed: 3, pathIndex: 5 });
    expect(draws(b, 10)).toEqual(first);
    b.reset({ seed: 3, pathIndex: 6 });
    expect(draws(b, 10)).not.toEqual(first);
    b.reset({ seed: 4, pathIndex: 5 });
    expect(draws(b, 10)).not.toEqual(first);
    // without a path context every reset starts a new, reproducible stream
    const c = new RandomQuoter(params);
    const d = new RandomQuoter(params);
    c.reset();
    d.reset();
    const c1 = draws(c, 5);
    expect(draws(d, 5)).toEqual(c1);
    c.reset();
    expect(draws(c, 5)).not.toEqual(c1);
  });

  it('rejects bad parameters', () => {
    expect(() => new RandomQuoter({ ...params, minOffset: -1 })).toThrow(/minOffset/);
    expect(() => new RandomQuoter({ ...params, maxOffset: 0.001 })).toThrow(/maxOffset/);
    expect(() => new RandomQuoter({ ...params, orderSizeLots: 0 })).toThrow(/orderSizeLots/);
    expect(() => new RandomQuoter({ ...params, seed: Number.NaN })).toThrow(/seed/);
  });
});

describe('random strategy in a backtest config', () => {
  const yaml = (strategy: string): string =>
    readFileSync('resources/configs/as2008.yaml', 'utf8')
      .replace(/^paths: \d+$/m, 'paths: 3')
      .replace(/strategies:[\s\S]*$/, `strategies:\n${strategy}\n`);

  it('builds from `type: random`, runs reproducibly and rejects minOffset > maxOffset', () => {
    const cfg = parseConfigText(
      yaml('  - { type: random, name: floor, minOffset: 0, maxOffset: 3, seed: 5 }'),
      'random.yaml',
      backtestConfigSchema,
    );
    const a = runBacktest(cfg);
    const b = runBacktest(cfg);
    expect(cfg.paths).toBe(3);
    expect(a.runs).toHaveLength(1);
    expect(a.runs[0]!.params).toMatchObject({ minOffset: 0, maxOffset: 3, seed: 5 });
    expect(a.runs[0]!.metrics).toEqual(b.runs[0]!.metrics);
    expect(a.runs[0]!.metrics.fills).toBeGreaterThan(0);
    expect(() =>
      parseConfigText(
        yaml('  - { type: random, minOffset: 2, maxOffset: 1 }'),
        'bad.yaml',
        backtestConfigSchema,
      ),
    ).toThrow(/maxOffset/);
  });
});
