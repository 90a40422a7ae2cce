/**
 * Replay buffer for off-policy agents (SAC): a ring of transitions (s, a, r, s', done) in flat
 * Float32Arrays (structure of arrays, row-major per transition), after the experience replay of
 * Lin (1992) and Mnih et al. (2015) as used by SAC (Haarnoja et al. 2018).
 *
 * - Capacity is fixed at construction and the memory allocated up front: capacity × (2·obsDim +
 *   actionDim + 2) × 4 bytes (1,000,000 transitions of a 16-dim observation and 2-dim action:
 *   144 MB). When full, the oldest transition is overwritten.
 * - `done` is 1 when s' is terminal (Gymnasium's `terminated`), so the learner does not bootstrap
 *   from it; a time-limit truncation is stored with done = 0 and s' = the final observation (the
 *   VectorAsEnv's finalObservations row), so that the learner does bootstrap.
 * - Sampling is uniform with replacement over the stored transitions, from a xoshiro128** stream
 *   kept inside the buffer (the same generator and seeding as core/rng's Rng, bit for bit) so that
 *   its state can be saved in a checkpoint and sampling resumes exactly where it stopped. Samples are
 *   written into a preallocated ReplayBatch: no allocation per sample.
 *
 * Checkpoints: `meta()` returns the small state (sizes, cursor, RNG words) and `arrays()` the data
 * views (the first `size` rows are meaningful); `ReplayBuffer.restore(meta, arrays)` rebuilds it.
 */
import { mix32 } from '../rng/rng';

const TWO_POW_32_INV = 1 / 4294967296;

export interface ReplayBufferOptions {
  capacity: number;
  obsDim: number;
  actionDim: number;
  /** Seed of the sampling stream. */
  seed: number;
}

/** A batch of transitions, row-major: obs [n·obsDim], action [n·actionDim], reward/done [n]. */
export interface ReplayBatch {
  readonly size: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly done: Float32Array;
}

export interface ReplayBufferMeta {
  version: 1;
  capacity: number;
  obsDim: number;
  actionDim: number;
  seed: number;
  /** Transitions stored (≤ capacity). */
  size: number;
  /** Row the next transition is written to. */
  cursor: number;
  /** Transitions ever added. */
  added: number;
  /** xoshiro128** state of the sampling stream. */
  rngState: [number, number, number, number];
}

export interface ReplayBufferArrays {
  obs: Float32Array;
  action: Float32Array;
  reward: Float32Array;
  nextObs: Float32Array;
  done: Float32Array;
}

export function allocateBatch(size: number, obsDim: number, actionDim: number): ReplayBatch {
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`allocateBatch: size must be an integer ≥ 1 (got ${size})`);
  return {
    size,
    obs: new Float32Array(size * obsDim),
    action: new Float32Array(size * actionDim),
    reward: new Float32Array(size),
    nextObs: new Float32Array(size * obsDim),
    done: new Float32Array(size),
  };
}

export class ReplayBuffer {
  readonly capacity: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly seed: number;
  private readonly obs: Float32Array;
  private readonly action: Float32Array;
  private readonly reward: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly done: Float32Array;
  private readonly rng = new Uint32Array(4);
  private count = 0;
  private cursor = 0;
  private total = 0;

  constructor(opts: ReplayBufferOptions) {
    const { capacity, obsDim, actionDim } = opts;
    for (const [k, v] of [
      ['capacity', capacity],
      ['obsDim', obsDim],
      ['actionDim', actionDim],
    ] as const)
      if (!(Number.isInteger(v) && v >= 1))
        throw new RangeError(`ReplayBuffer: ${k} must be an integer ≥ 1 (got ${v})`);
    if (!Number.isFinite(opts.seed))
      throw new RangeError(`ReplayBuffer: seed must be finite (got ${opts.seed})`);
    this.capacity = capacity;
    this.obsDim = obsDim;
    this.actionDim = actionDim;
    this.seed = opts.seed;
    this.obs = new Float32Array(capacity * obsDim);
    this.action = new Float32Array(capacity * actionDim);
    this.reward = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.done = new Float32Array(capacity);
    seedXoshiro(this.rng, opts.seed);
  }

  /** Transitions currently stored. */
  get size(): number {
    return this.count;
  }

  /** Transitions ever added (including overwritten ones). */
  get added(): number {
    return this.total;
  }

  /** Store one transition; `obs`/`nextObs` are read at `obsOffset`, `action` at `actionOffset`. */
  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number>,
    reward: number,
    nextObs: ArrayLike<number>,
    done: boolean | number,
    obsOffset = 0,
    actionOffset = 0,
  ): void {
    const d = this.obsDim;
    const m = this.actionDim;
    const row = this.cursor;
    const o = row * d;
    for (let j = 0; j < d; j++) {
      this.obs[o + j] = obs[obsOffset + j]!;
      this.nextObs[o + j] = nextObs[obsOffset + j]!;
    }
    const a = row * m;
    for (let j = 0; j < m; j++) this.action[a + j] = action[actionOffset + j]!;
    this.reward[row] = reward;
    this.done[row] = done === true || done === 1 ? 1 : 0;
    this.cursor = row + 1 === this.capacity ? 0 : row + 1;
    if (this.count < this.capacity) this.count++;
    this.total++;
  }

  /**
   * Store one transition per env of a vector env step: row i of `obs`, `actions`, `nextObs`
   * (`nextObs` row i must already be the final observation for envs whose episode ended), reward
   * rewards[i], done = terminated[i] (truncations bootstrap).
   */
  addBatch(
    n: number,
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    rewards: ArrayLike<number>,
    nextObs: ArrayLike<number>,
    terminated: ArrayLike<number>,
  ): void {
    for (let i = 0; i < n; i++)
      this.add(obs, actions, rewards[i]!, nextObs, terminated[i]!, i * this.obsDim, i * this.actionDim);
  }

  /** Fill `out` with `out.size` transitions drawn uniformly with replacement. */
  sample(out: ReplayBatch): void {
    const n = this.count;
    if (n === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    const d = this.obsDim;
    const m = this.actionDim;
    if (
      out.obs.length !== out.size * d ||
      out.nextObs.length !== out.size * d ||
      out.action.length !== out.size * m ||
      out.reward.length !== out.size ||
      out.done.length !== out.size
    )
      throw new RangeError(
        `ReplayBuffer.sample: batch arrays do not match the buffer dimensions (obs ${d}, action ${m}); use allocateBatch`,
      );
    for (let k = 0; k < out.size; k++) {
      const row = Math.floor(nextU32(this.rng) * TWO_POW_32_INV * n);
      const so = row * d;
      const dst = k * d;
      for (let j = 0; j < d; j++) {
        out.obs[dst + j] = this.obs[so + j]!;
        out.nextObs[dst + j] = this.nextObs[so + j]!;
      }
      const sa = row * m;
      const da = k * m;
      for (let j = 0; j < m; j++) out.action[da + j] = this.action[sa + j]!;
      out.reward[k] = this.reward[row]!;
      out.done[k] = this.done[row]!;
    }
  }

  meta(): ReplayBufferMeta {
    return {
      version: 1,
      capacity: this.capacity,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      seed: this.seed,
      size: this.count,
      cursor: this.cursor,
      added: this.total,
      rngState: [this.rng[0]!, this.rng[1]!, this.rng[2]!, this.rng[3]!],
    };
  }

  /** Views of the storage (not copies); rows [0, size) hold data. */
  arrays(): ReplayBufferArrays {
    return {
      obs: this.obs,
      action: this.action,
      reward: this.reward,
      nextObs: this.nextObs,
      done: this.done,
    };
  }

  /** Rebuild a buffer from `meta()` and `arrays()` (arrays may be shorter: the first `size` rows). */
  static restore(meta: ReplayBufferMeta, arrays: ReplayBufferArrays): ReplayBuffer {
    if (meta.version !== 1)
      throw new RangeError(`ReplayBuffer.restore: unknown version ${String(meta.version)}`);
    const buf = new ReplayBuffer(meta);
    const { size, cursor, added } = meta;
    if (!(Number.isInteger(size) && size >= 0 && size <= meta.capacity))
      throw new RangeError(`ReplayBuffer.restore: size ${size} out of [0, ${meta.capacity}]`);
    if (!(
      Number.isInteger(cursor) &&
      cursor >= 0 &&
      cursor < meta.capacity &&
      (size === meta.capacity || cursor === size)
    ))
      throw new RangeError(`ReplayBuffer.restore: cursor ${cursor} inconsistent with size ${size}`);
    if (!(Number.isInteger(added) && added >= size))
      throw new RangeError(`ReplayBuffer.restore: added ${added} < size ${size}`);
    const need = (name: keyof ReplayBufferArrays, per: number): void => {
      if (arrays[name].length < size * per)
        throw new RangeError(
          `ReplayBuffer.restore: ${name} has ${arrays[name].length} values, need ${size * per}`,
        );
      buf[name].set(arrays[name].subarray(0, size * per));
    };
    need('obs', meta.obsDim);
    need('nextObs', meta.obsDim);
    need('action', meta.actionDim);
    need('reward', 1);
    need('done', 1);
    const st = meta.rngState;
    if (st.length !== 4 || (st[0] | st[1] | st[2] | st[3]) === 0)
      throw new RangeError('ReplayBuffer.restore: rngState must be four words, not all zero');
    for (let i = 0; i < 4; i++) buf.rng[i] = st[i]! >>> 0;
    buf.count = size;
    buf.cursor = cursor;
    buf.total = added;
    return buf;
  }
}

/** xoshiro128** step (the algorithm of Rng.nextU32). */
function nextU32(st: Uint32Array): number {
  const s0 = st[0]!;
  const s1 = st[1]!;
  const s2 = st[2]!;
  const s3 = st[3]!;
  const m = Math.imul(s1, 5);
  const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  st[0] = s0 ^ n3;
  st[1] = s1 ^ n2;
  st[2] = n2 ^ t;
  st[3] = (n3 << 11) | (n3 >>> 21);
  return r;
}

/** Rng.reseed into the four words. */
function seedXoshiro(st: Uint32Array, seed: number): void {
  let x = seed >>> 0;
  x = mix32(x);
  st[0] = x;
  x = mix32(x);
  st[1] = x;
  x = mix32(x);
  st[2] = x;
  x = mix32(x);
  st[3] = x;
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
}
