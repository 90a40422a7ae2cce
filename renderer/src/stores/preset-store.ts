/** The scenario presets (resources/configs/*.yaml, from `scenarios.presets`), keyed by id. */
import { makeAutoObservable, runInAction } from 'mobx';
import type { ScenarioPreset } from '../../../core/api/contract';
import type { ApiClient } from '../api/transport';
import type { RootStore } from './root-store';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export class PresetStore {
  readonly presets = new Map<string, ScenarioPreset>();
  status: LoadStatus = 'idle';

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<this, 'api'>(this, { root: false, api: false }, { autoBind: true });
  }

  get list(): ScenarioPreset[] {
    return [...this.presets.values()];
  }

  get bookPresets(): ScenarioPreset[] {
    return this.list.filter((p) => p.mode === 'book');
  }

  get(id: string | null | undefined): ScenarioPreset | undefined {
    return id ? this.presets.get(id) : undefined;
  }

  async load(): Promise<void> {
    this.status = 'loading';
    try {
      const presets = await this.api.call('scenarios.presets', {});
      runInAction(() => {
        this.presets.clear();
        for (const p of presets) this.presets.set(p.id, p);
        this.status = 'ready';
      });
      this.root.backtest.onPresetsLoaded();
      this.root.replay.onPresetsLoaded();
    } catch (e) {
      runInAction(() => {
        this.status = 'error';
      });
      this.root.ui.reportError('Loading the scenario presets failed', e);
    }
  }
}
