/**
 * The small training problem the tests share: the Avellaneda–Stoikov intensity model with 50-step
 * episodes (T = 1, dt = 0.02, σ = 2 with binomial increments, A = 140, k = 1.5), offsets in [0, 3],
 * inventory scale 5. Tests add their own algorithm sections, budget and reward.
 */
import { parseTrainConfig, type TrainConfig } from './config';

export interface TinyOptions {
  name?: string;
  algo?: 'sac' | 'ppo' | 'reinforce';
  seed?: number;
  /** Extra lines inside `env:` (indented by two spaces), e.g. "  reward: { inventory: 0.01 }\n". */
  env?: string;
  /** Top-level YAML after the env section (sac:, ppo:, budget:, …). */
  body?: string;
}

export function tinyTrainYaml(o: TinyOptions = {}): string {
  return `name: ${o.name ?? 'tiny'}
algo: ${o.algo ?? 'sac'}
seed: ${o.seed ?? 5}
scenario:
  mode: intensity
  horizon: 1
  dt: 0.02
  s0: 100
  price: { sigma: 2, increments: binomial }
  intensity: { A: 140, k: 1.5 }
env:
  maxOffset: 3
  inventoryScale: 5
${o.env ?? ''}${o.body ?? ''}`;
}

export function tinyTrainConfig(o: TinyOptions = {}): TrainConfig {
  return parseTrainConfig(tinyTrainYaml(o), `${o.name ?? 'tiny'}.yaml`);
}
