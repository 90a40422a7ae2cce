/**
 * RunningNormalizer: per-feature running mean and variance for observation normalization, saved with
 * agent checkpoints so that evaluation sees the statistics training ended with.
 *
 * Algorithms:
 * - B. P. Welford (1962), "Note on a method for calculating corrected sums of squares and products",
 *   Technometrics 4(3): the one-pass update mean += δ/n, M2 += δ·(x − mean) with δ = x − mean_old.
 * - T. F. Chan, G. H. Golub & R. J. LeVeque (1979), "Updating formulae and a pairwise algorithm for
 *   computing sample variances": two summaries (n_a, mean_a, M2_a) and (n_b, mean_b, M2_b) merge as
 *     δ = mean_b − mean_a,  n = n_a + n_b,  mean = mean_a + δ·n_b/n,  M2 = M2_a + M2_b + δ²·n_a·n_b/n.
 *   `merge` combines normalizers from parallel workers; `updateBatch` summarizes a batch by two passes
 *   and merges it (more accurate than n Welford steps on long batches).
 *
 * Normalization: y = clip((x − mean) / √(var + ε), ±clip) with the population variance var = M2/n.
 * Before any data (n = 0) the statistics are mean 0, var 1 (y = clipped x). A feature with zero
 * variance maps its (constant) value to 0, and any other value to ±clip when ε = 0.
 *
 * `freeze()` fixes the statistics for evaluation: `update` / `updateBatch` become no-ops (so an
 * evaluation loop can run the training code path unchanged) while inputs are still validated; `merge`
 * into a frozen instance is an error. `fromJSON` restores the frozen flag that was saved.
 *
 * Validation: every vector must have exactly `dim` entries and only finite numbers; a bad input throws a
 * RangeError naming the index and nothing is updated (a batch is validated before it is applied).
 *
 * Checkpoints: `toJSON()` gives plain JSON (numbers as JSON numbers, which JavaScript prints in their
 * shortest round-trip form, so `fromJSON(JSON.parse(JSON.stringify(n.toJSON())))` restores every bit).
 */
import { z } from 'zod';

export const DEFAULT_NORMALIZER_EPSILON = 1e-8;

export interface NormalizerState {
  version: 1;
  dim: number;
  count: number;
  mean: number[];
  m2: number[];
  epsilon: number;
  frozen: boolean;
}

const finite = z.number().finite();
const stateSchema = z.strictObject({
  version: z.literal(1),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  mean: z.array(finite),
  m2: z.array(finite.nonnegative()),
  epsilon: finite.nonnegative(),
  frozen: z.boolean(),
});

export class RunningNormalizer {
  readonly dim: number;
  readonly epsilon: number;
  private n = 0;
  private readonly mu: Float64Array;
  private readonly m2: Float64Array;
  private isFrozen = false;
  /** Scratch for batch summaries (allocated on first use). */
  private batchMean: Float64Array | null = null;
  private batchM2: Float64Array | null = null;

  constructor(dim: number, options: { epsilon?: number } = {}) {
    if (!(Number.isSafeInteger(dim) && dim > 0))
      throw new RangeError(`RunningNormalizer: dim must be a positive integer (got ${dim})`);
    const eps = options.epsilon ?? DEFAULT_NORMALIZER_EPSILON;
    if (!(Number.isFinite(eps) && eps >= 0))
      throw new RangeError(`RunningNormalizer: epsilon must be a finite number ≥ 0 (got ${eps})`);
    this.dim = dim;
    this.epsilon = eps;
    this.mu = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
  }

  /** Number of vectors seen. */
  get count(): number {
    return this.n;
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Stop updating (evaluation). */
  freeze(): void {
    this.isFrozen = true;
  }

  unfreeze(): void {
    this.isFrozen = false;
  }

  /** Running mean per feature, copied into `out` (allocated when omitted). */
  mean(out?: Float64Array): Float64Array {
    const o = this.outArray(out, 'mean');
    o.set(this.mu);
    return o;
  }

  /** Population variance M2/n per feature (0 before any data), copied into `out`. */
  variance(out?: Float64Array): Float64Array {
    const o = this.outArray(out, 'variance');
    const n = this.n;
    for (let i = 0; i < this.dim; i++) o[i] = n > 0 ? this.m2[i]! / n : 0;
    return o;
  }

  /** Add one vector (Welford). No-op when frozen (the input is still validated). */
  update(x: ArrayLike<number>): void {
    this.check(x, 'update');
    if (this.isFrozen) return;
    const n = ++this.n;
    const mu = this.mu;
    const m2 = this.m2;
    for (let i = 0; i < this.dim; i++) {
      const xi = x[i]!;
      const d = xi - mu[i]!;
      const m = mu[i]! + d / n;
      mu[i] = m;
      m2[i] = m2[i]! + d * (xi - m);
    }
  }

  /**
   * Add a batch: either a flat row-major array of k·dim numbers or an array of k vectors. The whole
   * batch is validated first; it is then summarized in two passes and merged (Chan et al.). No-op when
   * frozen.
   */
  updateBatch(batch: ArrayLike<number> | readonly ArrayLike<number>[]): void {
    const dim = this.dim;
    const rows =
      batch.length === 0 ? [] : typeof batch[0] === 'number' ? null : (batch as readonly ArrayLike<number>[]);
    let k: number;
    let at: (r: number, i: number) => number;
    if (rows === null) {
      const flat = batch as ArrayLike<number>;
      if (flat.length % dim !== 0)
        throw new RangeError(
          `RunningNormalizer.updateBatch: flat batch length ${flat.length} is not a multiple of dim ${dim}`,
        );
      k = flat.length / dim;
      for (let j = 0; j < flat.length; j++) {
        const v = flat[j];
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new RangeError(
            `RunningNormalizer.updateBatch: row ${Math.floor(j / dim)} feature ${j % dim} is ${String(v)} (must be finite)`,
          );
      }
      at = (r, i) => flat[r * dim + i]!;
    } else {
      k = rows.length;
      for (let r = 0; r < k; r++) this.check(rows[r]!, `updateBatch (row ${r})`);
      at = (r, i) => rows[r]![i]!;
    }
    if (k === 0 || this.isFrozen) return;
    const bm = (this.batchMean ??= new Float64Array(dim));
    const bv = (this.batchM2 ??= new Float64Array(dim));
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let r = 0; r < k; r++) s += at(r, i);
      const m = s / k;
      let ss = 0;
      let c = 0;
      for (let r = 0; r < k; r++) {
        const e = at(r, i) - m;
        ss += e * e;
        c += e;
      }
      bm[i] = m;
      bv[i] = ss - (c * c) / k; // corrected two-pass (Chan, Golub & LeVeque 1983)
    }
    this.mergeStats(k, bm, bv);
  }

  /** Merge another normalizer's statistics into this one (Chan et al.); `other` is unchanged. */
  merge(other: RunningNormalizer): void {
    if (other.dim !== this.dim)
      throw new RangeError(`RunningNormalizer.merge: dim ${other.dim} does not match this dim ${this.dim}`);
    if (this.isFrozen) throw new Error('RunningNormalizer.merge: this normalizer is frozen');
    if (other === this) {
      // Merging a summary with itself: mean unchanged, M2 doubles, count doubles.
      this.mergeStats(this.n, Float64Array.from(this.mu), Float64Array.from(this.m2));
      return;
    }
    this.mergeStats(other.n, other.mu, other.m2);
  }

  /**
   * y = clip((x − mean)/√(var + ε), ±clip) into `out` (may be `x` itself). `clip` > 0; pass Infinity
   * for no clipping. Allocates nothing.
   */
  normalize(x: ArrayLike<number>, out: Float64Array, clip = 5): Float64Array {
    this.check(x, 'normalize');
    if (out.length !== this.dim)
      throw new RangeError(
        `RunningNormalizer.normalize: out has ${out.length} entries, expected ${this.dim}`,
      );
    if (!(clip > 0)) throw new RangeError(`RunningNormalizer.normalize: clip must be > 0 (got ${clip})`);
    const n = this.n;
    const eps = this.epsilon;
    for (let i = 0; i < this.dim; i++) {
      const v = n > 0 ? this.m2[i]! / n : 1;
      const mean = n > 0 ? this.mu[i]! : 0;
      const diff = x[i]! - mean;
      const den = Math.sqrt(v + eps);
      let y =
        diff === 0
          ? 0
          : den > 0
            ? diff / den
            : diff > 0
              ? Number.POSITIVE_INFINITY
              : Number.NEGATIVE_INFINITY;
      if (y > clip) y = clip;
      else if (y < -clip) y = -clip;
      out[i] = y;
    }
    return out;
  }

  toJSON(): NormalizerState {
    return {
      version: 1,
      dim: this.dim,
      count: this.n,
      mean: Array.from(this.mu),
      m2: Array.from(this.m2),
      epsilon: this.epsilon,
      frozen: this.isFrozen,
    };
  }

  /** Restore from `toJSON()` output (e.g. parsed from a checkpoint file); throws on invalid state. */
  static fromJSON(json: unknown): RunningNormalizer {
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
      throw new RangeError(`RunningNormalizer.fromJSON: ${where}: ${issue?.message ?? 'invalid state'}`);
    }
    const s = parsed.data;
    if (s.mean.length !== s.dim || s.m2.length !== s.dim)
      throw new RangeError(
        `RunningNormalizer.fromJSON: mean and m2 must have dim = ${s.dim} entries (got ${s.mean.length} and ${s.m2.length})`,
      );
    const r = new RunningNormalizer(s.dim, { epsilon: s.epsilon });
    r.n = s.count;
    r.mu.set(s.mean);
    r.m2.set(s.m2);
    r.isFrozen = s.frozen;
    return r;
  }

  private mergeStats(nb: number, meanB: ArrayLike<number>, m2B: ArrayLike<number>): void {
    if (nb === 0) return;
    const na = this.n;
    const n = na + nb;
    const mu = this.mu;
    const m2 = this.m2;
    if (na === 0) {
      for (let i = 0; i < this.dim; i++) {
        mu[i] = meanB[i]!;
        m2[i] = m2B[i]!;
      }
    } else {
      const wb = nb / n;
      const w = (na * nb) / n;
      for (let i = 0; i < this.dim; i++) {
        const d = meanB[i]! - mu[i]!;
        mu[i] = mu[i]! + d * wb;
        m2[i] = m2[i]! + m2B[i]! + d * d * w;
      }
    }
    this.n = n;
  }

  private check(x: ArrayLike<number>, who: string): void {
    if (x.length !== this.dim)
      throw new RangeError(
        `RunningNormalizer.${who}: input has ${x.length} entries, expected dim = ${this.dim}`,
      );
    for (let i = 0; i < this.dim; i++) {
      const v = x[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new RangeError(`RunningNormalizer.${who}: feature ${i} is ${String(v)} (must be finite)`);
    }
  }

  private outArray(out: Float64Array | undefined, who: string): Float64Array {
    if (out === undefined) return new Float64Array(this.dim);
    if (out.length !== this.dim)
      throw new RangeError(`RunningNormalizer.${who}: out has ${out.length} entries, expected ${this.dim}`);
    return out;
  }
}
