/**
 * Config parsing off the caller's thread: the named schemas (schemas.ts) are checked in a worker pool
 * (parse-pool.ts) with a timeout, so no document can stall a service's event loop. This sits above
 * core/config (generic YAML + zod with locations) and above the layers whose schemas it names
 * (core/backtest, core/rl), so those layers never import it.
 */
import { ConfigError, limitsOf, type ConfigIssue, type ConfigParseOptions } from '../config/load-config';
import { sharedParsePool, type ParsePool } from './parse-pool';
import type { ConfigOf, ConfigSchemaName } from './schemas';

export { closeSharedParsePool, setParseWorkerEntry, warmSharedParsePool } from './parse-pool';
export type { ConfigSchemaName } from './schemas';

/** Options of the async parsers: limits, and the worker pool (default: the process-wide one). */
export interface AsyncParseOptions extends ConfigParseOptions {
  pool?: ParsePool;
}

/**
 * Parse and check config text against the named schema (schemas.ts) in a worker thread
 * (parse-pool.ts), so that no document can stall the caller's event loop: neither the YAML work nor
 * the schema check of a large document runs here. Same results and messages as parseConfigText,
 * plus a ConfigError when the worker takes too long on a document.
 */
export async function parseConfigTextAsync<N extends ConfigSchemaName>(
  text: string,
  file: string,
  schema: N,
  opts: AsyncParseOptions = {},
): Promise<ConfigOf<N>> {
  const pool = opts.pool ?? sharedParsePool();
  const reply = await pool.run({ text, limits: limitsOf(opts), schema });
  if (!reply.ok) throw new ConfigError(file, reply.issues);
  return reply.data as ConfigOf<N>;
}

/**
 * Check a config object (e.g. from a JSON API message) against the named schema in the parse worker,
 * so that a large object is not validated on the caller's event loop. The issues carry key paths
 * (no positions); at most 20 are reported.
 */
export async function checkConfigDataAsync<N extends ConfigSchemaName>(
  data: unknown,
  schema: N,
  opts: Pick<AsyncParseOptions, 'pool'> = {},
): Promise<{ ok: true; data: ConfigOf<N> } | { ok: false; issues: ConfigIssue[] }> {
  const pool = opts.pool ?? sharedParsePool();
  const reply = await pool.run({ data, schema });
  return reply.ok ? { ok: true, data: reply.data as ConfigOf<N> } : { ok: false, issues: reply.issues };
}
