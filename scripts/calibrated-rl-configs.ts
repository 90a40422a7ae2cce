/**
 * Training configs on calibrated scenarios (issue 12 §1, "calibrated scenarios" and "real replay"):
 * turns the book-mode scenario that `quotebench calibrate` wrote into a SAC training config with the
 * venue choices a market maker would make there, the same for every agent of the study.
 *
 *   npx tsx scripts/calibrated-rl-configs.ts --calibrated amzn.yaml --preset amzn --out sac-amzn.yaml
 *        [--name sac-amzn] [--steps 150000] [--seed 11] [--session 120] [--keep-profile]
 *
 * Presets (docs/results.md, "RL on calibrated scenarios and real replays"):
 *   amzn  LOBSTER AMZN (tick $0.01, lot 1 share): 100-share quotes, inventory limit 1,000 shares, NASDAQ-like
 *         fees (maker −0.1 bp, taker 0.15 bp), 60-s episodes, offsets 0–20 ticks behind the touch,
 *         λ = 1e-5 per share² per decision and ζ = 1e-4 per share² at the end (≈ γσ²/2 with γ ≈ 0.01 per $),
 *         reward scale 1.
 *   btc   Binance USD-M BTCUSDT (tick 0.1, lot 0.001 BTC): 0.01-BTC quotes, limit 0.2 BTC, maker 0 / taker
 *         2 bp (an assumed tier: set yours), 20-s episodes, offsets 0–30 ticks behind the touch, the same
 *         λ and ζ per lot², reward scale 100 (a 0.01-BTC round trip earns cents).
 * --session S shortens the simulated session (scenario.horizon) to S seconds when the calibrated one is
 * long (a whole-day calibration), so that every episode does not simulate the whole day; the intraday
 * activity profile is then dropped (replayed windows come from any time of day: the day-average rates
 * fit them better than the opening's), unless --keep-profile.
 * The baseline block takes the calibrated GLFT's A and k (the eval CLI tunes every baseline anyway).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { parseTrainConfig } from '../core/rl/train/config';

interface Preset {
  scenario: Record<string, unknown>;
  env: Record<string, unknown>;
  rewardScale: number;
}

const PRESETS: Record<string, Preset> = {
  amzn: {
    scenario: { fees: { makerBps: -0.1, takerBps: 0.15 }, inventoryLimitLots: 1000 },
    env: {
      orderSizeLots: 100,
      actionMap: 'ticks-from-touch',
      minTicks: 0,
      maxTicks: 20,
      minOffset: 0,
      maxOffset: 0.3,
      inventoryScale: 300,
      horizon: 60,
      reward: { inventory: 1e-5, inventoryPenalty: 'quadratic', terminalInventory: 1e-4 },
    },
    rewardScale: 1,
  },
  btc: {
    scenario: { fees: { makerBps: 0, takerBps: 2 }, inventoryLimitLots: 200 },
    env: {
      orderSizeLots: 10,
      actionMap: 'ticks-from-touch',
      minTicks: 0,
      maxTicks: 30,
      minOffset: 0,
      maxOffset: 3,
      inventoryScale: 50,
      horizon: 20,
      reward: { inventory: 1e-5, inventoryPenalty: 'quadratic', terminalInventory: 1e-4 },
    },
    rewardScale: 100,
  },
};

function main(): void {
  const { values } = parseArgs({
    options: {
      calibrated: { type: 'string' },
      preset: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      steps: { type: 'string', default: '150000' },
      seed: { type: 'string', default: '11' },
      session: { type: 'string' },
      'keep-profile': { type: 'boolean', default: false },
    },
  });
  const preset = PRESETS[values.preset ?? ''];
  if (values.calibrated === undefined || values.out === undefined || preset === undefined) {
    process.stderr.write(
      'usage: calibrated-rl-configs.ts --calibrated FILE --preset amzn|btc --out FILE [--name N] [--steps N] [--seed N] [--session S] [--keep-profile]\n',
    );
    process.exit(2);
  }
  const cal = YAML.parse(fs.readFileSync(values.calibrated, 'utf8')) as {
    scenario: Record<string, unknown> & { flow?: Record<string, unknown> };
    strategies?: { type: string; A?: number; k?: number }[];
  };
  const steps = Number(values.steps);
  const scenario: Record<string, unknown> = { ...cal.scenario, ...preset.scenario };
  if (values.session !== undefined) {
    scenario.horizon = Number(values.session);
    if (!values['keep-profile'] && cal.scenario.flow !== undefined) {
      const { activityProfile: _dropped, ...flow } = cal.scenario.flow;
      scenario.flow = flow;
    }
  }
  const glft = cal.strategies?.find((s) => s.type === 'glft');
  const name = values.name ?? `sac-${values.preset}`;
  const cfg = {
    name,
    description: `SAC on the book scenario calibrated in ${values.calibrated} (issue 12 §1)`,
    algo: 'sac',
    seed: Number(values.seed),
    scenario,
    env: preset.env,
    features: { kind: 'book', levels: 5, volHorizons: [5, 20] },
    normalizeObservations: true,
    rewardScale: preset.rewardScale,
    sac: {
      hidden: [64, 64],
      gamma: 0.9,
      tau: 0.005,
      batchSize: 256,
      warmupSteps: 2000,
      updatesPerStep: 0.25,
      updateEvery: 4,
      bufferSize: 1_000_000,
    },
    budget: {
      totalSteps: steps,
      checkpointEvery: steps / 5,
      evalEvery: steps / 5,
      evalEpisodes: 10,
      maxMinutes: 30,
    },
    baseline: { gamma: 0.01, A: glft?.A ?? 1, k: glft?.k ?? 10, Q: 10 },
  };
  const text = YAML.stringify(cfg);
  parseTrainConfig(text, values.out); // refuse to write a config the trainer would reject
  fs.writeFileSync(values.out, text);
  process.stderr.write(`wrote ${values.out}\n`);
}

main();
