/**
 * The write side of sweeps for the app (issue 13 §3 and §6): `sweeps.start` runs a sweep or stress sweep
 * given as YAML text or an object, `sweeps.cancel` stops it, `sweeps.openCell` turns one heatmap cell
 * into a stored backtest run with series (and, for a stressed cell, its base too), `sweeps.presets`
 * lists the shipped sweep configs.
 *
 * Same code path as `quotebench sweep|stress` (core/cli/sweep.ts): the config schemas of
 * core/sweep/config.ts, `expandSweep`, and `runSweepLocal` (a worker-thread pool over the store, cells
 * keyed by config hash + seed, so a sweep started again resumes). Progress goes out on `sweep.progress`
 * (cells done / total, at most PROGRESS_HZ a second plus the first and last), the end on `sweep.done`.
 *
 * The app's bounds (the CLI has none of them): one sweep runs at a time; a sweep has at most
 * MAX_APP_SWEEP_CELLS cells and MAX_APP_SWEEP_PAIRS scenario × strategy pairs, counted on the raw
 * document before the schema runs (the schema checks every pair as a backtest on this thread). `file:`
 * names a shipped config (resources/configs) or a scenario saved from a calibration, by file name only;
 * a policy's `checkpoint` is relative to the data directory's training folder and may not leave it.
 *
 * Opening a cell: a cell stores only metrics, so its config (the stored sweep re-expanded, the cell found
 * by scenario, strategy index and seed) is run again as a regular backtest with its first paths kept for
 * charts: the same engine, config and seed, so its metrics are the stored cell's, bit for bit (tested).
 * The run carries the artifact `sweep-cell/<cell key>`, which is how a second click finds it instead of
 * computing it again (deleting the run deletes the artifact with it).
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import {
  ApiException,
  type SweepCellRun,
  type SweepCellRuns,
  type SweepPreset,
  type SweepStarted,
} from '../api/contract';
import type { EventBus } from '../api/registry';
import type { BacktestConfig } from '../backtest/config';
import { ConfigError } from '../config/load-config';
import { DEFAULT_PARSE_LIMITS, parseYaml } from '../config/parse-yaml';
import { validateData, validateParsed } from '../config/validate';
import { JobCancelledError, type JobRunner } from '../jobs/job-runner';
import { codeVersion } from '../store/code-version';
import type { Store } from '../store/db';
import { expandSweep, type SweepCell, type SweepPlan } from '../sweep/cells';
import { stressSweepConfigSchema, sweepConfigSchema, type SweepPlanInput } from '../sweep/config';
import { runSweepLocal } from '../sweep/local';
import { backtestOf } from '../sweep/run-cell';
import type { SweepProgress } from '../sweep/sweep-run';
import { defaultConfigsDir } from './presets';
import { strategySpecLabel } from './sweep-view';

/** Cells one app sweep may have (scenarios × strategies × seeds); larger sweeps are the CLI's. */
export const MAX_APP_SWEEP_CELLS = 4096;
/** Scenario × strategy pairs one app sweep may have (each is checked as a backtest when parsed). */
export const MAX_APP_SWEEP_PAIRS = 256;
/** Paths kept for charts when a cell is opened. */
export const OPEN_CELL_KEPT_PATHS = 3;
/** Cells being opened (run for their charts) at once; more are refused until one is done. */
export const MAX_OPENING_CELLS = 8;
const PROGRESS_HZ = 10;
const ARTIFACT_PREFIX = 'sweep-cell/';

export interface SweepServiceOptions {
  store: Store;
  bus: EventBus;
  /** The backtest pool (opened cells run there as regular backtests). */
  jobs: JobRunner;
  /** Shipped configs (`file:` names); default resources/configs. */
  configsDir?: string;
  /** Scenarios saved from calibrations (`file:` names, looked up first). */
  scenariosDir?: string;
  /** The cell worker entry (Electron passes its bundled file); default core/sweep/cell-worker.ts. */
  cellWorkerEntry?: URL;
  /** Worker threads of a sweep (default: cores − 1, at least 1). */
  workers?: number;
}

export interface SweepStartInput {
  yaml?: string | undefined;
  config?: unknown;
  kind?: 'sweep' | 'stress' | undefined;
  file?: string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A stress sweep has a base `scenario` and `stresses`; a sweep a `scenarios` list. */
function kindOf(data: unknown): 'sweep' | 'stress' {
  return isObject(data) && ('stresses' in data || 'scenario' in data) ? 'stress' : 'sweep';
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

/** How many concrete strategies a raw `strategies` entry expands to (1 when it cannot tell). */
function gridSize(s: unknown): number {
  if (!isObject(s) || s.type === 'policy') return 1;
  let n = 1;
  for (const v of Object.values(s)) if (Array.isArray(v)) n *= Math.max(1, v.length);
  return n;
}

/**
 * How many scenario × strategy pairs a raw sweep or stress-sweep document expands to (a stress sweep's
 * base scenario counts as one).
 */
function pairCount(doc: Record<string, unknown>, kind: 'sweep' | 'stress'): number {
  const scenarios =
    kind === 'stress'
      ? 1 + (Array.isArray(doc.stresses) ? doc.stresses.length : 0)
      : Array.isArray(doc.scenarios)
        ? doc.scenarios.length
        : 0;
  const strategies = Array.isArray(doc.strategies)
    ? doc.strategies.reduce((n: number, s) => n + gridSize(s), 0)
    : 0;
  return scenarios * strategies;
}

/**
 * Check the raw document before the schema (which reads files and checks every pair): the size of the
 * sweep, and the `file:` and `checkpoint:` references, rewritten to absolute paths inside the allowed
 * folders. Throws ConfigError naming the key.
 */
function precheck(
  data: unknown,
  kind: 'sweep' | 'stress',
  file: string,
  dirs: { configs: string; scenarios: string | undefined; training: string },
): void {
  if (!isObject(data)) return; // the schema reports it
  const fail = (p: string, message: string): never => {
    throw new ConfigError(file, [{ path: p, message }]);
  };
  const scenarioEntries: [string, unknown][] =
    kind === 'stress'
      ? [['scenario', data.scenario]]
      : Array.isArray(data.scenarios)
        ? data.scenarios.map((e, i) => [`scenarios[${i}]`, e])
        : [];
  for (const [at, e] of scenarioEntries) {
    if (!isObject(e) || !('file' in e)) continue;
    const name = e.file;
    if (typeof name !== 'string') continue; // the schema reports it
    if (!FILE_NAME.test(name))
      fail(
        `${at}.file`,
        `in the app, file: is the name of a shipped config or of a saved scenario (e.g. as2008.yaml), without a folder`,
      );
    const saved = dirs.scenarios !== undefined ? path.join(dirs.scenarios, name) : undefined;
    const resolved = saved !== undefined && existsSync(saved) ? saved : path.join(dirs.configs, name);
    if (!existsSync(resolved)) fail(`${at}.file`, `no shipped config or saved scenario named ${name}`);
    e.file = resolved;
  }
  const strategies = Array.isArray(data.strategies) ? data.strategies : [];
  strategies.forEach((s, i) => {
    if (!isObject(s) || s.type !== 'policy' || typeof s.checkpoint !== 'string') return;
    const resolved = path.resolve(dirs.training, s.checkpoint);
    const rel = path.relative(dirs.training, resolved);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
      fail(
        `strategies[${i}].checkpoint`,
        'in the app, checkpoint: is a training run id (or a checkpoint inside one) under the data directory',
      );
    s.checkpoint = resolved;
  });
  const pairs = pairCount(data, kind);
  const seeds = Array.isArray(data.seeds) ? data.seeds.length : 0;
  if (pairs > MAX_APP_SWEEP_PAIRS)
    fail(
      'strategies',
      `${pairs} scenario × strategy pairs: the app runs at most ${MAX_APP_SWEEP_PAIRS} (use quotebench ${kind} for larger sweeps)`,
    );
  if (pairs * seeds > MAX_APP_SWEEP_CELLS)
    fail(
      'seeds',
      `${pairs * seeds} cells: the app runs at most ${MAX_APP_SWEEP_CELLS} (use quotebench ${kind} for larger sweeps)`,
    );
}

interface Running {
  id: string;
  controller: AbortController;
  done: Promise<void>;
}

export class SweepService {
  private running: Running | null = null;
  private readonly opening = new Map<string, Promise<SweepCellRun>>();
  private readonly configsDir: string;

  constructor(private readonly opts: SweepServiceOptions) {
    this.configsDir = opts.configsDir ?? defaultConfigsDir();
  }

  /** The shipped sweep and stress-sweep configs (resources/configs with a top-level `seeds`). */
  presets(): SweepPreset[] {
    return loadSweepPresets(this.configsDir);
  }

  /** Parse, expand and check a sweep config as `quotebench sweep|stress` does (errors name the key). */
  plan(input: SweepStartInput): SweepPlan {
    const file = input.file ?? 'sweep.yaml';
    let data: unknown;
    let parsed: Extract<ReturnType<typeof parseYaml>, { ok: true }>['parsed'] | undefined;
    if (input.yaml !== undefined) {
      const r = parseYaml(input.yaml, DEFAULT_PARSE_LIMITS);
      if (!r.ok) throw new ConfigError(file, r.issues);
      parsed = r.parsed;
      data = r.parsed.data;
    } else if (input.config !== undefined) {
      data = structuredClone(input.config);
    } else throw new ApiException('invalid_input', 'give yaml or config', 'yaml');
    const kind = input.kind ?? kindOf(data);
    precheck(data, kind, file, {
      configs: this.configsDir,
      scenarios: this.opts.scenariosDir,
      training: path.join(this.opts.store.dataDir, 'training'),
    });
    const schema =
      kind === 'stress' ? stressSweepConfigSchema(this.configsDir) : sweepConfigSchema(this.configsDir);
    const v = parsed !== undefined ? validateParsed(parsed, schema) : validateData(data, schema);
    if (!v.ok) throw new ConfigError(file, v.issues);
    return expandSweep(v.data as SweepPlanInput);
  }

  /** `sweeps.start`: record the sweep, run its missing cells in the background; one sweep at a time. */
  start(input: SweepStartInput): SweepStarted {
    if (this.running !== null)
      throw new ApiException(
        'conflict',
        `sweep ${this.running.id} is still running: wait for it or cancel it first`,
        'yaml',
      );
    const plan = this.plan(input);
    const controller = new AbortController();
    const id = plan.id;
    const total = plan.cells.length;
    let last = -Infinity;
    let first = true;
    const onProgress = (p: SweepProgress): void => {
      const now = performance.now();
      if (!first && p.done < p.total && now - last < 1000 / PROGRESS_HZ) return;
      first = false;
      last = now;
      this.opts.bus.emit('sweep.progress', {
        sweepId: id,
        done: p.done,
        total: p.total,
        skipped: p.skipped,
        failed: p.failed,
        last: p.last ?? null,
      });
    };
    const workers = this.opts.workers ?? Math.max(1, os.availableParallelism() - 1);
    const done = runSweepLocal(this.opts.store, plan, {
      workers,
      signal: controller.signal,
      dataDir: this.opts.store.dataDir,
      onProgress,
      ...(this.opts.cellWorkerEntry !== undefined ? { workerEntry: this.opts.cellWorkerEntry } : {}),
    })
      .then(
        (o) =>
          this.opts.bus.emit('sweep.done', {
            sweepId: id,
            status: o.status,
            computed: o.computed,
            skipped: o.skipped,
            failed: o.failures.length,
            error:
              o.error ??
              (o.failures.length > 0
                ? `${o.failures.length} of ${total} cells failed; first: ${o.failures[0]?.error ?? ''}`
                : null),
          }),
        (e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          try {
            this.opts.store.sweeps.finish(id, 'failed', message);
          } catch {
            // the store is closing
          }
          this.opts.bus.emit('sweep.done', {
            sweepId: id,
            status: 'failed',
            computed: 0,
            skipped: 0,
            failed: 0,
            error: message,
          });
        },
      )
      .finally(() => {
        if (this.running?.id === id) this.running = null;
      });
    this.running = { id, controller, done };
    return { sweepId: id, name: plan.name, kind: plan.kind, cells: total };
  }

  /** `sweeps.cancel`: stop the running sweep (its finished cells stay; starting it again resumes). */
  cancel(id: string): { cancelled: boolean } {
    if (this.running?.id !== id) return { cancelled: false };
    this.running.controller.abort();
    return { cancelled: true };
  }

  /** The id of the running sweep, if any. */
  get runningId(): string | null {
    return this.running?.id ?? null;
  }

  /**
   * `sweeps.openCell`: the stored run of a cell (run now if it has none), and for a stressed cell of a
   * stress sweep the run of the base scenario's cell with the same strategy and seed.
   */
  async openCell(input: {
    id: string;
    scenario: string;
    strategyIndex: number;
    seed?: number | undefined;
  }): Promise<SweepCellRuns> {
    const row = this.opts.store.sweeps.get(input.id);
    if (!row) throw new ApiException('not_found', `no sweep ${input.id}`, 'id');
    const cfg = this.opts.store.sweeps.config(input.id);
    let plan: SweepPlan;
    try {
      plan = expandSweep({ ...(cfg as SweepPlanInput), kind: row.kind, name: row.name });
    } catch (e) {
      throw new ApiException(
        'unavailable',
        `the sweep's config cannot be expanded any more: ${(e as Error).message}`,
        'id',
      );
    }
    const seed = input.seed ?? plan.seeds[0] ?? 0;
    if (!plan.seeds.includes(seed))
      throw new ApiException('not_found', `seed ${seed} is not one of the sweep's seeds`, 'seed');
    const find = (scenario: string): SweepCell | undefined =>
      plan.cells.find(
        (c) => c.scenario === scenario && c.strategyIndex === input.strategyIndex && c.seed === seed,
      );
    const cell = find(input.scenario);
    if (!cell)
      throw new ApiException(
        'not_found',
        `the sweep has no cell ${input.scenario} × strategy ${input.strategyIndex}`,
        'scenario',
      );
    const baseName =
      plan.kind === 'stress' ? plan.scenarios.find((s) => s.stress === 'base')?.name : undefined;
    const baseCell = baseName !== undefined && baseName !== cell.scenario ? find(baseName) : undefined;
    const [run, base] = await Promise.all([
      this.cellRun(plan, cell),
      baseCell ? this.cellRun(plan, baseCell) : Promise.resolve(null),
    ]);
    return { sweepId: plan.id, seed, seeds: [...plan.seeds], run, base };
  }

  private cellRun(plan: SweepPlan, cell: SweepCell): Promise<SweepCellRun> {
    let p = this.opening.get(cell.key);
    if (!p) {
      if (this.opening.size >= MAX_OPENING_CELLS)
        throw new ApiException(
          'limit_exceeded',
          `${this.opening.size} cells are being opened: wait for one to finish`,
          'scenario',
        );
      p = this.computeCellRun(plan, cell).finally(() => this.opening.delete(cell.key));
      this.opening.set(cell.key, p);
    }
    return p;
  }

  private async computeCellRun(plan: SweepPlan, cell: SweepCell): Promise<SweepCellRun> {
    const store = this.opts.store;
    const strategy = plan.strategies[cell.strategyIndex];
    const label = strategy ? strategySpecLabel(strategy) : cell.config.strategy.type;
    const storedCell = store.sweeps.cells([cell.key])[0];
    const describe = (runId: string, cached: boolean): SweepCellRun => ({
      runId,
      cached,
      cellKey: cell.key,
      scenario: cell.scenario,
      stress: cell.stress ?? null,
      strategyIndex: cell.strategyIndex,
      strategy: label,
      seed: cell.seed,
      cellMetrics: storedCell ? { ...storedCell.metrics } : null,
    });
    const artifact = `${ARTIFACT_PREFIX}${cell.key}`;
    const found = store.artifacts
      .runsWith(artifact)
      .find((id) => store.runs.get(id)?.run.status === 'completed');
    if (found !== undefined) return describe(found, true);
    if (cell.config.strategy.type === 'policy')
      throw new ApiException(
        'unavailable',
        'opening the cell of a trained policy is not available yet (its metrics are in the heatmap)',
        'strategyIndex',
      );
    const cfg: BacktestConfig = backtestOf(cell.config, [cell.config.strategy]);
    const runName = `${plan.name} · ${cell.scenario} · ${label} · seed ${cell.seed}`;
    const run = store.runs.create({
      kind: 'backtest',
      name: runName.slice(0, 200),
      config: cfg,
      seed: cfg.seed,
      paths: cfg.paths,
      codeVersion: codeVersion(),
    });
    try {
      const keepPaths = Math.min(OPEN_CELL_KEPT_PATHS, cfg.paths);
      const result = await this.opts.jobs.runBacktest(cfg, {
        keepPaths,
        dataDir: store.dataDir,
      });
      store.runs.writeCompleted(
        run.id,
        result.runs.map((r, index) => ({ index, ...r })),
        result.paths,
      );
      store.artifacts.put(run.id, {
        name: artifact,
        mime: 'application/json',
        data: JSON.stringify({
          sweepId: plan.id,
          cellKey: cell.key,
          scenario: cell.scenario,
          strategyIndex: cell.strategyIndex,
          seed: cell.seed,
        }),
      });
    } catch (e) {
      const cancelled = e instanceof JobCancelledError;
      const message = e instanceof Error ? e.message : String(e);
      store.runs.finish(run.id, cancelled ? 'cancelled' : 'failed', cancelled ? undefined : message);
      throw e;
    }
    return describe(run.id, false);
  }

  /** Cancel the running sweep and wait for it to stop. */
  async close(): Promise<void> {
    const r = this.running;
    if (r) {
      r.controller.abort();
      await r.done;
    }
    await Promise.allSettled([...this.opening.values()]);
  }
}

/**
 * The sweep and stress-sweep configs of a folder (a top-level `seeds` list, as presets.ts tells them
 * from backtest presets), quickest first: by cells × paths.
 */
export function loadSweepPresets(dir: string): SweepPreset[] {
  const out: (SweepPreset & { work: number })[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const yaml = readFileSync(path.join(dir, f), 'utf8');
    let doc: unknown;
    try {
      doc = parse(yaml);
    } catch {
      continue;
    }
    if (!isObject(doc) || !Array.isArray(doc.seeds)) continue;
    const kind = kindOf(doc);
    const cells = pairCount(doc, kind) * doc.seeds.length;
    out.push({
      id: f.replace(/\.yaml$/, ''),
      title: typeof doc.name === 'string' ? doc.name : f,
      kind,
      cells,
      yaml,
      work: cells * (typeof doc.paths === 'number' ? doc.paths : 1),
    });
  }
  return out.sort((a, b) => a.work - b.work || a.id.localeCompare(b.id)).map(({ work: _, ...p }) => p);
}
