/**
 * Adam optimizer state in and out of checkpoints (SAC and PPO). tfjs's Optimizer.getWeights returns the
 * iteration count first (a fresh scalar) and then the optimizer's own moment variables, m for each
 * trained variable and then v, in the order of the variable list; setWeights takes the same layout.
 * Stored as plain Float32Arrays so that a checkpoint is backend-independent.
 *
 * Adam's bias-correction products β1^t and β2^t (tfjs keeps them as float32 variables multiplied by β
 * every step) are saved too: tfjs's setWeights recomputes them as pow(β, t + 1), which differs from the
 * running float32 product in the last bits for some t, so a resumed optimizer would drift from the
 * one that never stopped. They are restored exactly after setWeights when the state has them.
 */
import * as tf from '@tensorflow/tfjs';

export interface OptimizerState {
  iterations: number;
  /** Names of the moment slots without the agent prefix (for inspection; restore is positional). */
  names: string[];
  values: Float32Array[];
  /** Adam's running β1^t, β2^t (float32 values); absent in older checkpoints. */
  accBeta?: number[];
}

/** The private bias-correction variables of tfjs's AdamOptimizer (undefined for other optimizers). */
function accBetaVars(opt: tf.Optimizer): [tf.Variable, tf.Variable] | undefined {
  const o = opt as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable
    ? [o.accBeta1, o.accBeta2]
    : undefined;
}

/** tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/** Copy an optimizer's state out (names relative to `prefix/`). */
export async function readOptimizer(opt: tf.Optimizer, prefix: string): Promise<OptimizerState> {
  const named = await opt.getWeights();
  const [iter, ...rest] = named;
  const iterations = iter ? (await iter.tensor.data())[0]! : 0;
  iter?.tensor.dispose(); // a fresh scalar; the rest are the optimizer's own variables
  const values = await Promise.all(
    rest.map(async (t) => Float32Array.from((await t.tensor.data()) as Float32Array)),
  );
  const names = rest.map((t) => (t.name.startsWith(`${prefix}/`) ? t.name.slice(prefix.length + 1) : t.name));
  const acc = accBetaVars(opt);
  const accBeta = acc ? await Promise.all(acc.map(async (v) => (await v.data())[0]!)) : undefined;
  return { iterations, names, values, ...(accBeta ? { accBeta } : {}) };
}

/**
 * Replace an Adam optimizer's moments (positional: m for each variable, then v; none at all is allowed:
 * the optimizer starts fresh), disposing the old ones. `who` prefixes error messages, e.g.
 * "Sac.setWeights: actor".
 */
export async function writeOptimizer(
  opt: tf.Optimizer,
  s: OptimizerState,
  vars: readonly tf.Variable[],
  who: string,
): Promise<void> {
  if (!(Number.isInteger(s.iterations) && s.iterations >= 0))
    throw new RangeError(`${who} optimizer iterations must be an integer ≥ 0`);
  const n = vars.length;
  if (s.values.length !== 0 && s.values.length !== 2 * n)
    throw new RangeError(`${who} optimizer has ${s.values.length} slots, expected ${2 * n}`);
  for (let i = 0; i < s.values.length; i++)
    if (s.values[i]!.length !== vars[i % n]!.size)
      throw new RangeError(`${who} optimizer slot ${i} has the wrong size`);
  const old = await opt.getWeights();
  old[0]?.tensor.dispose();
  const fresh: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(s.iterations, 'int32') }];
  for (let i = 0; i < s.values.length; i++) {
    const v = vars[i % n]!;
    fresh.push({
      name: `${v.name}/${i < n ? 'm' : 'v'}`,
      tensor: tf.tensor(s.values[i]!.slice(), v.shape, 'float32'),
    });
  }
  await opt.setWeights(fresh);
  const acc = accBetaVars(opt);
  if (acc && s.accBeta !== undefined) {
    if (s.accBeta.length !== 2 || !s.accBeta.every((x) => Number.isFinite(x) && x > 0 && x <= 1))
      throw new RangeError(`${who} optimizer accBeta must be two numbers in (0, 1]`);
    acc.forEach((v, i) => tf.tidy(() => v.assign(tf.scalar(s.accBeta![i]!, 'float32'))));
  }
  for (const t of fresh) t.tensor.dispose();
  for (const t of old.slice(1)) t.tensor.dispose();
}
