/**
 * Recording a job as a tracked run (issue 13 §5): evaluations, calibrations and sweeps, from the CLI
 * and from the app's services alike. `RunRecorder.start` creates the `runs` row (config, seed, code
 * version, dataset hash, tags) before the work begins; the job logs metrics over time as it goes
 * (`steps`); it ends exactly once with `complete` (results, run-level metrics and the files it wrote,
 * hashed here by path, size and SHA-256), `cancel` or `fail`, each one transaction
 * (RunRepository.end). A process killed in between leaves the run 'running', which the next openStore
 * turns 'incomplete' (run-ownership.ts).
 *
 * Files: a directory (a checkpoint) is recorded as every regular file under it; a path that no longer
 * exists is left out and named in `missing` (a results JSON the user moved is not an error of the run).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunRow } from '../api/contract';
import {
  hashFile,
  type NewRun,
  type ResultInput,
  type RunFileInput,
  type RunRepository,
} from './run-repository';

/** At most this many files are recorded per run (a checkpoint directory is a handful). */
export const MAX_RECORDED_FILES = 1000;

export interface RecordedOutcome {
  results?: readonly ResultInput[];
  metrics?: Readonly<Record<string, number>>;
  /** Files or directories the job wrote. */
  files?: readonly string[];
}

export class RunRecorder {
  private ended = false;
  /** Paths given to complete() that did not exist. */
  readonly missing: string[] = [];

  private constructor(
    private readonly runs: RunRepository,
    readonly run: RunRow,
  ) {}

  static start(runs: RunRepository, input: NewRun): RunRecorder {
    return new RunRecorder(runs, runs.create(input));
  }

  get id(): string {
    return this.run.id;
  }

  /** Metrics over time; ignored once the run has ended. */
  steps(key: string, points: readonly (readonly [number, number])[]): void {
    if (!this.ended) this.runs.logSteps(this.run.id, key, points);
  }

  async complete(outcome: RecordedOutcome = {}): Promise<RunRow> {
    const files = await this.hashAll(outcome.files ?? []);
    return this.end({
      status: 'completed',
      ...(outcome.results ? { results: outcome.results } : {}),
      ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
      files,
    });
  }

  cancel(metrics?: Readonly<Record<string, number>>): RunRow {
    return this.end({ status: 'cancelled', ...(metrics ? { metrics } : {}) });
  }

  fail(error: unknown, metrics?: Readonly<Record<string, number>>): RunRow {
    const message = error instanceof Error ? error.message : String(error);
    return this.end({ status: 'failed', error: message, ...(metrics ? { metrics } : {}) });
  }

  private end(o: Parameters<RunRepository['end']>[1]): RunRow {
    if (this.ended) throw new Error(`run ${this.run.id} was already ended`);
    const row = this.runs.end(this.run.id, o);
    this.ended = true;
    return row;
  }

  private async hashAll(paths: readonly string[]): Promise<RunFileInput[]> {
    const out: RunFileInput[] = [];
    const seen = new Set<string>();
    for (const p of paths) {
      for (const f of listFiles(path.resolve(p))) {
        if (f === null) {
          this.missing.push(p);
          continue;
        }
        if (seen.has(f) || out.length >= MAX_RECORDED_FILES) continue;
        seen.add(f);
        out.push(await hashFile(f));
      }
    }
    return out;
  }
}

/** A file, or the regular files under a directory (sorted); [null] when the path does not exist. */
function listFiles(p: string): (string | null)[] {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (st === undefined) return [null];
  if (st.isFile()) return [p];
  if (!st.isDirectory()) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(p);
  return out;
}

/** Mean and interval of each metric as flat keys: `k` (mean), `k.low`, `k.high`; non-finite left out. */
export function meanCiMetrics(
  summary: Readonly<Record<string, { mean: number; low: number; high: number }>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(summary)) {
    if (Number.isFinite(v.mean)) out[k] = v.mean;
    if (Number.isFinite(v.low)) out[`${k}.low`] = v.low;
    if (Number.isFinite(v.high)) out[`${k}.high`] = v.high;
  }
  return out;
}

/** Only the finite numbers of an object (a RunMetrics may hold NaN: a flat PnL's Sharpe). */
export function finiteNumbers(o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** A JSON value with object keys sorted (the canonical config a run stores). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}
