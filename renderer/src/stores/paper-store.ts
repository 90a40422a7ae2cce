/**
 * The Paper view's state (issue 14 §5): the session form (venue, symbol or dataset, quoter, limits),
 * the running session as the back end reports it (`paper.snapshot` events, `paper.status` on load
 * and after a reconnect), the kill switch, and the venue keys panel.
 *
 * Keys: this store never holds an API key, a secret or a passphrase. `saveKeys` takes them as
 * arguments, sends them once (`secrets.set`) and keeps only the answer (venue names); the panel's
 * inputs live in the component and are cleared after saving.
 *
 * Charts: PnL and inventory samples (`points` of each snapshot) go to chart listeners (the chart
 * calls `series.update`, no React render per sample) and to a bounded history (the last
 * MAX_POINTS samples) that a chart mounting later draws with one `setData`. Feed time is shown as
 * seconds since the session's first sample.
 */
import { makeAutoObservable, observableRef, runInAction } from 'mobx';
import {
  KEYED_PAPER_VENUES,
  PAPER_VENUES,
  type EventPayload,
  type MethodInputArg,
  type PaperKillResult,
  type PaperSnapshot,
  type PaperVenue,
  type SecretsStatus,
  type TrainingRunRow,
} from '../../../core/api/contract';
import { toCallError } from '../api/errors';
import type { ApiClient } from '../api/transport';
import type { RootStore } from './root-store';

export { KEYED_PAPER_VENUES, PAPER_VENUES };

export const VENUE_LABELS: Record<PaperVenue, string> = {
  'paper-dataset': 'Paper · recorded dataset',
  'paper-live': 'Paper · live feed',
  'binance-usdm-demo': 'Binance USD-M demo',
  'binance-spot-testnet': 'Binance spot testnet',
};

/** The kill switch's keyboard shortcut (also shown in the button's title). */
export const KILL_SHORTCUT = 'Ctrl+Shift+K';

/** True for the kill shortcut's keydown (Ctrl+Shift+K, or ⌘+Shift+K on macOS). */
export function isKillShortcut(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'k';
}

export const CLASSICAL_QUOTERS = ['avellaneda-stoikov', 'glft', 'fixed-spread'] as const;
export type ClassicalQuoter = (typeof CLASSICAL_QUOTERS)[number];
/** Default parameters per classical quoter (edited as `key=value, …`). */
export const DEFAULT_PARAMS: Record<ClassicalQuoter, string> = {
  'avellaneda-stoikov': 'gamma=0.1, orderSizeLots=1',
  glft: 'gamma=0.1, orderSizeLots=1',
  'fixed-spread': 'halfSpread=0.02, orderSizeLots=1',
};

export interface LimitsForm {
  maxInventory: string;
  maxNotional: string;
  maxOrderRate: string;
  bandBps: string;
  staleMs: string;
  pnlStop: string;
}

export interface PaperForm {
  venue: PaperVenue;
  symbol: string;
  dataset: string;
  speed: string;
  quoterKind: 'classical' | 'checkpoint';
  classical: ClassicalQuoter;
  params: string;
  checkpointRun: string;
  limits: LimitsForm;
  record: boolean;
}

export interface PaperPoint {
  /** Seconds since the session's first sample. */
  t: number;
  pnl: number;
  inventory: number;
}

export type PaperPointListener = (points: readonly PaperPoint[], reset: boolean) => void;

/** Samples kept for a chart that mounts later. */
export const MAX_POINTS = 5000;

/** `gamma=0.1, k=1.5` → {gamma: 0.1, k: 1.5}; numbers where they parse, else strings; errors name the part. */
export function parseParams(text: string): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const raw of text.split(/[,\n]/)) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([A-Za-z][A-Za-z0-9_]*)\s*[=:]\s*(.+)$/.exec(part);
    if (!m) throw new Error(`parameters: "${part}" is not key=value`);
    const key = m[1]!;
    const value = m[2]!.trim();
    const n = Number(value);
    out[key] = value === 'true' ? true : value === 'false' ? false : Number.isFinite(n) ? n : value;
  }
  return out;
}

function optionalNumber(label: string, text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${label}: expected a positive number`);
  return n;
}

export class PaperStore {
  form: PaperForm = {
    venue: 'paper-dataset',
    symbol: '',
    dataset: '',
    speed: '1',
    quoterKind: 'classical',
    classical: 'avellaneda-stoikov',
    params: DEFAULT_PARAMS['avellaneda-stoikov'],
    checkpointRun: '',
    limits: {
      maxInventory: '10',
      maxNotional: '',
      maxOrderRate: '10',
      bandBps: '100',
      staleMs: '5000',
      pnlStop: '',
    },
    record: false,
  };
  flatten = false;
  session: PaperSnapshot | null = null;
  starting = false;
  stopping = false;
  killing = false;
  formError: string | null = null;
  lastKill: PaperKillResult | null = null;
  secrets: SecretsStatus | null = null;
  savingKeys = false;
  keysError: string | null = null;
  checkpointRuns: TrainingRunRow[] = [];
  private t0: number | null = null;
  private readonly history: PaperPoint[] = [];
  private readonly listeners = new Set<PaperPointListener>();

  constructor(
    readonly root: RootStore,
    private readonly api: ApiClient,
  ) {
    makeAutoObservable<PaperStore, 'history' | 'listeners' | 't0'>(
      this,
      {
        root: false,
        session: observableRef,
        secrets: observableRef,
        checkpointRuns: observableRef,
        history: false,
        listeners: false,
        t0: false,
      },
      { autoBind: true },
    );
  }

  /** A session is live (the kill switch shows, the form locks). */
  get active(): boolean {
    const s = this.session?.status;
    return s === 'starting' || s === 'running' || s === 'stopping';
  }

  get needsKeys(): boolean {
    return (KEYED_PAPER_VENUES as readonly string[]).includes(this.form.venue);
  }

  /** The chosen venue needs keys and none are stored. */
  get missingKeys(): boolean {
    return this.needsKeys && !(this.secrets?.venues ?? []).includes(this.form.venue);
  }

  /** Subscribes to `paper.snapshot`; returns the unsubscribe. Call once (RootStore.start). */
  listen(): () => void {
    return this.api.subscribe('paper.snapshot', (s) => this.onSnapshot(s));
  }

  /** The current session (if any) and the key store's status. */
  async load(): Promise<void> {
    try {
      const [status, secrets] = await Promise.all([
        this.api.call('paper.status', {}),
        this.api.call('secrets.status', {}),
      ]);
      runInAction(() => {
        this.secrets = secrets;
        if (status.session && (!this.session || status.session.seq >= this.session.seq))
          this.onSnapshot(status.session);
      });
    } catch (e) {
      this.root.ui.reportError('Could not read the paper session', e);
    }
  }

  async loadCheckpointRuns(): Promise<void> {
    try {
      const rows = await this.api.call('train.list', { limit: 200 });
      runInAction(() => (this.checkpointRuns = rows.filter((r) => r.checkpoints > 0)));
    } catch (e) {
      this.root.ui.reportError('Could not list the training runs', e);
    }
  }

  setForm<K extends keyof PaperForm>(key: K, value: PaperForm[K]): void {
    this.form[key] = value;
    if (key === 'classical') this.form.params = DEFAULT_PARAMS[value as ClassicalQuoter];
    this.formError = null;
  }

  setLimit(key: keyof LimitsForm, value: string): void {
    this.form.limits[key] = value;
    this.formError = null;
  }

  setFlatten(v: boolean): void {
    this.flatten = v;
  }

  /** The `paper.start` input from the form; throws an Error naming the field. */
  buildStartInput(): MethodInputArg<'paper.start'> {
    const f = this.form;
    const l = f.limits;
    const limits = {
      maxInventory: optionalNumber('max inventory', l.maxInventory),
      maxNotional: optionalNumber('max notional', l.maxNotional),
      maxOrderRate: optionalNumber('max order rate', l.maxOrderRate),
      bandBps: optionalNumber('price band', l.bandBps),
      staleMs: optionalNumber('stale data', l.staleMs),
      pnlStop: optionalNumber('PnL stop', l.pnlStop),
    };
    for (const k of Object.keys(limits) as (keyof typeof limits)[])
      if (limits[k] === undefined) delete limits[k];
    const quoter: MethodInputArg<'paper.start'>['quoter'] =
      f.quoterKind === 'classical'
        ? { kind: 'classical', strategy: { type: f.classical, ...parseParams(f.params) } }
        : (() => {
            if (f.checkpointRun === '') throw new Error('checkpoint: choose a training run');
            return { kind: 'checkpoint' as const, run: f.checkpointRun };
          })();
    const input: MethodInputArg<'paper.start'> = { venue: f.venue, quoter, limits, record: f.record };
    if (f.venue === 'paper-dataset') {
      if (f.dataset.trim() === '') throw new Error('dataset: choose a recorded dataset');
      input.dataset = f.dataset.trim();
      const speed = Number(f.speed);
      if (!Number.isFinite(speed) || speed < 0) throw new Error('speed: expected a number ≥ 0');
      input.speed = speed;
    } else {
      if (f.symbol.trim() === '') throw new Error('symbol: e.g. BTC/USDT:USDT');
      input.symbol = f.symbol.trim();
    }
    return input;
  }

  async start(): Promise<void> {
    if (this.starting || this.active) return;
    let input: MethodInputArg<'paper.start'>;
    try {
      input = this.buildStartInput();
    } catch (e) {
      this.formError = e instanceof Error ? e.message : String(e);
      return;
    }
    if (this.missingKeys) {
      this.formError = `${VENUE_LABELS[this.form.venue]} needs API keys: store them in the keys panel first`;
      return;
    }
    this.starting = true;
    this.formError = null;
    this.lastKill = null;
    try {
      const snap = await this.api.call('paper.start', input);
      runInAction(() => {
        this.resetSeries();
        this.onSnapshot(snap);
      });
    } catch (e) {
      runInAction(() => (this.formError = toCallError(e).message));
    } finally {
      runInAction(() => (this.starting = false));
    }
  }

  async stop(): Promise<void> {
    const s = this.session;
    if (!s || !this.active || this.stopping) return;
    this.stopping = true;
    try {
      const snap = await this.api.call('paper.stop', { sessionId: s.sessionId });
      runInAction(() => this.onSnapshot(snap));
    } catch (e) {
      this.root.ui.reportError('Could not stop the paper session', e);
    } finally {
      runInAction(() => (this.stopping = false));
    }
  }

  /**
   * The kill switch: cancel every order now (and flatten when ticked). Sent even while another kill
   * is in flight or the session looks stopped (it is idempotent in the back end, and a stale view
   * must never keep the user from cancelling).
   */
  async kill(): Promise<void> {
    this.killing = true;
    try {
      const input: MethodInputArg<'paper.kill'> = { flatten: this.flatten };
      if (this.session) input.sessionId = this.session.sessionId;
      const r = await this.api.call('paper.kill', input);
      runInAction(() => (this.lastKill = r));
      const status = await this.api.call('paper.status', {});
      runInAction(() => {
        if (status.session) this.onSnapshot(status.session);
      });
    } catch (e) {
      // The shortcut pressed with no session anywhere: say so quietly (not an error).
      if (toCallError(e).code === 'not_found' && !this.active)
        this.root.ui.notify('info', 'Kill switch', 'No paper session is running.');
      else this.root.ui.reportError('Kill switch', e);
    } finally {
      runInAction(() => (this.killing = false));
    }
  }

  /** Stores a venue's keys; the values are not kept (the caller clears its inputs on success). */
  async saveKeys(venue: string, apiKey: string, secret: string, passphrase: string): Promise<boolean> {
    this.savingKeys = true;
    this.keysError = null;
    try {
      const input: MethodInputArg<'secrets.set'> = { venue, apiKey, secret };
      if (passphrase !== '') input.passphrase = passphrase;
      const status = await this.api.call('secrets.set', input);
      runInAction(() => (this.secrets = status));
      return true;
    } catch (e) {
      runInAction(() => (this.keysError = toCallError(e).message));
      return false;
    } finally {
      runInAction(() => (this.savingKeys = false));
    }
  }

  async unlockKeys(passphrase: string): Promise<boolean> {
    this.keysError = null;
    try {
      const status = await this.api.call('secrets.unlock', { passphrase });
      runInAction(() => (this.secrets = status));
      return true;
    } catch (e) {
      runInAction(() => (this.keysError = toCallError(e).message));
      return false;
    }
  }

  async deleteKeys(venue: string): Promise<void> {
    this.keysError = null;
    try {
      const status = await this.api.call('secrets.delete', { venue });
      runInAction(() => (this.secrets = status));
    } catch (e) {
      runInAction(() => (this.keysError = toCallError(e).message));
    }
  }

  /** After a reconnect: re-read the session instead of assuming. */
  async resync(): Promise<void> {
    await this.load();
  }

  /** Chart feed: called with the history now (reset) and with each snapshot's new samples. */
  onPoints(cb: PaperPointListener): () => void {
    this.listeners.add(cb);
    cb(this.history, true);
    return () => this.listeners.delete(cb);
  }

  onSnapshot(s: EventPayload<'paper.snapshot'>): void {
    const cur = this.session;
    if (cur && cur.sessionId === s.sessionId && s.seq < cur.seq) return; // stale (a reply after an event)
    if (cur && cur.sessionId !== s.sessionId) this.resetSeries();
    this.session = s;
    this.appendPoints(s);
  }

  private resetSeries(): void {
    this.t0 = null;
    this.history.length = 0;
    for (const l of this.listeners) l(this.history, true);
  }

  private appendPoints(s: PaperSnapshot): void {
    const p = s.points;
    if (p.t.length === 0) return;
    const fresh: PaperPoint[] = [];
    const last = this.history[this.history.length - 1];
    let lastT = last ? last.t : -Infinity;
    for (let i = 0; i < p.t.length; i++) {
      const tMs = p.t[i]!;
      if (this.t0 === null) this.t0 = tMs;
      const t = (tMs - this.t0) / 1000;
      if (t < lastT) continue; // charts need increasing time; equal times replace the last point
      lastT = t;
      fresh.push({ t, pnl: p.pnl[i] ?? 0, inventory: p.inventory[i] ?? 0 });
    }
    if (fresh.length === 0) return;
    for (const pt of fresh) {
      const prev = this.history[this.history.length - 1];
      if (prev && prev.t === pt.t) this.history[this.history.length - 1] = pt;
      else this.history.push(pt);
    }
    if (this.history.length > MAX_POINTS) this.history.splice(0, this.history.length - MAX_POINTS);
    for (const l of this.listeners) l(fresh, false);
  }
}
