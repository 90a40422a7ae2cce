/**
 * Build a Quoter from one expanded strategy spec (see specs.ts) and the scenario it will run in.
 * Model parameters the spec leaves out come from the scenario: σ from the price process (for a GBM,
 * σ·s0, its absolute volatility at the start), A and k from the intensity model. In book mode there is
 * no intensity model, so A and k must be given (the config schema enforces it).
 */
import type { ScenarioConfig } from './config';
import { AvellanedaStoikovQuoter } from '../strategy/avellaneda-stoikov';
import { FixedSpreadQuoter } from '../strategy/fixed-spread';
import { GlftQuoter } from '../strategy/glft';
import { RandomQuoter } from '../strategy/random-quoter';
import type { ParamValue, PathContext, QuoteDecision, Quoter, MarketObservation } from '../strategy/quoter';
import { strategySpecSchema } from '../strategy/specs';

export function scenarioSigma(sc: ScenarioConfig): number {
  if (sc.mode === 'replay')
    throw new RangeError('sigma is required: a replay has no price model to take it from');
  return sc.price.model === 'gbm' ? sc.price.sigma * sc.s0 : sc.price.sigma;
}

function fromScenario(sc: ScenarioConfig, key: 'A' | 'k'): number | undefined {
  return sc.mode === 'intensity' ? sc.intensity[key] : undefined;
}

function required(v: number | undefined, what: string): number {
  if (v === undefined)
    throw new RangeError(`${what} is required: the scenario has no intensity model to take it from`);
  return v;
}

/** Build the quoter for an expanded spec (all parameters scalar). */
export function buildQuoter(raw: Record<string, unknown>, sc: ScenarioConfig): Quoter {
  const spec = strategySpecSchema.parse(raw);
  let quoter: Quoter;
  switch (spec.type) {
    case 'fixed-spread':
      quoter = new FixedSpreadQuoter({
        halfSpread: scalar(spec.halfSpread),
        skewPerLot: scalar(spec.skewPerLot),
        orderSizeLots: scalar(spec.orderSizeLots),
        ...(spec.maxInventoryLots !== undefined ? { maxInventoryLots: scalar(spec.maxInventoryLots) } : {}),
      });
      break;
    case 'avellaneda-stoikov':
      quoter = new AvellanedaStoikovQuoter({
        variant: spec.variant,
        gamma: scalar(spec.gamma),
        sigma: spec.sigma !== undefined ? scalar(spec.sigma) : scenarioSigma(sc),
        k: required(spec.k !== undefined ? scalar(spec.k) : fromScenario(sc, 'k'), 'avellaneda-stoikov: k'),
        orderSizeLots: scalar(spec.orderSizeLots),
        ...(spec.window !== undefined ? { window: scalar(spec.window) } : {}),
        ...(spec.maxInventoryLots !== undefined ? { maxInventoryLots: scalar(spec.maxInventoryLots) } : {}),
      });
      break;
    case 'glft':
      quoter = new GlftQuoter({
        method: spec.method,
        gamma: scalar(spec.gamma),
        sigma: spec.sigma !== undefined ? scalar(spec.sigma) : scenarioSigma(sc),
        A: required(spec.A !== undefined ? scalar(spec.A) : fromScenario(sc, 'A'), 'glft: A'),
        k: required(spec.k !== undefined ? scalar(spec.k) : fromScenario(sc, 'k'), 'glft: k'),
        Q: scalar(spec.Q),
        orderSizeLots: scalar(spec.orderSizeLots),
        ...(spec.window !== undefined ? { window: scalar(spec.window) } : {}),
      });
      break;
    case 'random':
      quoter = new RandomQuoter({
        minOffset: scalar(spec.minOffset),
        maxOffset: scalar(spec.maxOffset),
        orderSizeLots: scalar(spec.orderSizeLots),
        seed: scalar(spec.seed),
      });
      break;
  }
  return spec.name !== undefined ? renamed(quoter, spec.name) : quoter;
}

function scalar(v: number | number[]): number {
  if (Array.isArray(v)) throw new Error('buildQuoter: expand parameter grids before building (expandGrid)');
  return v;
}

/** The same quoter under a user-chosen name (for results tables). */
export function renamed(inner: Quoter, name: string): Quoter {
  return {
    name,
    get params(): Readonly<Record<string, ParamValue>> {
      return inner.params;
    },
    reset: (path?: PathContext) => inner.reset(path),
    quote: (obs: MarketObservation, out: QuoteDecision) => inner.quote(obs, out),
  };
}
