/**
 * Training checkpoints on disk.
 *
 * Layout, one directory per checkpoint:
 *   <runDir>/checkpoints/step-000012345/
 *     manifest.json   what the checkpoint is (see CheckpointManifest): format version, algo, step,
 *                     updates, episodes, config hash, the latest evaluation, the trainer's resume
 *                     cursors (next training path index per env), the observation normalizer, the
 *                     run's totalSteps and, for the checkpoint a stopped session ends with, why it
 *                     stopped (`stop`), the action map the policy acts through (`action`, absent
 *                     before issue 12: 'mid-offset'); the agent snapshot and the trainer state (the running
 *                     episodes, PPO's partial rollout, the schedule: what resuming needs to continue
 *                     exactly as if it never stopped) as JSON with every Float32Array replaced by
 *                     {"$f32": i}, the index of weights.bin, and the replay buffer's meta (SAC);
 *     weights.bin     every Float32Array of the agent snapshot (networks, target networks, optimizer
 *                     moments) and of the trainer state, little-endian float32, concatenated in index
 *                     order;
 *     replay.bin      (SAC, optional) the stored rows of the replay buffer: obs, action, reward,
 *                     nextObs, done, concatenated. Written only when it is at most `maxReplayBytes`
 *                     (default 256 MiB); otherwise the manifest keeps the buffer's meta with
 *                     `file: null` and the reason, and a resumed trainer refills the buffer with fresh
 *                     warm-up steps before it updates again (the networks and optimizer resume exactly).
 * Every file's byte length and sha256 are in the manifest and checked on read.
 *
 * Atomicity: a checkpoint is written into `step-….tmp/`, each file fsynced, then the directory is
 * renamed into place (and the parent fsynced). A crash leaves either the complete directory or a
 * `.tmp` one; directories without a valid manifest are skipped and reported by scanCheckpoints.
 *
 * Retention (pruneCheckpoints): the newest K checkpoints plus the best one by evaluation return.
 *
 * Permissions: checkpoint directories are created 0700 and their files 0600 (weights and replay
 * contents are the user's work, not for other local accounts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { NormalizerState } from '../features/normalizer';
import type { ReplayBufferArrays, ReplayBufferMeta } from '../replay-buffer';
import type { CheckpointInfo, TrainAlgo } from './types';

export const CHECKPOINT_FORMAT = 1;
export const DEFAULT_MAX_REPLAY_BYTES = 256 * 1024 * 1024;
const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.bin';
const REPLAY = 'replay.bin';
const ID_RE = /^step-(\d+)$/;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    /** The file (or directory) at fault. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** writeCheckpoint refused a snapshot holding NaN or ±Infinity (nothing was written). */
export class NonFiniteWeightsError extends CheckpointError {
  override name = 'NonFiniteWeightsError';
  constructor(
    file: string,
    /** Where: e.g. "agent.actor[2][17] = NaN". */
    readonly where: string,
  ) {
    super(file, `refusing to write non-finite weights (${where})`);
  }
}

export interface ArrayEntry {
  name: string;
  length: number;
  byteOffset: number;
}

export interface ReplayRecord {
  meta: ReplayBufferMeta;
  /** 'replay.bin', or null when the contents were not written (see `omitted`). */
  file: string | null;
  omitted?: string;
  bytes?: number;
  sha256?: string;
  index?: ArrayEntry[];
}

/** Why the session that wrote a checkpoint stopped before its budget: the user, or budget.maxMinutes. */
export interface CheckpointStop {
  cause: 'request' | 'time';
  reason: string;
}

/**
 * The action map the checkpoint's policy acts through (core/rl/env.ts ActionMap, as env-factory.ts
 * actionRecordOf writes it): the map, the entries per action and the bounds in the map's unit. Absent
 * in checkpoints written before issue 12, which all acted through 'mid-offset' with 2 entries.
 */
export interface CheckpointActionRecord {
  map: 'mid-offset' | 'ticks-from-touch' | 'ticks-from-mid';
  dim: number;
  low: number;
  high: number;
  minLots?: number;
  maxLots?: number;
}

export interface CheckpointManifest {
  format: number;
  algo: TrainAlgo;
  step: number;
  /** The run's budget.totalSteps when the checkpoint was written (absent in older checkpoints). */
  totalSteps?: number;
  /** Set on the checkpoint a stopped session ended with. */
  stop?: CheckpointStop;
  updates: number;
  episodes: number;
  configHash: string;
  createdAt: string;
  evalReturn?: number;
  evalBaselineReturn?: number;
  /** The action map (absent: a checkpoint from before it was recorded, 'mid-offset'). */
  action?: CheckpointActionRecord;
  /** Next training path index of each env (env e runs paths e, e + n, e + 2n, …). */
  nextPath: number[];
  normalizer: NormalizerState | null;
  /** Trainer state (JSON; its Float32Arrays replaced by {"$f32": index into `weights`}). */
  trainer: Record<string, unknown>;
  /** The agent snapshot with Float32Arrays replaced by {"$f32": index into `weights`}. */
  agent: unknown;
  weights: ArrayEntry[];
  weightsBytes: number;
  weightsSha256: string;
  replay?: ReplayRecord;
}

/** What a trainer hands to writeCheckpoint. */
export interface CheckpointState {
  algo: TrainAlgo;
  step: number;
  totalSteps?: number;
  stop?: CheckpointStop;
  updates: number;
  episodes: number;
  configHash: string;
  evalReturn?: number;
  evalBaselineReturn?: number;
  action?: CheckpointActionRecord;
  nextPath: number[];
  normalizer: NormalizerState | null;
  /** Trainer state: plain JSON values and Float32Arrays, arbitrarily nested. */
  trainer: Record<string, unknown>;
  /** Agent snapshot (Sac/Ppo getWeights): plain JSON values and Float32Arrays, arbitrarily nested. */
  agent: unknown;
  replay?: { meta: ReplayBufferMeta; arrays: ReplayBufferArrays };
}

export interface LoadedCheckpoint {
  info: CheckpointInfo;
  manifest: CheckpointManifest;
  /** The agent snapshot with its Float32Arrays restored. */
  agent: unknown;
  /** The trainer state with its Float32Arrays restored. */
  trainer: Record<string, unknown>;
  /** Replay contents (when the checkpoint has them). */
  replay?: { meta: ReplayBufferMeta; arrays: ReplayBufferArrays };
}

export interface InvalidCheckpoint {
  id: string;
  dir: string;
  reason: string;
}

const finiteNum = z.number().finite();
const entrySchema = z.object({
  name: z.string(),
  length: z.number().int().nonnegative(),
  byteOffset: z.number().int().nonnegative(),
});
const manifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  algo: z.enum(['sac', 'ppo', 'reinforce']),
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive().optional(),
  stop: z.object({ cause: z.enum(['request', 'time']), reason: z.string() }).optional(),
  updates: z.number().int().nonnegative(),
  episodes: z.number().int().nonnegative(),
  configHash: z.string().min(1),
  createdAt: z.string(),
  evalReturn: finiteNum.optional(),
  evalBaselineReturn: finiteNum.optional(),
  action: z
    .object({
      map: z.enum(['mid-offset', 'ticks-from-touch', 'ticks-from-mid']),
      dim: z.number().int().positive(),
      low: finiteNum,
      high: finiteNum,
      minLots: z.number().int().positive().optional(),
      maxLots: z.number().int().positive().optional(),
    })
    .optional(),
  nextPath: z.array(z.number().int().nonnegative()).min(1),
  normalizer: z.unknown(),
  trainer: z.record(z.string(), z.unknown()),
  agent: z.unknown(),
  weights: z.array(entrySchema),
  weightsBytes: z.number().int().nonnegative(),
  weightsSha256: z.string().length(64),
  replay: z
    .object({
      meta: z.object({ size: z.number().int().nonnegative() }).loose(),
      file: z.string().nullable(),
      omitted: z.string().optional(),
      bytes: z.number().int().nonnegative().optional(),
      sha256: z.string().length(64).optional(),
      index: z.array(entrySchema).optional(),
    })
    .optional(),
});

export function checkpointId(step: number): string {
  return `step-${String(step).padStart(9, '0')}`;
}

export function checkpointsDir(runDir: string): string {
  return path.join(runDir, 'checkpoints');
}

// ---------------------------------------------------------------------------------------------------
// Packing the agent snapshot.

interface Packed {
  json: unknown;
  arrays: Float32Array[];
  names: string[];
  /** Path of the first non-finite number or array entry, if any. */
  nonFinite?: string;
}

/**
 * Replace every Float32Array by {"$f32": i}; report the first non-finite value. With `into`, the
 * arrays are appended to another snapshot's (indices continue after its arrays).
 */
export function packSnapshot(value: unknown, root = 'agent', into?: Packed): Packed {
  const arrays: Float32Array[] = into?.arrays ?? [];
  const names: string[] = into?.names ?? [];
  let nonFinite: string | undefined = into?.nonFinite;
  const walk = (v: unknown, at: string): unknown => {
    if (v instanceof Float32Array) {
      if (nonFinite === undefined)
        for (let i = 0; i < v.length; i++)
          if (!Number.isFinite(v[i]!)) {
            nonFinite = `${at}[${i}] = ${v[i]}`;
            break;
          }
      arrays.push(v);
      names.push(at);
      return { $f32: arrays.length - 1 };
    }
    if (ArrayBuffer.isView(v))
      throw new TypeError(`packSnapshot: ${at} is a typed array other than Float32Array`);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        nonFinite ??= `${at} = ${v}`;
        return null;
      }
      return v;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x, `${at}.${k}`);
      return out;
    }
    return v;
  };
  const json = walk(value, root);
  return nonFinite !== undefined ? { json, arrays, names, nonFinite } : { json, arrays, names };
}

function unpackSnapshot(json: unknown, arrays: Float32Array[], file: string): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$f32') {
        const i = o.$f32;
        if (typeof i !== 'number' || arrays[i] === undefined)
          throw new CheckpointError(
            file,
            `agent refers to weights array ${String(i)}, which is not in the index`,
          );
        return arrays[i];
      }
      return Object.fromEntries(keys.map((k) => [k, walk(o[k])]));
    }
    return v;
  };
  return walk(json);
}

// ---------------------------------------------------------------------------------------------------
// Writing.

function concat(
  arrays: readonly Float32Array[],
  names: readonly string[],
): { buf: Buffer; index: ArrayEntry[] } {
  let total = 0;
  for (const a of arrays) total += a.byteLength;
  const buf = Buffer.alloc(total);
  const index: ArrayEntry[] = [];
  let off = 0;
  arrays.forEach((a, i) => {
    // Float32Array is host-endian; every platform Node runs on here is little-endian.
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    index.push({ name: names[i]!, length: a.length, byteOffset: off });
    off += a.byteLength;
  });
  return { buf, index };
}

/** Mode of checkpoint files (and of the run's config.json): the owner's only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of checkpoint directories (and of the run directory). */
export const PRIVATE_DIR_MODE = 0o700;

/** mkdir -p with PRIVATE_DIR_MODE for what it creates, and `dir` itself made PRIVATE_DIR_MODE. */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

function writeFileSynced(file: string, data: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w', PRIVATE_FILE_MODE);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not supported on every platform (Windows); the rename itself is still atomic.
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface WriteCheckpointOptions {
  /** Replay contents larger than this are not written (default 256 MiB). */
  maxReplayBytes?: number;
}

/**
 * Write a checkpoint atomically and return its info. Throws a CheckpointError when the agent snapshot
 * holds a non-finite value (nothing is written then).
 */
export function writeCheckpoint(
  runDir: string,
  state: CheckpointState,
  opts: WriteCheckpointOptions = {},
): CheckpointInfo {
  const root = checkpointsDir(runDir);
  const id = checkpointId(state.step);
  const dir = path.join(root, id);
  const packedAgent = packSnapshot(state.agent);
  const packedTrainer = packSnapshot(state.trainer, 'trainer', packedAgent);
  const packed = { ...packedTrainer, json: packedAgent.json };
  if (packed.nonFinite !== undefined) throw new NonFiniteWeightsError(dir, packed.nonFinite);
  const { buf: weights, index } = concat(packed.arrays, packed.names);

  let replay: ReplayRecord | undefined;
  let replayBuf: Buffer | undefined;
  if (state.replay) {
    const { meta, arrays } = state.replay;
    const n = meta.size;
    const parts = [
      arrays.obs.subarray(0, n * meta.obsDim),
      arrays.action.subarray(0, n * meta.actionDim),
      arrays.reward.subarray(0, n),
      arrays.nextObs.subarray(0, n * meta.obsDim),
      arrays.done.subarray(0, n),
    ];
    const bytes = parts.reduce((s, a) => s + a.byteLength, 0);
    const limit = opts.maxReplayBytes ?? DEFAULT_MAX_REPLAY_BYTES;
    if (bytes <= limit) {
      const c = concat(parts, ['obs', 'action', 'reward', 'nextObs', 'done']);
      replayBuf = c.buf;
      replay = { meta, file: REPLAY, bytes, sha256: sha256(c.buf), index: c.index };
    } else
      replay = {
        meta,
        file: null,
        omitted: `replay buffer of ${bytes} bytes exceeds the ${limit}-byte limit; a resumed run refills it with warm-up steps`,
      };
  }

  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    algo: state.algo,
    step: state.step,
    ...(state.totalSteps !== undefined ? { totalSteps: state.totalSteps } : {}),
    ...(state.stop !== undefined ? { stop: state.stop } : {}),
    updates: state.updates,
    episodes: state.episodes,
    configHash: state.configHash,
    createdAt: new Date().toISOString(),
    ...(state.evalReturn !== undefined ? { evalReturn: state.evalReturn } : {}),
    ...(state.evalBaselineReturn !== undefined ? { evalBaselineReturn: state.evalBaselineReturn } : {}),
    ...(state.action !== undefined ? { action: { ...state.action } } : {}),
    nextPath: [...state.nextPath],
    normalizer: state.normalizer,
    trainer: packedTrainer.json as Record<string, unknown>,
    agent: packed.json,
    weights: index,
    weightsBytes: weights.byteLength,
    weightsSha256: sha256(weights),
    ...(replay ? { replay } : {}),
  };

  mkdirPrivate(root);
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { mode: PRIVATE_DIR_MODE });
  fs.chmodSync(tmp, PRIVATE_DIR_MODE);
  writeFileSynced(path.join(tmp, WEIGHTS), weights);
  if (replayBuf) writeFileSynced(path.join(tmp, REPLAY), replayBuf);
  // The manifest last: a directory with a manifest has all its files.
  writeFileSynced(path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  fsyncDir(tmp);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  fsyncDir(root);
  return infoOf(manifest, id, dir);
}

function infoOf(m: CheckpointManifest, id: string, dir: string): CheckpointInfo {
  return {
    id,
    dir: path.resolve(dir),
    step: m.step,
    updates: m.updates,
    episodes: m.episodes,
    ...(m.evalReturn !== undefined ? { evalReturn: m.evalReturn } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Reading.

function readManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, `cannot read: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `corrupt (not JSON: ${(e as Error).message})`);
  }
  const r = manifestSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CheckpointError(
      file,
      `corrupt or from an unknown format (${i && i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i?.message ?? 'invalid'})`,
    );
  }
  const m = r.data as CheckpointManifest;
  const idMatch = ID_RE.exec(path.basename(dir));
  if (idMatch && Number(idMatch[1]) !== m.step)
    throw new CheckpointError(file, `says step ${m.step} but the directory is ${path.basename(dir)}`);
  return m;
}

function checkSize(file: string, expected: number): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new CheckpointError(file, 'missing');
  }
  if (size !== expected) throw new CheckpointError(file, `has ${size} bytes, the manifest says ${expected}`);
}

/** Quick validity check of a checkpoint directory (manifest and file sizes; no hashing). */
function validate(dir: string): CheckpointManifest {
  const m = readManifest(dir);
  checkSize(path.join(dir, WEIGHTS), m.weightsBytes);
  if (m.replay?.file) checkSize(path.join(dir, m.replay.file), m.replay.bytes ?? -1);
  return m;
}

/** Valid checkpoints (oldest first) and the directories that are not (with why). */
export function scanCheckpoints(runDir: string): {
  checkpoints: CheckpointInfo[];
  invalid: InvalidCheckpoint[];
} {
  const root = checkpointsDir(runDir);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return { checkpoints: [], invalid: [] };
  }
  const checkpoints: CheckpointInfo[] = [];
  const invalid: InvalidCheckpoint[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    if (name.endsWith('.tmp')) {
      invalid.push({
        id: name,
        dir,
        reason: 'incomplete write (a .tmp directory left by an interrupted checkpoint)',
      });
      continue;
    }
    if (!ID_RE.test(name)) continue;
    try {
      checkpoints.push(infoOf(validate(dir), name, dir));
    } catch (e) {
      invalid.push({ id: name, dir, reason: (e as Error).message });
    }
  }
  checkpoints.sort((a, b) => a.step - b.step);
  return { checkpoints, invalid };
}

/** Valid checkpoints of a run, oldest first. */
export function listCheckpoints(runDir: string): CheckpointInfo[] {
  return scanCheckpoints(runDir).checkpoints;
}

/** The newest valid checkpoint, if any. */
export function latestCheckpoint(runDir: string): CheckpointInfo | undefined {
  return listCheckpoints(runDir).at(-1);
}

function readBin(file: string, bytes: number, sha: string | undefined): Buffer {
  checkSize(file, bytes);
  const buf = fs.readFileSync(file);
  if (sha !== undefined && sha256(buf) !== sha)
    throw new CheckpointError(file, 'corrupt (sha256 does not match the manifest)');
  return buf;
}

function sliceArrays(buf: Buffer, index: readonly ArrayEntry[], file: string): Float32Array[] {
  // Copy into an aligned buffer (Buffer's pool offset need not be a multiple of 4).
  const aligned = new Uint8Array(buf.byteLength);
  aligned.set(buf);
  return index.map((e) => {
    if (e.byteOffset % 4 !== 0 || e.byteOffset + 4 * e.length > aligned.byteLength)
      throw new CheckpointError(file, `array ${e.name} lies outside the file`);
    return new Float32Array(aligned.buffer, e.byteOffset, e.length);
  });
}

/**
 * Read a checkpoint directory completely (hashes checked). With `expect`, also check that it belongs to
 * this algorithm and config; every failure is a CheckpointError naming the file. `replay: false` skips
 * the replay buffer (a policy loaded for evaluation does not need it).
 */
export function readCheckpoint(
  dir: string,
  expect?: { algo?: TrainAlgo; configHash?: string },
  opts: { replay?: boolean } = {},
): LoadedCheckpoint {
  const m = validate(dir);
  const mf = path.join(dir, MANIFEST);
  if (expect?.algo !== undefined && m.algo !== expect.algo)
    throw new CheckpointError(mf, `is a ${m.algo} checkpoint, not ${expect.algo}`);
  if (expect?.configHash !== undefined && m.configHash !== expect.configHash)
    throw new CheckpointError(
      mf,
      `is from another config (hash ${m.configHash}, this config is ${expect.configHash})`,
    );
  const wf = path.join(dir, WEIGHTS);
  const arrays = sliceArrays(readBin(wf, m.weightsBytes, m.weightsSha256), m.weights, wf);
  const agent = unpackSnapshot(m.agent, arrays, mf);
  const trainer = unpackSnapshot(m.trainer, arrays, mf) as Record<string, unknown>;
  let replay: LoadedCheckpoint['replay'];
  if (m.replay?.file && opts.replay !== false) {
    const rf = path.join(dir, m.replay.file);
    const idx = m.replay.index ?? [];
    const parts = sliceArrays(readBin(rf, m.replay.bytes ?? -1, m.replay.sha256), idx, rf);
    const get = (name: string): Float32Array => {
      const i = idx.findIndex((e) => e.name === name);
      if (i < 0) throw new CheckpointError(mf, `replay index has no '${name}'`);
      return parts[i]!;
    };
    replay = {
      meta: m.replay.meta,
      arrays: {
        obs: get('obs'),
        action: get('action'),
        reward: get('reward'),
        nextObs: get('nextObs'),
        done: get('done'),
      },
    };
  }
  return {
    info: infoOf(m, path.basename(dir), dir),
    manifest: m,
    agent,
    trainer,
    ...(replay ? { replay } : {}),
  };
}

/**
 * Delete all but the newest `keep` checkpoints and the best one by evalReturn; also stale `.tmp`
 * directories. Returns the ids removed. Invalid complete-looking directories are left for inspection.
 */
export function pruneCheckpoints(runDir: string, keep: number): string[] {
  const { checkpoints, invalid } = scanCheckpoints(runDir);
  const keepIds = new Set(checkpoints.slice(-Math.max(1, keep)).map((c) => c.id));
  let best: CheckpointInfo | undefined;
  for (const c of checkpoints)
    if (c.evalReturn !== undefined && (best === undefined || c.evalReturn > best.evalReturn!)) best = c;
  if (best) keepIds.add(best.id);
  const removed: string[] = [];
  for (const c of checkpoints)
    if (!keepIds.has(c.id)) {
      fs.rmSync(c.dir, { recursive: true, force: true });
      removed.push(c.id);
    }
  for (const bad of invalid)
    if (bad.id.endsWith('.tmp')) {
      fs.rmSync(bad.dir, { recursive: true, force: true });
      removed.push(bad.id);
    }
  return removed;
}

/** The best checkpoint by evaluation return (undefined when none was evaluated). */
export function bestCheckpoint(runDir: string): CheckpointInfo | undefined {
  let best: CheckpointInfo | undefined;
  for (const c of listCheckpoints(runDir))
    if (c.evalReturn !== undefined && (best === undefined || c.evalReturn > best.evalReturn!)) best = c;
  return best;
}
