/**
 * Parse a YAML (or JSON) configuration against a zod schema, with errors that name the file, the line
 * and the key path, e.g.
 *   resources/configs/as2008.yaml:12:5: scenario.intensity.k: Too small: expected number to be >0
 * Unknown keys are rejected by the schemas (strict objects) and reported at the unknown key's line.
 * Nothing is returned on any error, so a caller never acts on a half-valid config.
 *
 * Hostile documents: parsing is bounded (size, nesting depth, alias expansion: parse-yaml.ts) and every
 * failure, including the YAML library's own exceptions, is a ConfigError. Services parse with
 * parseConfigTextAsync, which does the YAML work in a worker thread with a timeout (parse-pool.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { sharedParsePool, type ParsePool } from './parse-pool';
import {
  DEFAULT_PARSE_LIMITS,
  locateAll,
  parseYaml,
  type KeyPath,
  type ParseLimits,
  type Position,
} from './parse-yaml';

export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-yaml';
export { setParseWorkerEntry } from './parse-pool';

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

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Options of the config parsers: limits (default DEFAULT_PARSE_LIMITS) and, async only, the pool. */
export interface ConfigParseOptions {
  limits?: Partial<ParseLimits>;
  /** The worker pool parseConfigTextAsync uses (default: the process-wide one). */
  pool?: ParsePool;
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
  const result = schema.safeParse(r.parsed.data);
  if (result.success) return result.data as z.output<S>;
  const found = schemaIssues(result.error);
  throw issuesError(file, found, locateAll(r.parsed, found));
}

/**
 * Parse config text with the YAML work in a worker thread (parse-pool.ts), so no document can stall
 * the caller's event loop; the schema check runs here on the plain data. Same results and messages as
 * parseConfigText, plus a ConfigError when the worker takes too long on a document.
 */
export async function parseConfigTextAsync<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  opts: ConfigParseOptions = {},
): Promise<z.output<S>> {
  const limits = limitsOf(opts);
  const pool = opts.pool ?? sharedParsePool();
  const reply = await pool.run({ op: 'parse', text, limits });
  if (!reply.ok) throw new ConfigError(file, reply.issues);
  if (!('data' in reply))
    throw new ConfigError(file, [{ path: '', message: 'the config parser answered out of turn' }]);
  const result = schema.safeParse(reply.data);
  if (result.success) return result.data as z.output<S>;
  const found = schemaIssues(result.error);
  const located = await pool.run({ op: 'locate', text, limits, targets: found });
  const positions = located.ok && 'positions' in located ? located.positions : found.map(() => ({}));
  throw issuesError(file, found, positions);
}

/** At most this many schema problems are reported (and located) per document. */
const MAX_SCHEMA_ISSUES = 20;

interface SchemaIssue {
  path: KeyPath;
  /** Locate the key itself (an unknown key) rather than its value. */
  key: boolean;
  message: string;
}

function schemaIssues(error: z.ZodError): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], key: true, message: 'unknown key' });
    } else out.push({ path, key: false, message: issue.message });
  }
  if (out.length <= MAX_SCHEMA_ISSUES) return out;
  const more = out.length - MAX_SCHEMA_ISSUES;
  return [...out.slice(0, MAX_SCHEMA_ISSUES), { path: [], key: false, message: `and ${more} more problems` }];
}

function issuesError(file: string, found: SchemaIssue[], positions: readonly Position[]): ConfigError {
  return new ConfigError(
    file,
    found.map((f, i) => ({ path: formatPath(f.path), message: f.message, ...positions[i] })),
  );
}

function limitsOf(opts: ConfigParseOptions): ParseLimits {
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
