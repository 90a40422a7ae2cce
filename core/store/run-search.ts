/**
 * The searchable runs table (issue 13 §5): `runs` (backtest, replay, eval, calibrate, sweep) and
 * `training_runs` (kind 'train') as one list, filtered, sorted and paged in SQL.
 *
 * Invariants:
 * - The statement is assembled only from fixed fragments chosen by the (zod-validated) input's shape:
 *   column names come from SORT_COLUMNS, placeholders are counted from array lengths; every value a
 *   user typed (text, code version, dataset hash, dates, metric key) is a bound parameter, and LIKE
 *   patterns escape `%`, `_` and `\`.
 * - Each filter is applied inside each arm of the UNION ALL (so SQLite can use the arm's indexes:
 *   runs_by_kind, runs_by_status, runs_by_code_version, runs_by_dataset_hash, runs_by_created); an
 *   arm that cannot match (training runs under a dataset-hash filter, or a kinds filter without
 *   'train') is left out.
 * - A metric sort orders by a run's best value of the metric over its run-level and per-result rows
 *   (run_metrics, primary key (run_id, key, result_idx)): max, or min when `best` is 'min'; runs
 *   without the metric come last whatever the direction. Ties break newest first, then by id.
 * - Training statuses are mapped onto RunStatus: finished → completed, stopped → cancelled,
 *   paused → running.
 */
import type Database from 'better-sqlite3';
import type { RunSearchInput, RunSearchPage, RunSearchRow, RunStatus, SearchKind } from '../api/contract';

const SORT_COLUMNS: Readonly<Record<string, string>> = {
  createdAt: 'created_at',
  name: 'name COLLATE NOCASE',
  kind: 'kind',
  status: 'status',
  seed: 'seed',
};

const TRAIN_STATUS: Readonly<Record<RunStatus, readonly string[]>> = {
  completed: ['finished'],
  cancelled: ['stopped'],
  running: ['running', 'paused'],
  failed: ['failed'],
  incomplete: ['incomplete'],
};

interface SearchDbRow {
  id: string;
  kind: string;
  name: string;
  status: string;
  seed: number;
  code_version: string;
  dataset_hash: string | null;
  tags: string;
  created_at: string;
  finished_at: string | null;
  results: number;
  strategies: string;
  sort_value: number | null;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (ESCAPE '\'). */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const TEXT_FIELDS = ['name', 'strategy', 'scenario', 'config', 'tag', 'id'] as const;
type TextField = (typeof TEXT_FIELDS)[number] | 'any';

/**
 * The search text as terms, all of which must match (AND): whitespace-separated words, each searched in
 * the name, tags, id, config, strategies and scenarios, or only in one of them with a prefix
 * (`name:`, `strategy:`, `scenario:`, `config:`, `tag:`, `id:`); "double quotes" keep a phrase.
 * At most 8 terms (the input is ≤ 200 characters).
 */
export function textTerms(text: string): { field: TextField; value: string }[] {
  const out: { field: TextField; value: string }[] = [];
  const re = /(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;
  for (const m of text.matchAll(re)) {
    const prefix = m[1]?.toLowerCase();
    const value = (m[2] ?? m[3] ?? '').trim();
    if (value === '') continue;
    if (prefix !== undefined && (TEXT_FIELDS as readonly string[]).includes(prefix))
      out.push({ field: prefix as TextField, value });
    else out.push({ field: 'any', value: prefix !== undefined ? `${m[1]}:${value}` : value });
    if (out.length === 8) break;
  }
  return out;
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

interface Arm {
  where: string[];
  params: unknown[];
}

export function searchRuns(db: Database.Database, q: RunSearchInput): RunSearchPage {
  const kinds = q.kinds && q.kinds.length > 0 ? new Set<SearchKind>(q.kinds) : null;
  const runKinds = kinds ? [...kinds].filter((k) => k !== 'train') : null;
  const withRuns = runKinds === null || runKinds.length > 0;
  const text = q.text?.trim() ?? '';
  const codeVersion = q.codeVersion?.trim() ?? '';
  const datasetHash = q.datasetHash?.trim().toLowerCase() ?? '';
  const withTrain = (kinds === null || kinds.has('train')) && datasetHash === '';

  const r: Arm = { where: [], params: [] };
  const t: Arm = { where: [], params: [] };
  if (runKinds !== null && runKinds.length > 0) {
    r.where.push(`r.kind IN (${marks(runKinds.length)})`);
    r.params.push(...runKinds);
  }
  if (q.statuses && q.statuses.length > 0) {
    r.where.push(`r.status IN (${marks(q.statuses.length)})`);
    r.params.push(...q.statuses);
    const ts = q.statuses.flatMap((s) => TRAIN_STATUS[s]);
    t.where.push(`t.status IN (${marks(ts.length)})`);
    t.params.push(...ts);
  }
  if (codeVersion !== '') {
    const p = `${likeEscape(codeVersion)}%`;
    r.where.push(`r.code_version LIKE ? ESCAPE '\\'`);
    r.params.push(p);
    t.where.push(`t.code_version LIKE ? ESCAPE '\\'`);
    t.params.push(p);
  }
  if (datasetHash !== '') {
    r.where.push(`r.dataset_hash LIKE ? ESCAPE '\\'`);
    r.params.push(`${likeEscape(datasetHash)}%`);
  }
  for (const [bound, op] of [
    [q.from, '>='],
    [q.to, '<'],
  ] as const) {
    if (bound === undefined) continue;
    const iso = new Date(bound).toISOString();
    r.where.push(`r.created_at ${op} ?`);
    r.params.push(iso);
    t.where.push(`t.created_at ${op} ?`);
    t.params.push(iso);
  }
  for (const { field, value } of textTerms(text)) {
    const p = `%${likeEscape(value)}%`;
    const like = (col: string): string => `${col} LIKE ?1 ESCAPE '\\'`;
    const inResults = (col: string): string =>
      `EXISTS (SELECT 1 FROM run_results x WHERE x.run_id = r.id AND ${like(`x.${col}`)})`;
    const runSide: Record<TextField, string> = {
      any: `(${['r.name', 'r.tags', 'r.id', 'r.config_json'].map(like).join(' OR ')} OR ${inResults('strategy')} OR ${inResults('scenario')})`,
      name: like('r.name'),
      strategy: inResults('strategy'),
      scenario: inResults('scenario'),
      config: like('r.config_json'),
      tag: like('r.tags'),
      id: like('r.id'),
    };
    const trainSide: Record<TextField, string> = {
      any: `(${['t.name', 't.algo', 't.id', 't.config_json'].map(like).join(' OR ')})`,
      name: like('t.name'),
      strategy: '0 AND ?1 IS NULL',
      scenario: '0 AND ?1 IS NULL',
      config: like('t.config_json'),
      tag: like('t.algo'),
      id: like('t.id'),
    };
    r.where.push(runSide[field]);
    r.params.push(p);
    t.where.push(trainSide[field]);
    t.params.push(p);
  }

  // better-sqlite3 binds named parameters (@pN) from one object: each arm's marks are renamed in order.
  const bind: Record<string, unknown> = {};
  let n = 0;
  const name = (v: unknown): string => {
    n++;
    bind[`p${n}`] = v;
    return `@p${n}`;
  };
  const build = (arm: Arm): string => {
    let pi = 0;
    const parts = arm.where.map((w) => {
      // A fragment has plain '?' marks, or one value reused as '?1'.
      if (w.includes('?1')) {
        const m = name(arm.params[pi++]);
        return w.replaceAll('?1', m);
      }
      return w.replace(/\?/g, () => name(arm.params[pi++]));
    });
    return parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '';
  };

  const metricSort = !(q.sortBy in SORT_COLUMNS);
  const agg = q.best === 'min' ? 'min' : 'max';
  const arms: string[] = [];
  if (withRuns) {
    const where = build(r);
    const sortValue = metricSort
      ? `(SELECT ${agg}(m.value) FROM run_metrics m WHERE m.run_id = r.id AND m.key = ${name(q.sortBy)})`
      : 'NULL';
    arms.push(`SELECT r.id, r.kind, r.name, r.status, r.seed, r.code_version, r.dataset_hash, r.tags,
        r.created_at, r.finished_at, ${sortValue} AS sort_value
      FROM runs r ${where}`);
  }
  if (withTrain) {
    const where = build(t);
    arms.push(`SELECT t.id, 'train' AS kind, t.name,
        CASE t.status WHEN 'finished' THEN 'completed' WHEN 'stopped' THEN 'cancelled'
          WHEN 'paused' THEN 'running' ELSE t.status END AS status,
        t.seed, t.code_version, NULL AS dataset_hash, t.algo AS tags, t.created_at,
        CASE WHEN t.status IN ('running', 'paused') THEN NULL ELSE t.updated_at END AS finished_at,
        NULL AS sort_value
      FROM training_runs t ${where}`);
  }
  if (arms.length === 0) return { total: 0, rows: [] };

  const union = arms.join('\nUNION ALL\n');
  // The count reads only the filtered rows' ids (no per-row subquery); the page's strategy rows are
  // looked up for its ≤ limit rows only, after the sort and the limit.
  const countSql = arms.map((a) => `SELECT 1 FROM ${a.slice(a.lastIndexOf('\n      FROM ') + 12)}`);
  const counter = db
    .prepare<unknown[], number>(`SELECT count(*) FROM (${countSql.join(' UNION ALL ')})`)
    .pluck();
  const total = Number(counter.get(...(n > 0 ? [bind] : [])));
  const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC';
  const order = metricSort
    ? `sort_value IS NULL, sort_value ${dir}, created_at DESC, id`
    : `${SORT_COLUMNS[q.sortBy] ?? 'created_at'} ${dir}, created_at DESC, id`;
  const rows = db
    .prepare<[Record<string, unknown>], SearchDbRow>(
      `SELECT p.*,
         CASE WHEN p.kind = 'train' THEN 0
           ELSE (SELECT count(*) FROM run_results x WHERE x.run_id = p.id) END AS results,
         CASE WHEN p.kind = 'train' THEN '[]'
           ELSE (SELECT json_group_array(strategy) FROM
             (SELECT x.strategy FROM run_results x WHERE x.run_id = p.id ORDER BY x.idx)) END AS strategies
       FROM (SELECT * FROM (${union}) ORDER BY ${order} LIMIT @limit OFFSET @offset) p
       ORDER BY ${order}`,
    )
    .all({ ...bind, limit: q.limit, offset: q.offset });
  return { total, rows: rows.map(toRow) };
}

function toRow(d: SearchDbRow): RunSearchRow {
  let strategies: string[] = [];
  try {
    strategies = JSON.parse(d.strategies) as string[];
  } catch {
    strategies = [];
  }
  return {
    id: d.id,
    kind: d.kind as SearchKind,
    name: d.name,
    status: d.status as RunStatus,
    seed: d.seed,
    codeVersion: d.code_version,
    datasetHash: d.dataset_hash,
    tags: d.tags === '' ? [] : d.tags.split(' '),
    createdAt: d.created_at,
    finishedAt: d.finished_at,
    results: d.results,
    strategies,
    sortValue: d.sort_value,
  };
}
