/**
 * Presets: the example configs shipped in resources/configs/, offered in the UI as starting points
 * (their YAML is editable there). Backtest scenario configs and training configs share the folder; a
 * training config is one with a top-level `algo` key (core/rl/train/config.ts), and each list only
 * takes its own kind; sweep configs (a top-level `seeds` list, core/sweep) are in neither. Read once per call; they are small.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ScenarioPreset, TrainAlgo, TrainPreset } from '../api/contract';

export function defaultConfigsDir(): string {
  return fileURLToPath(new URL('../../resources/configs/', import.meta.url));
}

interface PresetDoc {
  name?: unknown;
  description?: unknown;
  algo?: unknown;
  seeds?: unknown;
  scenario?: { mode?: unknown };
}

function readConfigs(dir: string): { id: string; yaml: string; doc: PresetDoc | null }[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((f) => {
    const yaml = readFileSync(`${dir}/${f}`, 'utf8');
    let doc: PresetDoc | null = null;
    try {
      const parsed: unknown = parse(yaml);
      if (typeof parsed === 'object' && parsed !== null) doc = parsed as PresetDoc;
    } catch {
      // A broken file still shows up (its YAML errors surface when it is used).
    }
    return { id: f.replace(/\.yaml$/, ''), yaml, doc };
  });
}

const isTraining = (doc: PresetDoc | null): boolean => doc?.algo !== undefined;
/** Sweep and stress-sweep configs (core/sweep: a top-level `seeds` list) are for the CLI, not presets. */
const isSweep = (doc: PresetDoc | null): boolean => doc?.seeds !== undefined;

/** Backtest scenario presets (every config without a top-level `algo` or `seeds`). */
export function loadPresets(dir = defaultConfigsDir()): ScenarioPreset[] {
  return readConfigs(dir)
    .filter((c) => !isTraining(c.doc) && !isSweep(c.doc))
    .map(({ id, yaml, doc }) => ({
      id,
      title: typeof doc?.name === 'string' ? doc.name : id,
      description: typeof doc?.description === 'string' ? doc.description : '',
      mode: doc?.scenario?.mode === 'book' ? 'book' : 'intensity',
      yaml,
    }));
}

/** Training presets (configs with a top-level `algo`: sac-default, ppo-default, sac-as, …). */
export function loadTrainPresets(dir = defaultConfigsDir()): TrainPreset[] {
  return readConfigs(dir)
    .filter((c) => isTraining(c.doc))
    .map(({ id, yaml, doc }) => ({
      id,
      title: typeof doc?.name === 'string' ? doc.name : id,
      description: typeof doc?.description === 'string' ? doc.description.trim() : '',
      algo: (doc?.algo === 'ppo' || doc?.algo === 'reinforce' ? doc.algo : 'sac') satisfies TrainAlgo,
      yaml,
    }));
}
