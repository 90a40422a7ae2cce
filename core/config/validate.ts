/**
 * Parsed YAML → schema-checked config, with every schema problem located in the document (line and
 * column of the key or value). Shared by the in-thread parser and the parse worker, so both give the
 * same messages. At most MAX_SCHEMA_ISSUES problems are reported (a document of 10,000 bad entries
 * would otherwise cost as much to report as to parse).
 */
import type { z } from 'zod';
import { locateAll, type KeyPath, type ParsedYaml, type ParseIssue } from './parse-yaml';

/** At most this many schema problems are reported (and located) per document. */
export const MAX_SCHEMA_ISSUES = 20;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export type Validated<T> = { ok: true; data: T } | { ok: false; issues: ParseIssue[] };

export function validateParsed<S extends z.ZodType>(parsed: ParsedYaml, schema: S): Validated<z.output<S>> {
  const result = schema.safeParse(parsed.data);
  if (result.success) return { ok: true, data: result.data as z.output<S> };
  const all = schemaIssues(result.error);
  const found = all.slice(0, MAX_SCHEMA_ISSUES);
  const positions = locateAll(parsed, found);
  const issues: ParseIssue[] = found.map((f, i) => ({
    path: formatPath(f.path),
    message: f.message,
    ...positions[i],
  }));
  const more = all.length - found.length;
  if (more > 0) issues.push({ path: '', message: `and ${more} more problems` });
  return { ok: false, issues };
}

/** Check data that did not come from YAML (a config object): issues carry key paths, no positions. */
export function validateData<S extends z.ZodType>(data: unknown, schema: S): Validated<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data as z.output<S> };
  const all = schemaIssues(result.error);
  const issues: ParseIssue[] = all
    .slice(0, MAX_SCHEMA_ISSUES)
    .map((f) => ({ path: formatPath(f.path), message: f.message }));
  const more = all.length - issues.length;
  if (more > 0) issues.push({ path: '', message: `and ${more} more problems` });
  return { ok: false, issues };
}

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
  return out;
}
