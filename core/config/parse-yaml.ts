/**
 * YAML text → plain JS data under limits, the part of config loading that can cost time: shared by
 * the in-thread path (CLI) and the parse worker (server, app). Every failure is a list of ConfigIssue
 * (position where known), never an exception from the `yaml` library.
 *
 * Guards, in order (each is linear in the text or cheaper than the step it protects):
 * 1. Size: at most `maxBytes` of UTF-8.
 * 2. Pre-scan of the raw text for flow nesting (`[[[[…`, `{{{{…`): parseDocument's time grows with
 *    it (300,000 brackets ≈ 4–6 s), so an obvious case is refused before parsing. The scan is a
 *    best-effort fast path (quotes and comments are recognised in flow context only); the guarantee
 *    against slow documents is that the server parses in a worker with a timeout (parse-pool.ts).
 * 3. After parsing, an iterative walk of the syntax tree: nesting depth ≤ `maxDepth`, and map keys
 *    must be scalars (a collection key is stringified by toJS, which is super-linear: `? ? ? …` of
 *    800 bytes takes minutes), aliases are not keys.
 * 4. toJS with `maxAliasCount` (alias expansion: "billion laughs").
 * 5. Anything the library still throws (stack overflow, …) becomes a ConfigIssue.
 */
import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

export interface ParseLimits {
  /** Largest accepted document, in bytes of UTF-8. */
  maxBytes: number;
  /** Deepest accepted nesting of collections (flow or block). */
  maxDepth: number;
  /** yaml's maxAliasCount: how many alias resolutions toJS may perform (bounds expansion). */
  maxAliases: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxAliases: 100,
});

/** Where a problem is, 1-based; both absent when unknown. */
export interface Position {
  line?: number;
  col?: number;
}

/** A problem found while parsing (path '' = the document itself). */
export interface ParseIssue extends Position {
  path: string;
  message: string;
}

/** A key path as it crosses a thread boundary. */
export type KeyPath = readonly (string | number)[];

export type ParseOutcome = { ok: true; data: unknown } | { ok: false; issues: ParseIssue[] };

/** At most this many YAML syntax errors are reported (a broken document can produce thousands). */
const MAX_SYNTAX_ISSUES = 10;

export interface ParsedYaml {
  data: unknown;
  doc: Document;
  lineCounter: LineCounter;
}

/** Parse under limits. Never throws for any input text. */
export function parseYaml(
  text: string,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): { ok: true; parsed: ParsedYaml } | { ok: false; issues: ParseIssue[] } {
  const fail = (message: string, at: Position = {}): { ok: false; issues: ParseIssue[] } => ({
    ok: false,
    issues: [{ path: '', message, ...at }],
  });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return fail(`the document is ${bytes} bytes, more than the limit of ${limits.maxBytes} bytes`);
  }
  const deep = scanFlowNesting(text, limits.maxDepth);
  if (deep) return fail(`nesting deeper than ${limits.maxDepth} levels`, deep);
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    return fail(libraryFailure(e));
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.slice(0, MAX_SYNTAX_ISSUES).map((e) => {
        const pos = e.linePos?.[0];
        const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        const message = /Maximum call stack/i.test(first) ? 'nesting too deep for the parser' : first;
        return { path: '', message: `YAML syntax: ${message}`, line: pos?.line, col: pos?.col };
      }),
    };
  }
  const shape = checkTree(doc, limits.maxDepth);
  if (shape) {
    return fail(shape.message, shape.offset === undefined ? {} : lineCounter.linePos(shape.offset));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (e) {
    if (e instanceof ReferenceError && /alias count/i.test(e.message)) {
      const at = firstAliasOffset(doc);
      return fail(
        `alias expansion too large: more than ${limits.maxAliases} alias uses ` +
          '(a document whose aliases expand exponentially is refused)',
        at === undefined ? {} : lineCounter.linePos(at),
      );
    }
    return fail(libraryFailure(e));
  }
  return { ok: true, parsed: { data, doc, lineCounter } };
}

/** Parse and return plain data (what the worker sends back). Never throws. */
export function parseYamlData(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParseOutcome {
  const r = parseYaml(text, limits);
  return r.ok ? { ok: true, data: r.parsed.data } : r;
}

/** Positions of key paths in a parsed document (see locate). */
export function locateAll(
  parsed: Pick<ParsedYaml, 'doc' | 'lineCounter'>,
  targets: readonly { path: KeyPath; key: boolean }[],
): Position[] {
  return targets.map((t) => locate(parsed.doc, parsed.lineCounter, t.path, t.key));
}

/**
 * Find the line of a key path in the document; for a missing key, fall back to its nearest parent.
 * `keyPosition`: the position of the key itself (an unknown key) rather than of its value.
 */
export function locate(doc: Document, lc: LineCounter, path: KeyPath, keyPosition: boolean): Position {
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

function libraryFailure(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'nesting too deep for the parser';
  return `cannot parse the document: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Linear scan for flow-collection nesting deeper than `max`; the position of the first bracket past
 * the limit, or null. Every `[`/`{` outside comments and quoted scalars counts (an upper bound: one in
 * a plain scalar like `a[b` counts too). A quoted scalar is recognised where one can start: first on a
 * line, after `[`, `{` or `,` in flow context, or after `: `, `- `, `? `. Best effort: a plain scalar
 * containing ` - "` can make it skip text; the worker timeout is the guarantee.
 */
export function scanFlowNesting(text: string, max: number): Position | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | null = null;
  /** Last non-blank character outside quotes on this line ('' at the start of a line). */
  let prev = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      prev = '';
      continue;
    }
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        quote = null;
        prev = c;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    const afterBlank = prev === '' || /[ \t]/.test(text[i - 1] ?? ' ');
    if (c === '#' && afterBlank) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl - 1;
      continue;
    }
    if (c === '[' || c === '{') {
      depth++;
      if (depth > max) return { line, col: i - lineStart + 1 };
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth--;
    } else if (
      (c === '"' || c === "'") &&
      (prev === '' || (depth > 0 && '[{,'.includes(prev)) || (afterBlank && ':-?'.includes(prev)))
    ) {
      quote = c;
    }
    prev = c ?? '';
  }
  return null;
}

/**
 * Iterative walk of the syntax tree (no recursion: the tree may be deep): the first collection deeper
 * than `maxDepth`, or a map key that is not a plain scalar. null when the tree is acceptable.
 */
function checkTree(doc: Document, maxDepth: number): { message: string; offset?: number } | null {
  const stack: [unknown, number][] = [[doc.contents, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (isMap(node) || isSeq(node)) {
      const d = depth + 1;
      if (d > maxDepth) return { message: `nesting deeper than ${maxDepth} levels`, offset: node.range?.[0] };
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          const key: unknown = item.key;
          if (key !== null && key !== undefined && !isScalar(key)) {
            return {
              message: isAlias(key)
                ? 'an alias cannot be a key'
                : 'a key must be a plain value (complex keys are not supported)',
              offset: isNode(key) ? key.range?.[0] : undefined,
            };
          }
          stack.push([item.value, d]);
        } else stack.push([item, d]);
      }
    }
  }
  return null;
}

function firstAliasOffset(doc: Document): number | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return node.range?.[0];
    if (isMap(node) || isSeq(node)) {
      for (const item of [...(node.items as unknown[])].reverse()) {
        if (isPair(item)) stack.push(item.value, item.key);
        else stack.push(item);
      }
    }
  }
  return undefined;
}
