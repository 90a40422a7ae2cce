/**
 * Scenario presets: the example configs shipped in resources/configs/, offered in the UI as starting
 * points (their YAML is editable there). Read once per call; they are small.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ScenarioPreset } from '../api/contract';

export function defaultConfigsDir(): string {
  return fileURLToPath(new URL('../../resources/configs/', import.meta.url));
}

export function loadPresets(dir = defaultConfigsDir()): ScenarioPreset[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.map((f) => {
    const yaml = readFileSync(`${dir}/${f}`, 'utf8');
    const doc = parse(yaml) as {
      name?: unknown;
      description?: unknown;
      scenario?: { mode?: unknown };
    } | null;
    const id = f.replace(/\.yaml$/, '');
    return {
      id,
      title: typeof doc?.name === 'string' ? doc.name : id,
      description: typeof doc?.description === 'string' ? doc.description : '',
      mode: doc?.scenario?.mode === 'book' ? 'book' : 'intensity',
      yaml,
    };
  });
}
