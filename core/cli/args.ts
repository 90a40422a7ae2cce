/** Argument parsing shared by the commands: node's parseArgs with errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values'] {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A required finite number option. */
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
  const x = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(x)) {
    throw new UsageError(`--${name} must be a finite number, got "${String(raw)}"`);
  }
  return x;
}
