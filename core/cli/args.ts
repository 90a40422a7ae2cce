/**
 * Argument parsing shared by the commands: node's parseArgs with errors turned into usage errors, and
 * strict number parsing. Invariants: a flag's value is either exactly what the user typed, parsed
 * completely ("2.7" is never 2, " 3" or "0x10" never 3 or 16), or the command stops with a UsageError
 * naming the flag; main.ts turns UsageError and UserError into one line on stderr and exit code 2.
 */
import { DataDirError, resolveDataDir } from '../store/data-dir';
import { parseArgs } from 'node:util';

/** Invalid usage: an unknown option, a missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A user's input cannot be acted on (a file that cannot be read or written, a missing directory). Exit 2. */
export class UserError extends Error {
  override name = 'UserError';
}

/** One option as node's parseArgs knows it, plus what `--help` prints about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder of the value in the help, e.g. "FILE" or "N". */
  arg?: string;
  /** One line for `--help`. */
  help?: string;
  /** The default, as `--help` shows it. */
  def?: string | number;
  /** Integer range of the value (checked by intOption, shown by `--help`). */
  min?: number;
  max?: number;
}

type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? O['multiple'] extends true
    ? boolean[]
    : boolean
  : O['multiple'] extends true
    ? string[]
    : string;

export type OptionValues<T extends Record<string, OptionSpec>> = { [K in keyof T]?: OptionValue<T[K]> };

/** Parse `args` strictly (no positionals, no unknown options); throws UsageError. */
export function parse<T extends Record<string, OptionSpec>>(args: string[], options: T): OptionValues<T> {
  return parseWithPositionals(args, options, false).values;
}

/** Like parse, and with `allow` the non-option arguments too (e.g. input files). */
export function parseWithPositionals<T extends Record<string, OptionSpec>>(
  args: string[],
  options: T,
  allow = true,
): { values: OptionValues<T>; positionals: string[] } {
  const plain: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options)) {
    plain[name] = {
      type: o.type,
      ...(o.short !== undefined ? { short: o.short } : {}),
      ...(o.multiple !== undefined ? { multiple: o.multiple } : {}),
    };
  }
  try {
    const r = parseArgs({ args, options: plain, strict: true, allowPositionals: allow });
    return { values: r.values as OptionValues<T>, positionals: r.positionals };
  } catch (e) {
    // One line: node's messages for an ambiguous value span three.
    throw new UsageError((e as Error).message.split('\n').join(' '));
  }
}

/** A decimal number as a person types it: digits, an optional fraction and exponent; nothing else. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** A decimal integer: digits with an optional sign (no exponent, no fraction, no hex). */
const INTEGER = /^[+-]?\d+$/;

/**
 * A finite number option. Without a value: `def` if given, else NaN when `required: false`, else a
 * UsageError. Only plain decimal notation is accepted ("0x10", "", " 3", "Infinity" are errors).
 */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  opts: { required?: boolean; def?: number } = {},
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (opts.def !== undefined) return opts.def;
    if (opts.required !== false) throw new UsageError(`--${name} is required`);
    return Number.NaN;
  }
  const x = typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(x)) throw new UsageError(`--${name} must be a finite number, got "${String(raw)}"`);
  return x;
}

/**
 * An integer option in [min, max]. Without a value: `def` if given, else a UsageError. Rejects
 * fractions ("2.7"), exponents ("1e9"), hex ("0x10"), blanks and out-of-range values, naming the flag.
 */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  opts: { min: number; max: number; def?: number },
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (opts.def !== undefined) return opts.def;
    throw new UsageError(`--${name} is required`);
  }
  const x = typeof raw === 'string' && INTEGER.test(raw) ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(x) && x >= opts.min && x <= opts.max))
    throw new UsageError(
      `--${name} must be an integer from ${opts.min} to ${opts.max}, got "${String(raw)}"`,
    );
  return x;
}

/** The data directory from --data-dir (else $QUOTEBENCH_DATA_DIR or ~/.quotebench); a bad one is the user's error. */
export function cliDataDir(value: string | undefined): string {
  try {
    return resolveDataDir(value !== undefined ? { cliDataDir: value } : {});
  } catch (e) {
    if (e instanceof DataDirError) throw new UserError(e.message);
    throw e;
  }
}
