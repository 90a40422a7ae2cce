/**
 * Reading and editing a backtest config as YAML text in the renderer. The YAML text is the single
 * source of truth of the Backtest form: the seed, paths and strategy checkboxes are views of it, and
 * editing them rewrites the text (through the `yaml` Document API, which keeps comments and layout),
 * so what the user sees is exactly what `backtest.start {yaml}` receives and server errors' line
 * numbers point into the visible text. Validation proper stays on the server (core/backtest/config.ts).
 */
import { isMap, isSeq, parseDocument, type Document } from 'yaml';

export const STRATEGY_TYPES = ['fixed-spread', 'avellaneda-stoikov', 'glft'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];

export type ConfigInfo =
  | {
      ok: true;
      name: string | undefined;
      seed: number | undefined;
      paths: number | undefined;
      mode: 'intensity' | 'book' | 'replay' | undefined;
      /** Replay mode: the dataset and the queue model the scenario names ('auto' when it names none). */
      replay: { dataset: string | undefined; queue: QueueChoice } | undefined;
      tickSize: number | undefined;
      horizon: number | undefined;
      types: ReadonlySet<string>;
    }
  | { ok: false; error: string; line: number | undefined };

export function inspectConfig(text: string): ConfigInfo {
  const doc = parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    return { ok: false, error: firstLine(err.message), line };
  }
  const root: unknown = doc.toJS();
  if (!isRecord(root)) return { ok: false, error: 'the config must be a YAML mapping', line: undefined };
  const scenario = isRecord(root.scenario) ? root.scenario : {};
  const strategies = Array.isArray(root.strategies) ? root.strategies : [];
  const types = new Set<string>();
  for (const s of strategies) if (isRecord(s) && typeof s.type === 'string') types.add(s.type);
  return {
    ok: true,
    name: typeof root.name === 'string' ? root.name : undefined,
    seed: typeof root.seed === 'number' ? root.seed : undefined,
    paths: typeof root.paths === 'number' ? root.paths : undefined,
    mode:
      scenario.mode === 'book' || scenario.mode === 'intensity' || scenario.mode === 'replay'
        ? scenario.mode
        : undefined,
    replay:
      scenario.mode === 'replay'
        ? {
            dataset: typeof scenario.dataset === 'string' ? scenario.dataset : undefined,
            queue: queueChoiceOf(scenario.queue),
          }
        : undefined,
    tickSize: typeof scenario.tickSize === 'number' ? scenario.tickSize : undefined,
    horizon: typeof scenario.horizon === 'number' ? scenario.horizon : undefined,
    types,
  };
}

/**
 * Queue models of a replay (core/replay/scenario.ts queueSchema); 'auto' leaves the key out (FIFO on L3
 * data, risk-averse on L2).
 */
export const QUEUE_CHOICES = ['auto', 'fifo', 'risk-averse', 'prob-power', 'prob-log'] as const;
export type QueueChoice = (typeof QUEUE_CHOICES)[number];

function queueChoiceOf(q: unknown): QueueChoice {
  const model = isRecord(q) ? q.model : undefined;
  return (QUEUE_CHOICES as readonly unknown[]).includes(model) && model !== 'auto'
    ? (model as QueueChoice)
    : 'auto';
}

/** Keys a simulated scenario shares with a replay (core/replay/scenario.ts), carried over on a switch. */
const REPLAY_KEYS_FROM_BOOK = [
  'lotSize',
  'fees',
  'latency',
  'decisionInterval',
  'sampleInterval',
  'postOnly',
  'inventoryLimitLots',
  'initialInventoryLots',
] as const;

/**
 * Makes the scenario a replay of `dataset` with the queue model `queue` (a scenario already in replay
 * mode keeps its other keys: from, to, latency, fees…); the rest of the config is kept. Switching from
 * a simulated scenario carries over the keys a replay shares with it (book mode: lot size, fees,
 * latency, decision interval…), and gives the model-based quoters the σ, A and k they took from the
 * simulated scenario (a recorded market has no model: replay mode requires them on the strategy).
 */
export function setReplayScenario(text: string, dataset: string, queue: QueueChoice): string {
  const doc = parseStrict(text);
  if (doc.getIn(['scenario', 'mode']) !== 'replay') {
    const old: unknown = (doc.toJS() as Record<string, unknown>).scenario;
    const sc = isRecord(old) ? old : {};
    const replay: Record<string, unknown> = { mode: 'replay', name: `replay-${dataset}`, dataset };
    if (sc.mode === 'book') for (const k of REPLAY_KEYS_FROM_BOOK) if (sc[k] !== undefined) replay[k] = sc[k];
    doc.set('scenario', doc.createNode(replay));
    const price = isRecord(sc.price) ? sc.price : {};
    const intensity = isRecord(sc.intensity) ? sc.intensity : {};
    const model: Record<string, unknown> = { sigma: price.sigma, A: intensity.A, k: intensity.k };
    const needs: Record<string, readonly string[]> = {
      glft: ['sigma', 'A', 'k'],
      'avellaneda-stoikov': ['sigma', 'k'],
    };
    const seq = doc.get('strategies');
    if (isSeq(seq))
      for (const item of seq.items) {
        if (!isMap(item)) continue;
        for (const key of needs[String(item.get('type'))] ?? [])
          if (item.get(key) === undefined && typeof model[key] === 'number') item.set(key, model[key]);
      }
  } else doc.setIn(['scenario', 'dataset'], dataset);
  if (queue === 'auto') doc.deleteIn(['scenario', 'queue']);
  else
    doc.setIn(
      ['scenario', 'queue'],
      doc.createNode(queue === 'prob-power' ? { model: queue, n: 2 } : { model: queue }),
    );
  return stringify(doc);
}

/** The scenario as plain data (to restore it later with setScenario), or undefined. */
export function scenarioOf(text: string): unknown {
  const doc = parseStrict(text);
  const node: unknown = doc.get('scenario');
  return node === undefined ? undefined : (doc.toJS() as Record<string, unknown>).scenario;
}

/** Replaces the scenario with `scenario` (plain data), keeping the rest of the text. */
export function setScenario(text: string, scenario: unknown): string {
  const doc = parseStrict(text);
  doc.set('scenario', doc.createNode(scenario));
  return stringify(doc);
}

/** Sets a top-level scalar (seed, paths), keeping the rest of the text. */
export function setTopLevel(text: string, key: string, value: number | string): string {
  const doc = parseStrict(text);
  doc.set(key, value);
  return stringify(doc);
}

/**
 * Adds or removes all strategies of a type. Added entries come from `presetText` when the preset has
 * that type, else from a default that validates for the config's scenario mode.
 */
export function setStrategyEnabled(
  text: string,
  type: StrategyType,
  enabled: boolean,
  presetText?: string,
): string {
  const doc = parseStrict(text);
  let seq = doc.get('strategies');
  if (!isSeq(seq)) {
    seq = doc.createNode([]);
    doc.set('strategies', seq);
  }
  if (!isSeq(seq)) return text;
  const typeOf = (item: unknown): unknown => (isMap(item) ? item.get('type') : undefined);
  if (!enabled) {
    seq.items = seq.items.filter((item) => typeOf(item) !== type);
    return stringify(doc);
  }
  if (seq.items.some((item) => typeOf(item) === type)) return text;
  const fromPreset = presetText ? presetStrategies(presetText, type) : [];
  const mode = doc.getIn(['scenario', 'mode']) === 'book' ? 'book' : 'intensity';
  const entries = fromPreset.length > 0 ? fromPreset : [defaultStrategy(type, mode)];
  for (const e of entries) seq.items.push(doc.createNode(e));
  return stringify(doc);
}

function presetStrategies(presetText: string, type: string): Record<string, unknown>[] {
  const doc = parseDocument(presetText);
  if (doc.errors.length > 0) return [];
  const root: unknown = doc.toJS();
  if (!isRecord(root) || !Array.isArray(root.strategies)) return [];
  return root.strategies.filter((s): s is Record<string, unknown> => isRecord(s) && s.type === type);
}

/** A reasonable starting point per strategy; book mode needs explicit A and k (no intensity model). */
function defaultStrategy(type: StrategyType, mode: 'book' | 'intensity'): Record<string, unknown> {
  switch (type) {
    case 'fixed-spread':
      return mode === 'book' ? { type, halfSpread: 0.01, skewPerLot: 0.001 } : { type, halfSpread: 0.7 };
    case 'avellaneda-stoikov':
      return mode === 'book' ? { type, gamma: 0.1, k: 100, window: 300 } : { type, gamma: 0.1 };
    case 'glft':
      return mode === 'book'
        ? { type, method: 'exact', gamma: 0.1, A: 0.5, k: 100, Q: 20 }
        : { type, gamma: 0.1 };
  }
}

function parseStrict(text: string): Document {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) throw new Error(`the YAML has an error; fix it first: ${firstLine(err.message)}`);
  if (!isMap(doc.contents)) throw new Error('the config must be a YAML mapping');
  return doc;
}

function stringify(doc: Document): string {
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
