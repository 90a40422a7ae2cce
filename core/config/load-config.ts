/**
 * Parse a YAML (or JSON) configuration against a zod schema, with errors that name the file, the line
 * and the key path, e.g.
 *   resources/configs/as2008.yaml:12:5: scenario.intensity.k: Too small: expected number to be >0
 * Unknown keys are rejected by the schemas (strict objects) and reported at the unknown key's line.
 * Nothing is returned on any error, so a caller never acts on a half-valid config.
 *
 * Hostile documents: parsing is bounded (size, nesting depth, alias expansion: parse-yaml.ts) and every
 * failure, including the YAML library's own exceptions, is a ConfigError. Services parse with
 * parseConfigTextAsync (core/config-worker/parse-async.ts), which parses and checks the schema in a
 * worker thread with a timeout; this module is the synchronous, schema-agnostic layer below it.
 */
import { readFileSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { DEFAULT_PARSE_LIMITS, parseYaml, type ParseLimits } from './parse-yaml';
import { validateParsed } from './validate';

export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-yaml';
export { formatPath } from './validate';

export interface ConfigIssue {
  /** Dotted key path, e.g. "scenario.intensity.k" or "strategies[1].gamma". */
  path: string;
  message: string;
  /** 1-based line and column in the file, when it could be located. */
  line?: number | undefined;
  col?: number | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(file: string, i: ConfigIssue): string {
  const where = i.line !== undefined ? `${file}:${i.line}:${i.col ?? 1}` : file;
  return `${where}: ${i.path === '' ? '(root)' : i.path}: ${i.message}`;
}

/** Options of the config parsers: limits (default DEFAULT_PARSE_LIMITS). */
export interface ConfigParseOptions {
  limits?: Partial<ParseLimits>;
}

/**
 * Parse config text in this thread; `file` is used in messages only. Throws ConfigError for every
 * failure, limits included. For the CLI and tests: a service must use parseConfigTextAsync.
 */
export function parseConfigText<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  opts: ConfigParseOptions = {},
): z.output<S> {
  const r = parseYaml(text, limitsOf(opts));
  if (!r.ok) throw new ConfigError(file, r.issues);
  const v = validateParsed(r.parsed, schema);
  if (!v.ok) throw new ConfigError(file, v.issues);
  return v.data;
}

export function limitsOf(opts: ConfigParseOptions): ParseLimits {
  return { ...DEFAULT_PARSE_LIMITS, ...opts.limits };
}

/** Read and parse a config file. Throws ConfigError (also for an unreadable file). */
export function loadConfigFile<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: ConfigParseOptions = {},
): z.output<S> {
  const { maxBytes } = limitsOf(opts);
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > maxBytes) {
      throw new ConfigError(path, [
        { path: '', message: `the document is ${size} bytes, more than the limit of ${maxBytes} bytes` },
      ]);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(e as Error).message}` }]);
  }
  return parseConfigText(text, path, schema, opts);
}
