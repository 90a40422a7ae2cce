/**
 * Parse a YAML (or JSON) configuration against a zod schema, with errors that name the file, the line
 * and the key path, e.g.
 *   resources/configs/as2008.yaml:12:5: scenario.intensity.k: Too small: expected number to be >0
 * Unknown keys are rejected by the schemas (strict objects) and reported at the unknown key's line.
 * Nothing is returned on any error, so a caller never acts on a half-valid config.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isNode, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

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

/** Parse config text; `file` is used in messages only. Throws ConfigError. */
export function parseConfigText<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return {
          path: '',
          message: `YAML syntax: ${first}`,
          line: pos?.line,
          col: pos?.col,
        };
      }),
    );
  }
  const data: unknown = doc.toJS();
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = locate(doc, lineCounter, [...issue.path, key], true);
        issues.push({ path: formatPath([...issue.path, key]), message: 'unknown key', ...at });
      }
      continue;
    }
    const at = locate(doc, lineCounter, issue.path, false);
    issues.push({ path: formatPath(issue.path), message: issue.message, ...at });
  }
  throw new ConfigError(file, issues);
}

/** Read and parse a config file. Throws ConfigError (also for an unreadable file). */
export function loadConfigFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(e as Error).message}` }]);
  }
  return parseConfigText(text, path, schema);
}

/** Find the line of a key path in the document; for a missing key, fall back to its nearest parent. */
function locate(
  doc: Document,
  lc: LineCounter,
  path: readonly PropertyKey[],
  keyPosition: boolean,
): { line?: number; col?: number } {
  let node: unknown = doc.contents;
  let lastFound: Node | null = isNode(node) ? node : null;
  let keyNode: Node | null = null;
  for (const p of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isNode(it.key) && (it.key as { value?: unknown }).value === p);
      if (!pair) break;
      keyNode = isNode(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node) && typeof p === 'number') {
      node = node.items[p];
      keyNode = null;
    } else break;
    if (isNode(node)) lastFound = node;
  }
  const target = keyPosition && keyNode ? keyNode : lastFound;
  const offset = target?.range?.[0];
  if (offset === undefined) return {};
  const pos = lc.linePos(offset);
  return { line: pos.line, col: pos.col };
}
