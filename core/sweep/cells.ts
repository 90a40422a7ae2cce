/**
 * A sweep expanded to cells: scenario × strategy (grids expanded) × seed, in that nesting order. A cell
 * is one backtest of one strategy on one scenario, `paths` paths, one seed.
 *
 * Identity: `configHash` = SHA-256 of the canonical JSON (keys sorted, defaults filled in by the
 * schemas) of what determines the numbers apart from the seed: the scenario (stresses applied), the
 * strategy's parameters, `paths`, the metric options, and for a policy its checkpoint directory and the
 * bytes of its manifest. The cell key is `<configHash>-<seed>`: the same cell written inline or through
 * a `file:`, in any sweep, has the same key, so its result is computed once (the store's primary key,
 * BullMQ's job id). Keys hold no ':' (BullMQ reserves it in custom job ids).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ScenarioConfig } from '../backtest/config';
import type { SweepPlanInput, SweepStrategy } from './config';

/** What a worker needs to run a cell (structured-clone and JSON friendly). */
export interface CellConfig {
  name: string;
  seed: number;
  paths: number;
  scenario: ScenarioConfig;
  strategy: SweepStrategy;
  metrics: Record<string, unknown>;
  limits?: Record<string, unknown> | undefined;
}

export interface SweepCell {
  key: string;
  configHash: string;
  seed: number;
  scenario: string;
  /** The stress point of a stress sweep ('base' for the unstressed scenario). */
  stress?: string | undefined;
  /** Index of the concrete strategy in the plan (grid order). */
  strategyIndex: number;
  config: CellConfig;
}

export interface SweepPlan extends SweepPlanInput {
  /** Hash of every cell key in order: the sweep's id in the store. */
  id: string;
  cells: SweepCell[];
}

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The bytes that identify a policy's weights: its manifest (a checkpoint dir) or the run's newest ones. */
export function checkpointFingerprint(dir: string): string {
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest)) return sha256(fs.readFileSync(manifest, 'utf8'));
  // A run directory: the names of its checkpoints (a new checkpoint changes 'latest').
  const cps = path.join(dir, 'checkpoints');
  return fs.existsSync(cps) ? sha256(fs.readdirSync(cps).sort().join('\n')) : 'none';
}

/** The hash of what determines a cell's numbers apart from the seed (a policy's `fingerprint` included). */
export function cellConfigHash(c: Omit<CellConfig, 'seed' | 'name'>): string {
  return sha256(
    canonicalJson({ v: 1, scenario: c.scenario, strategy: c.strategy, paths: c.paths, metrics: c.metrics }),
  );
}

export function cellKey(configHash: string, seed: number): string {
  return `${configHash.slice(0, 40)}-${seed}`;
}

/** Expand a resolved sweep config to its cells (scenario-major, then strategy, then seed). */
export function expandSweep(p: SweepPlanInput): SweepPlan {
  const cells: SweepCell[] = [];
  for (const sc of p.scenarios) {
    p.strategies.forEach((spec, strategyIndex) => {
      // A policy cell carries the fingerprint of its checkpoint: part of its key, and checked by the
      // worker that loads it (another machine's copy must be the same checkpoint).
      const strategy =
        spec.type === 'policy'
          ? { ...spec, fingerprint: checkpointFingerprint(String(spec.checkpoint)) }
          : spec;
      const base = {
        paths: p.paths,
        scenario: sc.scenario,
        strategy,
        metrics: p.metrics as Record<string, unknown>,
        ...(p.limits !== undefined ? { limits: p.limits as Record<string, unknown> } : {}),
      };
      const configHash = cellConfigHash(base);
      for (const seed of p.seeds) {
        cells.push({
          key: cellKey(configHash, seed),
          configHash,
          seed,
          scenario: sc.name,
          stress: sc.stress,
          strategyIndex,
          config: { name: p.name, seed, ...base },
        });
      }
    });
  }
  const id = sha256(canonicalJson({ kind: p.kind, keys: cells.map((c) => c.key) })).slice(0, 32);
  return { ...p, id, cells };
}
