/**
 * The CLI as a well-made CLI, in process (main() with captured output): `--help`/`-h` for every command
 * rendered from the command table, `--version`, strict integer and range checks of numeric flags, and
 * user errors as one line with exit code 2 (never a stack trace). The README's command table must
 * match `--help` option for option.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError, intOption, numberOption } from './args';
import { captureOutput } from './capture.fixture';
import { COMMANDS, optionLabel, optionText } from './commands';
import { classifyError, main } from './main';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

/** Exactly one line on stderr, and no stack frame in it. */
function oneLine(err: string): void {
  expect(err.trimEnd().split('\n'), err).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('quotebench --help and --version', () => {
  for (const name of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
    it(`${name} --help and -h list every option with its description and exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await run([name, flag]);
        expect(r.code).toBe(0);
        expect(r.out).toContain(`Usage: quotebench ${name} `);
        for (const [opt, spec] of Object.entries(COMMANDS[name].options)) {
          expect(r.out).toContain(optionLabel(opt, spec));
          expect(r.out).toContain(optionText(spec));
        }
      }
      // Help wins over other (even invalid) arguments, and `quotebench help <command>` is the same page.
      expect((await run([name, '--bogus', '--help'])).code).toBe(0);
      expect((await run(['help', name])).out).toBe((await run([name, '--help'])).out);
    });
  }

  it('help prints the usage on stdout (exit 0); no command prints it on stderr (exit 2)', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^quotebench — /);
    for (const name of Object.keys(COMMANDS)) expect(h.out).toContain(`  ${name} `);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toBe(h.out);
  });

  it('--version and -V print the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`quotebench ${pkg.version}\n`);
    }
  });

  it("the README's command-line section lists every option of every command as --help does", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## The command line'),
      readme.indexOf('### Writing a config'),
    );
    for (const [name, c] of Object.entries(COMMANDS)) {
      expect(section).toContain(`\`quotebench ${name} ${c.usage}\``);
      for (const [opt, spec] of Object.entries(c.options))
        expect(section, `${name} --${opt}`).toContain(
          `| \`${optionLabel(opt, spec).trim().replaceAll('|', '\\|')}\` | ${optionText(spec).replaceAll('|', '\\|')} |`,
        );
    }
  });
});

describe('numeric flags', () => {
  const cfg = join(root, 'resources/configs/as2008.yaml');
  const bad: [string[], RegExp][] = [
    [['backtest', '-c', cfg, '--paths', '0'], /--paths must be an integer from 1 to 1000000, got "0"/],
    [['backtest', '-c', cfg, '--paths=-5'], /--paths .*got "-5"/],
    [['backtest', '-c', cfg, '--paths', '2.7'], /--paths .*got "2.7"/],
    [['backtest', '-c', cfg, '--paths', '1e9'], /--paths .*got "1e9"/],
    [['backtest', '-c', cfg, '--paths', '0x10'], /--paths .*got "0x10"/],
    [['backtest', '-c', cfg, '--paths', ''], /--paths .*got ""/],
    [['backtest', '-c', cfg, '--paths', ' 3'], /--paths .*got " 3"/],
    [['backtest', '-c', cfg, '--seed', '1.5'], /--seed must be an integer from 0 to 4294967295, got "1.5"/],
    [['backtest', '-c', cfg, '--seed', '4294967296'], /--seed .*got "4294967296"/],
    [['train', '-c', cfg, '--steps', '0'], /--steps must be an integer from 1 to/],
    [['eval', '--checkpoint', root, '--episodes', '2.5'], /--episodes .*got "2.5"/],
    [['eval', '--checkpoint', root, '--tune-episodes=-1'], /--tune-episodes .*got "-1"/],
    [['eval', '--checkpoint', root, '--tune-episodes', '-1'], /'--tune-episodes' argument is ambiguous/],
    [['eval', '--checkpoint', root, '--first-path', '1e3'], /--first-path .*got "1e3"/],
    [['eval', '--checkpoint', root, '--resamples', '99'], /--resamples .*got "99"/],
    [
      ['quotes', '--sigma', '1', '--A', '1', '--k', '1', '--gamma', '1', '--T', '1', '--Q', '2.5'],
      /--Q must be an integer from 1 to 1000, got "2.5"/,
    ],
    [
      ['quotes', '--sigma', '0x10', '--A', '1', '--k', '1', '--gamma', '1', '--T', '1', '--Q', '2'],
      /--sigma must be a finite number, got "0x10"/,
    ],
    [['serve', '--port', '70000'], /--port/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.filter((a) => a !== cfg && a !== root).join(' ')} with one line and exit 2`, async () => {
      const r = await run(argv);
      expect(r.err).toMatch(message);
      expect(r.code).toBe(2);
      oneLine(r.err);
    });
  }

  it('intOption and numberOption accept plain decimal notation only', () => {
    const o = { min: 1, max: 10 };
    expect(intOption({ n: '7' }, 'n', o)).toBe(7);
    expect(intOption({}, 'n', { ...o, def: 3 })).toBe(3);
    for (const raw of ['0', '11', '2.0', '1e1', '0x5', '', ' 5', '5 ', 'five', '+']) {
      expect(() => intOption({ n: raw }, 'n', o), raw).toThrow(UsageError);
    }
    expect(numberOption({ x: '1.5e3' }, 'x')).toBe(1500);
    expect(numberOption({ x: '-.5' }, 'x')).toBe(-0.5);
    for (const raw of ['0x10', '', ' 3', 'Infinity', 'NaN', '1e999', '1,5'])
      expect(() => numberOption({ x: raw }, 'x'), raw).toThrow(UsageError);
  });
});

describe('user errors: one line, exit 2, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-usage-'));
  const small = `name: small
seed: 3
paths: 2
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: fixed-spread
    halfSpread: 0.7
`;
  const cfg = join(dir, 'small.yaml');
  writeFileSync(cfg, small);

  it('an unwritable --json path (its parent is a file) fails before the run', async () => {
    const notDir = join(dir, 'file');
    writeFileSync(notDir, 'x');
    const r = await run(['backtest', '--config', cfg, '--json', join(notDir, 'out.json'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^quotebench backtest: cannot write .*out\.json: .*not a directory/);
    oneLine(r.err);
    expect(r.out).toBe('');
  });

  it('--json naming a directory fails before the run', async () => {
    const r = await run(['backtest', '--config', cfg, '--json', dir, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write .*: it is a directory/);
    oneLine(r.err);
  });

  it('a missing config file or directory', async () => {
    const r = await run(['backtest', '--config', join(dir, 'missing', 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing.x\.yaml.*cannot read file/);
    oneLine(r.err);
    const e = await run(['eval', '--checkpoint', join(dir, 'no-such-run'), '--json', join(dir, 'e.json')]);
    expect(e.code).toBe(2);
    expect(e.err.trimEnd().split('\n').at(-1)).toMatch(/no-such-run/);
    expect(e.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'e.json'))).toBe(false);
  });

  it('a config over its limits is refused before the run: one line naming the limit, exit 2', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, small.replace('paths: 2', 'paths: 2\nlimits: { maxTotalSteps: 100 }'));
    const out = join(dir, 'big.json');
    const r = await run(['backtest', '--config', big, '--json', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^quotebench backtest: .*exceeds limits\.maxTotalSteps = 100/);
    oneLine(r.err);
    expect(existsSync(out)).toBe(false);
  });

  it('a "billion laughs" YAML is a config error: one line, exit 2 (was a ReferenceError stack)', async () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++)
      lines.push(
        `${names[i]}: &${names[i]} [${Array(9)
          .fill(`*${names[i - 1]}`)
          .join(', ')}]`,
      );
    const bomb = join(dir, 'laughs.yaml');
    writeFileSync(bomb, lines.join('\n') + '\n');
    const r = await run(['backtest', '--config', bomb, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^quotebench backtest: .*laughs\.yaml:\d+:\d+: /);
    oneLine(r.err);
  });

  it('a config error is its message (file:line:col), exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, small.replace('  dt: 0.01', '  dtt: 0.01'));
    const r = await run(['backtest', '--config', bad, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:7:3: scenario\.dtt: unknown key/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('classifyError', () => {
  const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

  it('user errors exit 2 with one line, whatever their class (recognized by name)', () => {
    for (const name of ['ConfigError', 'LimitError', 'UsageError', 'UserError', 'DataDirError']) {
      const r = classifyError('backtest', named(name, `${name} says no`));
      expect(r).toEqual({ code: 2, text: `quotebench backtest: ${name} says no\n` });
    }
    const fs = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES' });
    expect(classifyError('eval', fs).code).toBe(2);
  });

  it('unexpected errors exit 1 with one line; the stack only in debug mode', () => {
    const e = new TypeError('x is not a function');
    const r = classifyError('train', e);
    expect(r.code).toBe(1);
    oneLine(r.text);
    expect(r.text).toMatch(/^quotebench train: internal error: x is not a function \(QUOTEBENCH_DEBUG=1/);
    const d = classifyError('train', e, true);
    expect(d.code).toBe(1);
    expect(d.text).toContain(e.stack!);
    expect(classifyError('backtest', named('RunFailedError', 'mid is NaN')).code).toBe(1);
  });
});
