/**
 * Dense layers and MLPs on raw tf.Variables, with hand-written gradients.
 *
 * Why not tf.layers: tfjs differentiates y = x·W + b with matMul(dy, W, transposeB) and
 * matMul(x, dy, transposeA). On the wasm backend (XNNPACK) a transposed matMul is ~15× slower than a
 * plain one, which made SAC ~4× slower. `dense` is a tf.customGrad op whose backward pass transposes
 * explicitly (tf.transpose, then plain matMul):
 *     z = x·W + b,  y = act(z)
 *     dz = dy ⊙ act'(z)          (relu: act'(z) = [y > 0]; linear: 1)
 *     dx = dz·Wᵀ,  dW = xᵀ·dz,  db = Σ_rows dz
 * The forward pass is one fused kernel (_FusedMatMul: matMul, bias and activation). The same code
 * runs on every backend (tensorflow, wasm, cpu); only the speed differs.
 *
 * Further wasm-specific savings, all measured (XNNPACK packs the right operand B of every matMul,
 * transposing it, unless that same tensor was packed before):
 *   - Mlp layers read W and b from their tf.Variables instead of `save`-ing them (wasm copies saved
 *     tensors, and a copy would defeat the packing cache);
 *   - each layer keeps Wᵀ until W changes, so two backward passes through unchanged weights (SAC's
 *     actor and critic losses at one snapshot) transpose and pack it once;
 *   - dW is formed in whichever orientation packs less (see weightGrads), db as ones·dz on the
 *     packing dz already got (a sum over rows is a slow transpose-and-reduce on wasm).
 *
 * Gradient needs (Mlp.apply options): `frozen` treats the weights as constants — gradients reach the
 * input only and no xᵀ·dz is computed (SAC's actor loss through the critics); `inputGrad: false`
 * skips dz·Wᵀ in the first layer when the input is data.
 *
 * Mlp: sizes [in, h1, …, out], relu on hidden layers, linear output. Initialization is deterministic
 * from a seed (core/rng, never tf.random*): hidden weights He-uniform U(±√(6/fan_in)) (He et al.
 * 2015, for relu), the output layer Glorot-uniform U(±√(6/(fan_in + fan_out))) (Glorot & Bengio
 * 2010) times `outputScale`, biases 0.
 *
 * Typed-array forward pass: `forwardTyped` evaluates the network in plain JavaScript (Float64
 * accumulation, relu zeros skipped, inner loop unrolled by 4) on a snapshot of the weights taken by
 * `syncTyped()` (also refreshed by `fromTypedArrays` and `copyFrom`); the caller decides when the
 * snapshot must be refreshed (after an optimizer step). It avoids tfjs's per-op overhead and the
 * upload/download, which wins on the cpu backend; XNNPACK on wasm is faster even for one row (numbers
 * in sac/sac.ts).
 *
 * Ownership: an Mlp owns its variables; `dispose()` frees them. Tensors returned by `apply` belong to
 * the caller (use inside tf.tidy).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng/rng';

export type Activation = 'relu' | 'linear';

type T2 = tf.Tensor2D;
type T1 = tf.Tensor1D;

/** y = act(x·W + b) as one fused kernel on rank-3 views (the kernel behind tf.fused.matMul). */
function fusedForward(x: T2, W: T2, b: T1, activation: Activation): T2 {
  const [m, k] = x.shape;
  const n = W.shape[1];
  const out = tf
    .engine()
    .runKernel<tf.Tensor3D>(
      '_FusedMatMul',
      { a: tf.reshape(x, [1, m, k]), b: tf.reshape(W, [1, k, n]), bias: b },
      { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 },
    );
  return tf.reshape(out, [m, n]);
}

/*
 * Which way to form dW. Plain matMul(A, B) on wasm packs B (transposing it) unless that very tensor
 * was packed before (XNNPACK operator cache keyed by B), ≈ 2.3× the cost of a tf.transpose of the
 * same size. Per element, packing ≈ 0.42, transposing ≈ 0.18 (ms per 65,536 values, measured):
 *   direct:  dW = transpose(x)·dz,              db = ones[1, n]·dz (reuses dz's packing)
 *   flipped: dW = transpose(transpose(dz)·x),   db = transpose(dz)·ones[n, 1]
 * The flipped form wins when the layer is much wider than its input (the first layer, 18 → 256).
 */
const PACK = 0.42;
const TRANSPOSE = 0.18;
function flippedIsCheaper(batch: number, fanIn: number, fanOut: number): boolean {
  const direct = PACK * batch * fanOut + TRANSPOSE * batch * fanIn;
  const flipped = TRANSPOSE * batch * fanOut + PACK * batch * fanIn + TRANSPOSE * fanIn * fanOut;
  return flipped < direct;
}

/** [dW, db] = [xᵀ·dz, Σ_rows dz] without transposed matMul. */
function weightGrads(x: T2, dz: T2): [T2, T1] {
  const [n, fanIn] = x.shape;
  const fanOut = dz.shape[1];
  if (flippedIsCheaper(n, fanIn, fanOut)) {
    const dzT = tf.transpose(dz);
    const dW = tf.transpose(tf.matMul(dzT, x)) as T2;
    return [dW, tf.reshape(tf.matMul(dzT, tf.ones([n, 1])), [fanOut]) as T1];
  }
  return [tf.matMul(tf.transpose(x), dz), tf.reshape(tf.matMul(tf.ones([1, n]), dz), [fanOut]) as T1];
}

/** dz = dy ⊙ act'(z), from the layer output y (relu: [y > 0]). */
function preActivationGrad(dy: tf.Tensor, y: tf.Tensor | undefined): T2 {
  return (y === undefined ? dy : tf.mul(dy, tf.step(y))) as T2;
}

type DenseOp = (x: T2, W: T2, b: T1) => T2;
const SHARED_DENSE = new Map<string, DenseOp>();

/**
 * y = act(x·W + b) for x [batch, in], W [in, out], b [out], with gradients that avoid transposed
 * matMul (see the module header); any tensors (not only variables). `frozen`: zero gradients for W
 * and b (only dx is propagated).
 */
export function dense(x: T2, W: T2, b: T1, activation: Activation = 'linear', frozen = false): T2 {
  const key = `${activation}/${frozen}`;
  let op = SHARED_DENSE.get(key);
  if (op === undefined) {
    const relu = activation === 'relu';
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x0, W0, b0] = args as [T2, T2, T1];
      const save = args[3] as tf.GradSaveFunc;
      const y = fusedForward(x0, W0, b0, activation);
      save(relu ? [x0, W0, y] : [x0, W0]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sW] = saved as [T2, T2];
          const dz = preActivationGrad(dy, relu ? saved[2] : undefined);
          const dx = tf.matMul(dz, tf.transpose(sW));
          if (frozen) return [dx, tf.zerosLike(sW), tf.zerosLike(b0)];
          return [dx, ...weightGrads(sx, dz)];
        },
      };
    }) as DenseOp;
    SHARED_DENSE.set(key, op);
  }
  return op(x, W, b);
}

/** Wᵀ of the last W seen (by identity of its data), kept between calls. */
class TransposeCache {
  private key: object | undefined;
  private t: T2 | undefined;

  /** Wᵀ, recomputed only when W's data changed (an optimizer step or assign gives W new data). */
  get(W: T2): T2 {
    if (this.t !== undefined && this.key === W.dataId) return this.t;
    this.dispose();
    const t = tf.keep(tf.transpose(W));
    this.t = t;
    this.key = W.dataId;
    return t;
  }

  dispose(): void {
    this.t?.dispose();
    this.t = undefined;
    this.key = undefined;
  }
}

/**
 * One layer of an Mlp: its variables, one op per gradient need, and a Wᵀ cache.
 * W and b are tf.Variables, which cannot change between the forward and the backward pass of a
 * tape, so the ops read them from the closure instead of saving them (on wasm `save` copies, and a
 * copy of W would miss XNNPACK's packed-weights cache and the Wᵀ cache, both keyed by W's data).
 * What is a customGrad input is exactly what needs a gradient:
 *   trainable, dx needed   inputs [x, W, b] → [dx, dW, db]
 *   trainable, no dx       inputs [W, b]    → [dW, db]     (x is data, saved)
 *   frozen, dx needed      inputs [x]       → [dx]         (W, b constants: no zero gradients made)
 *   frozen, no dx          a plain forward pass
 */
class DenseLayer {
  private readonly wT = new TransposeCache();
  private readonly full: (x: T2, W: T2, b: T1) => T2;
  private readonly weightsOnly: (W: T2, b: T1) => T2;
  private readonly inputOnly: (x: T2) => T2;
  private pendingInput: T2 | undefined;

  constructor(
    readonly W: tf.Variable<tf.Rank.R2>,
    readonly b: tf.Variable<tf.Rank.R1>,
    readonly activation: Activation,
  ) {
    const relu = activation === 'relu';
    this.full = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as T2;
      const save = args[3] as tf.GradSaveFunc;
      const y = fusedForward(x, this.W, this.b, activation);
      save(relu ? [x, y] : [x]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const sx = saved[0] as T2;
          const dz = preActivationGrad(dy, relu ? saved[1] : undefined);
          return [tf.matMul(dz, this.wT.get(this.W)), ...weightGrads(sx, dz)];
        },
      };
    }) as (x: T2, W: T2, b: T1) => T2;
    this.weightsOnly = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[2] as tf.GradSaveFunc;
      const x = this.pendingInput!;
      const y = fusedForward(x, this.W, this.b, activation);
      save(relu ? [x, y] : [x]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const dz = preActivationGrad(dy, relu ? saved[1] : undefined);
          return weightGrads(saved[0] as T2, dz);
        },
      };
    }) as (W: T2, b: T1) => T2;
    this.inputOnly = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as T2;
      const save = args[1] as tf.GradSaveFunc;
      const y = fusedForward(x, this.W, this.b, activation);
      save(relu ? [y] : []);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const dz = preActivationGrad(dy, relu ? saved[0] : undefined);
          return [tf.matMul(dz, this.wT.get(this.W))];
        },
      };
    }) as (x: T2) => T2;
  }

  apply(x: T2, frozen: boolean, inputGrad: boolean): T2 {
    if (frozen) return inputGrad ? this.inputOnly(x) : fusedForward(x, this.W, this.b, this.activation);
    if (inputGrad) return this.full(x, this.W, this.b);
    this.pendingInput = x;
    try {
      return this.weightsOnly(this.W, this.b);
    } finally {
      this.pendingInput = undefined;
    }
  }

  dispose(): void {
    this.wT.dispose();
    this.W.dispose();
    this.b.dispose();
  }
}

export interface MlpOptions {
  /** Layer widths [in, h1, …, out] (at least [in, out]). */
  sizes: readonly number[];
  /** Seed of the weight initialization. */
  seed: number;
  /** Prefix of the variable names (must be unique among live variables; default: a counter). */
  name?: string;
  /** Factor on the output layer's initial weights (default 1). */
  outputScale?: number;
  /** Whether the variables are trainable (default true; target networks pass false). */
  trainable?: boolean;
}

export interface ApplyOptions {
  /** Treat the weights as constants: gradients flow to the input only (default false). */
  frozen?: boolean;
  /**
   * Whether a gradient with respect to the input is needed (default true). Pass false when the
   * input is data (observations): the first layer then skips dz·Wᵀ.
   */
  inputGrad?: boolean;
}

let mlpCounter = 0;

export class Mlp {
  readonly sizes: readonly number[];
  readonly name: string;
  /** [W0, b0, W1, b1, …]: W_l has shape [sizes[l], sizes[l+1]], b_l [sizes[l+1]]. */
  readonly variables: readonly tf.Variable[];
  private readonly layers: DenseLayer[] = [];
  /** Weight snapshot for forwardTyped, in the order of `variables`. */
  private readonly typed: Float32Array[] = [];
  private scratchA = new Float64Array(0);
  private scratchB = new Float64Array(0);
  private disposed = false;

  constructor(opts: MlpOptions) {
    const sizes = [...opts.sizes];
    if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1))
      throw new RangeError(`Mlp: sizes must be ≥ 2 positive integers (got [${sizes.join(', ')}])`);
    this.sizes = sizes;
    this.name = opts.name ?? `mlp${mlpCounter++}`;
    const trainable = opts.trainable ?? true;
    const outputScale = opts.outputScale ?? 1;
    const rng = new Rng(opts.seed);
    const vars: tf.Variable[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const last = l + 2 === sizes.length;
      const limit = last ? outputScale * Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * limit;
      const bias = new Float32Array(fanOut);
      // The cpu backend keeps the array it is given: hand it copies, never the snapshot arrays.
      const [Wv, bv] = tf.tidy(() => [
        tf.variable(tf.tensor2d(w.slice(), [fanIn, fanOut]), trainable, `${this.name}/l${l}/W`),
        tf.variable(tf.tensor1d(bias.slice()), trainable, `${this.name}/l${l}/b`),
      ]);
      this.layers.push(
        new DenseLayer(
          Wv as tf.Variable<tf.Rank.R2>,
          bv as tf.Variable<tf.Rank.R1>,
          last ? 'linear' : 'relu',
        ),
      );
      vars.push(Wv, bv);
      this.typed.push(w, bias);
    }
    this.variables = vars;
  }

  get inputSize(): number {
    return this.sizes[0]!;
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1]!;
  }

  /** Forward pass on a [batch, in] tensor (caller owns the result; use inside tf.tidy). */
  apply(x: T2, opts: ApplyOptions = {}): T2 {
    this.assertLive();
    const frozen = opts.frozen ?? false;
    let h = x;
    for (let l = 0; l < this.layers.length; l++)
      h = this.layers[l]!.apply(h, frozen, l > 0 || (opts.inputGrad ?? true));
    return h;
  }

  /** Copy all weights from a network of the same shape (also refreshes the typed snapshot). */
  copyFrom(other: Mlp): void {
    this.assertSameShape(other);
    for (let i = 0; i < this.variables.length; i++) this.variables[i]!.assign(other.variables[i]!);
    for (let i = 0; i < this.typed.length; i++) this.typed[i]!.set(other.typedSnapshot(i));
  }

  /** θ ← τ·θ_other + (1 − τ)·θ, in place (Polyak averaging for target networks). */
  polyakFrom(other: Mlp, tau: number): void {
    this.assertSameShape(other);
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`Mlp.polyakFrom: tau must be in [0, 1] (got ${tau})`);
    tf.tidy(() => {
      const keep = tf.scalar(1 - tau);
      const take = tf.scalar(tau);
      for (let i = 0; i < this.variables.length; i++) {
        const v = this.variables[i]!;
        v.assign(tf.add(tf.mul(v, keep), tf.mul(other.variables[i]!, take)));
      }
    });
  }

  /** Copies of the weights, in the order of `variables` (row-major, W as [in, out]). */
  toTypedArrays(): Float32Array[] {
    this.assertLive();
    return this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  /** Load weights (same order and sizes as toTypedArrays); also refreshes the typed snapshot. */
  fromTypedArrays(arrays: readonly Float32Array[]): void {
    this.assertLive();
    if (arrays.length !== this.variables.length)
      throw new RangeError(
        `Mlp.fromTypedArrays: expected ${this.variables.length} arrays, got ${arrays.length}`,
      );
    for (let i = 0; i < arrays.length; i++) {
      const v = this.variables[i]!;
      const a = arrays[i]!;
      if (a.length !== v.size)
        throw new RangeError(
          `Mlp.fromTypedArrays: array ${i} (${v.name}) has ${a.length} values, expected ${v.size}`,
        );
    }
    tf.tidy(() => {
      for (let i = 0; i < arrays.length; i++) {
        const v = this.variables[i]!;
        v.assign(tf.tensor(arrays[i]!.slice(), v.shape, 'float32'));
      }
    });
    for (let i = 0; i < arrays.length; i++) this.typed[i]!.set(arrays[i]!);
  }

  /** Refresh the weight snapshot used by forwardTyped from the variables (one read per variable). */
  syncTyped(): void {
    this.assertLive();
    for (let i = 0; i < this.variables.length; i++)
      this.typed[i]!.set(this.variables[i]!.dataSync() as Float32Array);
  }

  /**
   * Forward pass in plain JavaScript on the snapshot of the last syncTyped/fromTypedArrays/copyFrom:
   * `input` holds `rows` rows of `inputSize` values, `out` receives rows × outputSize values.
   * Allocation-free after the first call with a given number of rows.
   */
  forwardTyped(input: ArrayLike<number>, out: Float32Array | Float64Array, rows = 1): void {
    const sizes = this.sizes;
    const nIn = sizes[0]!;
    const nOut = sizes[sizes.length - 1]!;
    if (input.length < rows * nIn)
      throw new RangeError(`Mlp.forwardTyped: input has ${input.length} values, need ${rows * nIn}`);
    if (out.length < rows * nOut)
      throw new RangeError(`Mlp.forwardTyped: out has ${out.length} values, need ${rows * nOut}`);
    let widest = 0;
    for (let l = 1; l < sizes.length; l++) widest = Math.max(widest, sizes[l]!);
    if (this.scratchA.length < widest) {
      this.scratchA = new Float64Array(widest);
      this.scratchB = new Float64Array(widest);
    }
    const L = sizes.length - 1;
    for (let r = 0; r < rows; r++) {
      let src: ArrayLike<number> = input;
      let srcOff = r * nIn;
      let dst = this.scratchA;
      for (let l = 0; l < L; l++) {
        const fanIn = sizes[l]!;
        const fanOut = sizes[l + 1]!;
        const w = this.typed[2 * l]!;
        const bias = this.typed[2 * l + 1]!;
        dst = l % 2 === 0 ? this.scratchA : this.scratchB;
        for (let j = 0; j < fanOut; j++) dst[j] = bias[j]!;
        const fanOut4 = fanOut - (fanOut % 4);
        for (let i = 0; i < fanIn; i++) {
          const xi = src[srcOff + i]!;
          if (xi === 0) continue; // relu zeros: about half of the hidden units
          const wo = i * fanOut;
          // dst += xi · W[i, :], unrolled by 4 (measured ~1.5× faster than the plain loop in V8).
          let j = 0;
          for (; j < fanOut4; j += 4) {
            dst[j] = dst[j]! + xi * w[wo + j]!;
            dst[j + 1] = dst[j + 1]! + xi * w[wo + j + 1]!;
            dst[j + 2] = dst[j + 2]! + xi * w[wo + j + 2]!;
            dst[j + 3] = dst[j + 3]! + xi * w[wo + j + 3]!;
          }
          for (; j < fanOut; j++) dst[j] = dst[j]! + xi * w[wo + j]!;
        }
        if (l + 1 < L) for (let j = 0; j < fanOut; j++) if (dst[j]! < 0) dst[j] = 0;
        src = dst;
        srcOff = 0;
      }
      const o = r * nOut;
      for (let j = 0; j < nOut; j++) out[o + j] = dst[j]!;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const layer of this.layers) layer.dispose();
  }

  private typedSnapshot(i: number): Float32Array {
    return this.typed[i]!;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`Mlp ${this.name} was disposed`);
  }

  private assertSameShape(other: Mlp): void {
    this.assertLive();
    other.assertLive();
    if (other.sizes.length !== this.sizes.length || other.sizes.some((s, i) => s !== this.sizes[i]))
      throw new RangeError(
        `Mlp ${this.name} [${this.sizes.join(', ')}] and ${other.name} [${other.sizes.join(', ')}] differ in shape`,
      );
  }
}
