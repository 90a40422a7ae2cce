/**
 * `quotebench fit garch|regimes` in process: the JSON shapes of issue 11 §3, the printed tables, the
 * probabilities artifact, and bad input as one line naming the file and line, exit 2, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './capture.fixture';
import { main } from './main';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../calibration/fixtures/${name}`, import.meta.url));
const GARCH_CSV = fixture('garch-2000.csv');
const REGIMES_CSV = fixture('regimes-2000.csv');
const dir = mkdtempSync(join(tmpdir(), 'qb-fit-'));
const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

function oneLine(err: string): void {
  expect(err.trimEnd().split('\n'), err).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('quotebench fit garch', () => {
  it('prints estimates with standard errors and writes the JSON of the issue', async () => {
    const out = join(dir, 'garch.json');
    const r = await run(['fit', 'garch', '--returns', GARCH_CSV, '--json', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^GARCH\(1,1\), constant mean, on .*garch-2000\.csv: n = 2000\n/);
    expect(r.out).toMatch(/^alpha\s+0\.0843\s+0\.0143\s/m);
    expect(r.out).toMatch(/^log-likelihood\s+6666\.7$/m);
    const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(j).slice(0, 10)).toEqual([
      'n',
      'mu',
      'omega',
      'alpha',
      'beta',
      'logLikelihood',
      'stdErrors',
      'aic',
      'bic',
      'persistence',
    ]);
    expect(Object.keys(j.stdErrors as object)).toEqual(['mu', 'omega', 'alpha', 'beta']);
    expect(j.n).toBe(2000);
    expect(j.logLikelihood as number).toBeCloseTo(6666.650938854, 6);
    expect(j.converged).toBe(true);
    // fit quality: standardized residuals of a GARCH fit to GARCH data look N(0, 1), no clustering left
    const d = j.diagnostics as {
      standardized: { variance: number; excessKurtosis: number };
      ljungBox: { lags: number; df: number; pValue: number };
      ljungBoxSquared: { lags: number; df: number; pValue: number };
    };
    expect(d.standardized.variance).toBeCloseTo(1, 1);
    expect(d.ljungBox).toMatchObject({ lags: 10, df: 10 });
    expect(d.ljungBoxSquared).toMatchObject({ lags: 10, df: 8 });
    expect(d.ljungBoxSquared.pValue).toBeGreaterThan(0.01);
    expect(r.out).toMatch(/^Ljung–Box Q\(10\) of z², p\s+\S+\s+χ²\(8\)$/m);
  });
});

describe('quotebench fit regimes', () => {
  it('prints the states, writes the JSON of the issue and the smoothed probabilities', async () => {
    const out = join(dir, 'regimes.json');
    const probs = join(dir, 'probs.csv');
    const r = await run([
      'fit',
      'regimes',
      '--returns',
      REGIMES_CSV,
      '--states',
      '2',
      '--json',
      out,
      '--probs',
      probs,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 states \(ascending σ\)/);
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      n: number;
      means: number[];
      sigmas: number[];
      transition: number[][];
      logLikelihood: number;
      probabilities: string;
    };
    expect(Object.keys(j).slice(0, 5)).toEqual(['n', 'means', 'sigmas', 'transition', 'logLikelihood']);
    expect(j.means).toHaveLength(2);
    expect(j.transition.map((row) => row.length)).toEqual([2, 2]);
    expect(j.sigmas[0]!).toBeLessThan(j.sigmas[1]!);
    expect(j.probabilities).toBe(probs);
    const lines = readFileSync(probs, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('t,p0,p1');
    expect(lines).toHaveLength(2001);
    const [t, p0, p1] = lines[2000]!.split(',').map(Number);
    expect(t).toBe(2000);
    expect(p0! + p1!).toBeCloseTo(1, 12);
  });
});

describe('quotebench fit: bad input is one line, exit 2, nothing written', () => {
  const out = join(dir, 'never.json');
  const cases: [string, string[], RegExp][] = [
    [
      'no model',
      ['fit', '--returns', GARCH_CSV],
      /expected garch or regimes or intensity or book as the first argument, got "--returns"/,
    ],
    ['an unknown model', ['fit', 'arima', '--returns', GARCH_CSV], /got "arima"/],
    ['no --returns', ['fit', 'garch', '--json', out], /--returns is required/],
    [
      '--states with garch',
      ['fit', 'garch', '--returns', GARCH_CSV, '--states', '3'],
      /--states applies to fit regimes only/,
    ],
    [
      '--states out of range',
      ['fit', 'regimes', '--returns', GARCH_CSV, '--states', '1'],
      /--states must be an integer from 2 to 8/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const r = await run([...argv, '--json', out]);
      expect(r.err).toMatch(message);
      expect(r.code).toBe(2);
      oneLine(r.err);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a NaN row, a malformed line, too few rows and a missing file name the file (and line)', async () => {
    const nan = join(dir, 'nan.csv');
    writeFileSync(nan, 'return\n0.1\n0.2\nNaN\n0.3\n');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'time,return\n1,0.1\n2,0.2,7\n');
    const few = join(dir, 'few.csv');
    writeFileSync(few, 'return\n' + '0.01\n-0.01\n'.repeat(4));
    const expected: [string[], RegExp][] = [
      [['fit', 'garch', '--returns', nan], /nan\.csv:4: column return: not a finite number: "NaN"$/],
      [['fit', 'regimes', '--returns', bad], /bad\.csv:3: expected 2 columns, got 3$/],
      [
        ['fit', 'garch', '--returns', few],
        /few\.csv: 8 returns \(lines 2–9\); GARCH\(1,1\) needs at least 10$/,
      ],
      [
        ['fit', 'regimes', '--returns', few],
        /few\.csv: 8 returns \(lines 2–9\); the 2-state model needs at least 20$/,
      ],
      [
        ['fit', 'garch', '--returns', join(dir, 'missing.csv')],
        /cannot read .*missing\.csv: no such file or directory$/,
      ],
    ];
    for (const [argv, message] of expected) {
      const r = await run([...argv, '--json', out]);
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.code).toBe(2);
      oneLine(r.err);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('an unwritable --probs path fails before the fit', async () => {
    const notDir = join(dir, 'plain-file');
    writeFileSync(notDir, 'x');
    const r = await run([
      'fit',
      'regimes',
      '--returns',
      REGIMES_CSV,
      '--probs',
      join(notDir, 'p.csv'),
      '--json',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write .*p\.csv: .*not a directory/);
    expect(r.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });
});
