/**
 * The paper-trading service: one session at a time (core/paper/session.ts) on a venue built from a
 * validated config (`paperConfigSchema`), with a journal per session, throttled snapshots for the UI
 * (the contract's PaperSnapshot, at most one per `snapshotEveryMs`), stop, and the kill switch. The
 * CLI (`quotebench paper`, core/cli/paper.ts) and the app's paper.* methods both drive it.
 *
 * Venues: `paper` matches locally (core/venues/paper-venue.ts) against a catalog dataset played at
 * `speed` (0: as fast as possible) or a live public ccxt.pro feed (core/venues/live-feed.ts);
 * `binanceusdm-demo` and `binance-testnet` trade with the user's keys through helper connector
 * core/venues/binance.ts. Keys come from `getCredentials` (the secret store in the app; env vars in
 * the CLI) and go only into the venue: never into a snapshot, a log line or the journal.
 *
 * Units: limits in the config are the risk engine's (lots for inventory, quote currency for
 * notional and PnL); a snapshot reports base units as the contract says.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type {
  LadderLevel,
  PaperFillView,
  PaperKillResult,
  PaperOrderView,
  PaperRiskUsage,
  PaperSessionStatus,
  PaperSnapshot,
  PaperVenue as ContractVenue,
} from '../api/contract';
import { buildQuoter } from '../backtest/quoters';
import type { ScenarioConfig } from '../backtest/config';
import { readDataset } from '../data/catalog';
import { Journal, journalPath } from '../paper/journal';
import { resolveLimits, riskLimitsSchema } from '../paper/risk';
import { PaperSession, type KillResult } from '../paper/session';
import { replayLatencySchema, queueSchema } from '../replay/scenario';
import { loadTape } from '../replay/tape';
import { loadPolicy } from '../rl/train/load-policy';
import { feeSchema } from '../sim/scenario';
import type { Quoter } from '../strategy/quoter';
import { PaperVenue as PaperMatchingVenue, tapeFeed, type PaperFeed } from '../venues/paper-venue';
import type { ConnectionStatus, Venue, VenueCredentials, VenueFill } from '../venues/venue';

export const PAPER_VENUE_IDS = ['paper', 'binanceusdm-demo', 'binance-testnet'] as const;
export type PaperVenueId = (typeof PAPER_VENUE_IDS)[number];

const positive = z.number().finite().positive();

/** A paper session's config (CLI flags and the app's paper.start map onto it). */
export const paperConfigSchema = z
  .strictObject({
    venue: z.enum(PAPER_VENUE_IDS).default('paper'),
    /** Unified or venue symbol (a live feed, Binance); a dataset has its own. */
    symbol: z.string().min(1).max(40).optional(),
    /** venue paper: a catalog dataset (id, unique id prefix or name) played as the feed. */
    dataset: z.string().min(1).max(200).optional(),
    /** Dataset feed: feed seconds per wall second; 0 = as fast as possible. */
    speed: z.number().finite().min(0).max(1e6).default(1),
    /** Dataset feed: the session window (seconds after the dataset's first event). */
    from: z.number().finite().nonnegative().optional(),
    to: positive.optional(),
    /** venue paper without a dataset: the ccxt exchange id of the live public feed. */
    exchange: z.string().min(1).max(40).default('binanceusdm'),
    /** Base URL replacing the exchange's origin (a local fake exchange, a proxy). */
    exchangeUrl: z.string().url().optional(),
    quoter: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('classical'), strategy: z.record(z.string(), z.unknown()) }),
      z.strictObject({
        kind: z.literal('checkpoint'),
        /** A checkpoint directory or a run directory (its newest checkpoint). */
        path: z.string().min(1),
        pick: z.enum(['latest', 'best']).default('latest'),
      }),
    ]),
    /** Risk limits (lots, quote currency, orders/s, bps, ms); a missing limit is off. */
    limits: riskLimitsSchema.default({}),
    /** Venue units per quoter lot (default: the market's amount step; a dataset: 1). */
    lotSize: positive.optional(),
    decisionIntervalMs: z.number().int().min(1).max(3_600_000).default(1000),
    depthLevels: z.number().int().min(1).max(100).default(10),
    postOnly: z.boolean().default(true),
    /** Paper venue models (the replay's: core/replay/scenario.ts). */
    fees: feeSchema.default({ makerBps: 0, takerBps: 0, perLot: 0 }),
    latency: replayLatencySchema.default({
      entry: { model: 'constant', value: 0 },
      cancel: { model: 'constant', value: 0 },
      marketData: { model: 'constant', value: 0 },
    }),
    /** Default: exact FIFO on L3 data, risk-averse otherwise (the replay's default). */
    queue: queueSchema.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Also write the session's live feed as a catalog dataset. */
    record: z.boolean().default(false),
    /** Stop after this many wall seconds. */
    durationSeconds: positive.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.venue === 'paper' && c.dataset === undefined && c.symbol === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['symbol'],
        message: 'a live paper feed needs a symbol (or give a dataset)',
      });
    if (c.venue !== 'paper' && c.symbol === undefined)
      ctx.addIssue({ code: 'custom', path: ['symbol'], message: `venue ${c.venue} needs a symbol` });
    if (c.venue !== 'paper' && c.dataset !== undefined)
      ctx.addIssue({ code: 'custom', path: ['dataset'], message: 'a dataset feed is for venue paper only' });
  });
export type PaperConfigInput = z.input<typeof paperConfigSchema>;
export type PaperConfig = z.output<typeof paperConfigSchema>;

/** Parse a config, with an error naming the key. */
export function parsePaperConfig(raw: unknown): PaperConfig {
  const r = paperConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RangeError(`paper config: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

/** Opens a venue by id (the Binance connector; injectable for tests). */
export type VenueOpener = (
  id: Exclude<PaperVenueId, 'paper'>,
  opts: {
    symbol: string;
    credentials: VenueCredentials | null;
    url?: string | undefined;
    onNote: (m: string) => void;
  },
) => Promise<Venue>;

/** Opens a live public feed for the paper venue (core/venues/live-feed.ts; injectable). */
export type LiveFeedOpener = (opts: {
  exchange: string;
  symbol: string;
  url?: string | undefined;
  dataDir: string;
  record: boolean;
  onNote: (m: string) => void;
}) => Promise<PaperFeed & { recordedDatasetId?: () => string | null }>;

export interface PaperServiceOptions {
  dataDir: string;
  /** Keys of a keyed venue (never logged). */
  getCredentials?: (venue: PaperVenueId) => Promise<VenueCredentials | null>;
  openVenue?: VenueOpener;
  openLiveFeed?: LiveFeedOpener;
  /** Minimum wall ms between snapshots (default 100: ≤ 10 a second). */
  snapshotEveryMs?: number;
  /** Notes for the progress output (reconnects, discrepancies). */
  onNote?: (message: string) => void;
  /** Journal fill commits (the crash test prints them). */
  onFillJournaled?: (tradeId: string) => void;
}

export interface PaperStartResult {
  sessionId: string;
  journalPath: string;
}

const CONTRACT_VENUE: Record<PaperVenueId, (c: PaperConfig) => ContractVenue> = {
  paper: (c) => (c.dataset !== undefined ? 'paper-dataset' : 'paper-live'),
  'binanceusdm-demo': () => 'binance-usdm-demo',
  'binance-testnet': () => 'binance-spot-testnet',
};

/** The replay scenario config a classical spec is built against (σ, A, k must be given). */
const NO_MODEL_SCENARIO = { mode: 'replay' } as unknown as ScenarioConfig;

/** Build the quoter of a config: a strategy spec, or an RL checkpoint (as `quotebench eval` does). */
export async function buildPaperQuoter(
  q: PaperConfig['quoter'],
): Promise<{ quoter: Quoter; dispose: () => void }> {
  if (q.kind === 'classical')
    return { quoter: buildQuoter(q.strategy, NO_MODEL_SCENARIO), dispose: () => undefined };
  const policy = await loadPolicy(q.path, { pick: q.pick });
  return { quoter: policy.quoter(), dispose: () => policy.dispose() };
}

export function newSessionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', 't');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

interface Active {
  id: string;
  config: PaperConfig;
  session: PaperSession;
  venue: Venue;
  journal: Journal;
  journalPath: string;
  dispose: () => void;
  status: PaperSessionStatus;
  error: string | null;
  connection: { status: ConnectionStatus; attempt: number; reason: string };
  fills: PaperFillView[];
  fees: number;
  points: { t: number[]; mid: (number | null)[]; pnl: number[]; inventory: number[] };
  abort: AbortController;
  durationTimer: ReturnType<typeof setTimeout> | null;
  kill: KillResult | null;
  done: Promise<void>;
  liveFeed: (PaperFeed & { recordedDatasetId?: () => string | null }) | null;
}

export class PaperService {
  private active: Active | null = null;
  private seq = 0;
  private lastSnapshot: PaperSnapshot | null = null;
  private readonly listeners = new Set<(s: PaperSnapshot) => void>();
  private snapTimer: ReturnType<typeof setTimeout> | null = null;
  private lastEmit = 0;

  constructor(private readonly o: PaperServiceOptions) {}

  /** Snapshots (throttled). Returns the removal. */
  onSnapshot(cb: (s: PaperSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  get sessionId(): string | null {
    return this.active?.id ?? null;
  }

  /** Start a session (one at a time). Resolves once the venue is connected and reconciled. */
  async start(
    raw: PaperConfigInput | PaperConfig,
    opts: { sessionId?: string; resume?: string } = {},
  ): Promise<PaperStartResult> {
    if (this.active !== null && !isEnded(this.active.status))
      throw new Error(`a paper session is running (${this.active.id}): stop it first`);
    const config = parsePaperConfig(raw);
    const id = opts.resume ?? opts.sessionId ?? newSessionId();
    if (opts.resume !== undefined && !existsSync(journalPath(this.o.dataDir, id)))
      throw new RangeError(`resume ${id}: no journal ${journalPath(this.o.dataDir, id)}`);
    const note = (m: string): void => this.o.onNote?.(m);
    const { quoter, dispose } = await buildPaperQuoter(config.quoter);
    let venue: Venue;
    let liveFeed: Active['liveFeed'] = null;
    let horizonSeconds: () => number = () => Number.POSITIVE_INFINITY;
    let lotSize = config.lotSize ?? 1;
    let symbol = config.symbol ?? '';
    try {
      if (config.venue === 'paper') {
        let feed: PaperFeed;
        if (config.dataset !== undefined) {
          const info = readDataset(this.o.dataDir, config.dataset);
          const tape = await loadTape(
            this.o.dataDir,
            info.id,
            config.to !== undefined ? { toSeconds: config.to } : {},
          );
          feed = tapeFeed(tape, Number(BigInt(info.firstTsNs) / 1000n) / 1000);
          symbol = config.symbol ?? info.symbol;
          if (config.record)
            note(`--record: the feed is dataset ${info.id} already; nothing more is written`);
        } else {
          if (this.o.openLiveFeed === undefined) throw new Error('no live feed available in this build');
          liveFeed = await this.o.openLiveFeed({
            exchange: config.exchange,
            symbol,
            url: config.exchangeUrl,
            dataDir: this.o.dataDir,
            record: config.record,
            onNote: note,
          });
          feed = liveFeed;
        }
        const pv = new PaperMatchingVenue({
          feed,
          symbol,
          lotSize,
          decisionIntervalMs: config.decisionIntervalMs,
          depthLevels: config.depthLevels,
          postOnly: config.postOnly,
          fees: config.fees,
          latency:
            'model' in config.latency
              ? {
                  model: 'recorded',
                  floor: config.latency.floor,
                  orderMultiplier: config.latency.orderMultiplier,
                }
              : { model: 'sampled', ...config.latency },
          queue: config.queue ?? (feed.tape.l3 ? { model: 'fifo' } : { model: 'risk-averse' }),
          seed: config.seed,
          speed: config.speed === 0 ? Number.POSITIVE_INFINITY : config.speed,
          from: config.from,
          to: config.to,
        });
        venue = pv;
        horizonSeconds = () => pv.horizonSeconds();
      } else {
        if (this.o.openVenue === undefined)
          throw new Error(`venue ${config.venue} is not available in this build`);
        const credentials = (await this.o.getCredentials?.(config.venue)) ?? null;
        venue = await this.o.openVenue(config.venue, {
          symbol,
          credentials,
          url: config.exchangeUrl,
          onNote: note,
        });
        lotSize = config.lotSize ?? venue.market.amountStep;
      }
    } catch (e) {
      dispose();
      throw e;
    }
    const file = journalPath(this.o.dataDir, id);
    const journal = new Journal(file);
    journal.onFillCommitted = this.o.onFillJournaled ?? null;
    journal.setMeta('config', { ...config, sessionId: id, venueId: venue.id, symbol });
    const abort = new AbortController();
    const a: Active = {
      id,
      config,
      session: null as unknown as PaperSession,
      venue,
      journal,
      journalPath: file,
      dispose,
      status: 'starting',
      error: null,
      connection: { status: 'connecting', attempt: 0, reason: '' },
      fills: [],
      fees: 0,
      points: { t: [], mid: [], pnl: [], inventory: [] },
      abort,
      durationTimer: null,
      kill: null,
      done: Promise.resolve(),
      liveFeed,
    };
    const session = new PaperSession({
      sessionId: id,
      venue,
      quoter,
      journal,
      limits: resolveLimits(config.limits),
      lotSize,
      decisionIntervalMs: config.decisionIntervalMs,
      depthLevels: config.depthLevels,
      postOnly: config.postOnly,
      horizonSeconds,
      onReport: (r) => note(`${r.kind}: ${r.message}`),
      onFill: (f) => this.onFill(a, f),
      onOrder: () => this.scheduleSnapshot(),
      onConnection: (status, attempt, reason) => {
        a.connection = { status, attempt, reason };
        if (status === 'closed' && a.status === 'running') void this.finishActive(a, 'stopped', null);
        this.scheduleSnapshot();
      },
    });
    a.session = session;
    this.active = a;
    quoter.reset();
    if (opts.resume !== undefined) {
      // Rebuild from the journal; the reconciliation in session.start reports what the venue disagrees with.
      const r = session.restoreFromJournal();
      note(`resumed session ${id} from its journal: ${r.orders} orders, ${r.fills} fills`);
    }
    try {
      await session.start(abort.signal);
    } catch (e) {
      a.status = 'failed';
      a.error = e instanceof Error ? e.message : String(e);
      await venue.close().catch(() => undefined);
      journal.close();
      dispose();
      this.emitNow();
      throw e;
    }
    // A stop or kill that came while starting has the last word.
    if (a.status !== 'starting') {
      await a.done;
      return { sessionId: id, journalPath: file };
    }
    a.status = 'running';
    if (config.durationSeconds !== undefined)
      a.durationTimer = setTimeout(
        () => void this.stop().catch(() => undefined),
        config.durationSeconds * 1000,
      );
    this.emitNow();
    return { sessionId: id, journalPath: file };
  }

  /** Resolves when the running session ends (its feed ended, stop, kill, failure). */
  async whenEnded(): Promise<void> {
    const a = this.active;
    if (a === null) return;
    while (!isEnded(a.status)) await new Promise((r) => setTimeout(r, 20));
    await a.done;
  }

  /** Stop quoting, cancel our orders (one round), close the venue and the journal. */
  async stop(): Promise<PaperSnapshot> {
    const a = this.active;
    if (a === null) throw new Error('no paper session is running');
    if (!isEnded(a.status)) await this.finishActive(a, 'stopped', null);
    await a.done;
    return this.snapshot();
  }

  /** The kill switch: cancel everything now, optionally flatten; measured. */
  async kill(opts: { flatten: boolean }): Promise<PaperKillResult> {
    const a = this.active;
    if (a === null) throw new Error('no paper session is running');
    if (isEnded(a.status) || a.status === 'stopping') {
      // Already stopped (or stopping: its cancel round is on its way): report, send nothing more.
      await a.done;
      const open = a.session.oms.openOrders().length;
      return {
        sessionId: a.id,
        cancelled: 0,
        openOrders: open,
        flattened: false,
        inventory: a.session.oms.position * a.session.o.lotSize,
        elapsedMs: 0,
      };
    }
    const before = a.session.oms.openOrders().length;
    const r = await a.session.kill({ flatten: opts.flatten, timeoutMs: 5000 });
    a.kill = r;
    this.o.onNote?.(
      `kill switch: ${before} open order(s) cancelled in ${r.cancelRequests} request(s), ${r.openAfter} open after, ${r.elapsedMs.toFixed(1)} ms`,
    );
    if (!isEnded(a.status)) await this.finishActive(a, 'killed', null);
    return {
      sessionId: a.id,
      cancelled: before,
      openOrders: r.openAfter,
      flattened: opts.flatten && Math.abs(r.positionAfter) < 1e-9,
      inventory: r.positionAfter * a.session.o.lotSize,
      elapsedMs: r.elapsedMs,
    };
  }

  private finishActive(a: Active, status: PaperSessionStatus, error: string | null): Promise<void> {
    if (a.status === 'stopping' || isEnded(a.status)) return a.done;
    a.status = 'stopping';
    if (a.durationTimer) clearTimeout(a.durationTimer);
    a.done = (async () => {
      try {
        const r = await a.session.stop();
        if (a.kill === null && status === 'stopped') a.kill = r;
      } catch (e) {
        error ??= e instanceof Error ? e.message : String(e);
      }
      a.abort.abort();
      a.status = error !== null ? 'failed' : status;
      a.error = error;
      this.emitNow();
      a.journal.close();
      a.dispose();
    })();
    return a.done;
  }

  private onFill(a: Active, f: VenueFill): void {
    a.fees += f.fee;
    a.fills.push({
      tradeId: f.tradeId,
      t: f.exchangeTimeMs,
      side: f.side,
      price: f.price,
      amount: f.amount,
      fee: f.fee,
      liquidity: f.liquidity,
    });
    if (a.fills.length > 50) a.fills.shift();
    this.scheduleSnapshot();
  }

  /** The current state (also what paper.status returns). */
  snapshot(): PaperSnapshot {
    const a = this.active;
    if (a === null) {
      if (this.lastSnapshot) return this.lastSnapshot;
      throw new Error('no paper session');
    }
    const s = a.session;
    const lot = s.o.lotSize;
    const levels = Math.min(s.book.levels, 20);
    const ours = new Map<string, number>();
    const orders: PaperOrderView[] = [];
    for (const m of s.oms.openOrders()) {
      if (m.type !== 'limit') continue;
      const key = `${m.side}:${m.price}`;
      ours.set(key, (ours.get(key) ?? 0) + m.remaining);
      const qa =
        m.status !== 'pending' && a.venue instanceof PaperMatchingVenue
          ? a.venue.queueAhead(m.side)
          : Number.NaN;
      orders.push({
        clientOrderId: m.clientOrderId,
        side: m.side,
        price: m.price,
        amount: m.amount,
        filled: m.filled,
        status: m.status as PaperOrderView['status'],
        queueAhead: qa === qa ? qa : null,
      });
    }
    const ladder = (prices: Float64Array, sizes: Float64Array, side: 'buy' | 'sell'): LadderLevel[] => {
      const out: LadderLevel[] = [];
      for (let l = 0; l < levels; l++) {
        const p = prices[l]!;
        if (!(p === p)) break;
        out.push({ price: p, size: sizes[l]!, ours: ours.get(`${side}:${p}`) ?? 0 });
      }
      return out;
    };
    const u = s.riskUsage();
    const risk: PaperRiskUsage[] = [
      {
        key: 'inventory',
        label: 'Inventory',
        used: Math.abs(u.inventory) * lot,
        limit: u.maxInventory * lot,
        unit: 'base',
      },
      { key: 'notional', label: 'Notional', used: u.notional, limit: u.maxNotional, unit: 'quote' },
      { key: 'orderRate', label: 'Order rate', used: u.orderRate, limit: u.maxOrderRate, unit: 'orders/s' },
      { key: 'pnlStop', label: 'PnL stop', used: Math.max(0, -u.pnl), limit: u.pnlStop, unit: 'quote' },
      { key: 'staleData', label: 'Book age', used: Math.max(0, u.bookAgeMs), limit: u.staleMs, unit: 'ms' },
    ].map((r) => ({ ...r, limit: Number.isFinite(r.limit) ? r.limit : 0 })) as PaperRiskUsage[];
    const halted = s.isKilled
      ? 'kill switch'
      : u.halted
        ? 'PnL stop'
        : s.lastBlock === 'stale' || s.lastBlock === 'unsynced'
          ? s.lastBlock === 'stale'
            ? 'stale data'
            : 'book resync'
          : null;
    const mid = s.mid;
    const points = a.points;
    a.points = { t: [], mid: [], pnl: [], inventory: [] };
    const snap: PaperSnapshot = {
      sessionId: a.id,
      seq: ++this.seq,
      status: a.status,
      venue: CONTRACT_VENUE[a.config.venue](a.config),
      symbol: a.venue.market.symbol,
      t: a.venue.now(),
      connection: { ...a.connection },
      bids: ladder(s.book.bidPrices, s.book.bidSizes, 'buy'),
      asks: ladder(s.book.askPrices, s.book.askSizes, 'sell'),
      orders,
      fills: [...a.fills],
      fillCount: s.oms.fillCount,
      inventory: s.oms.position * lot,
      pnl: s.pnl(),
      fees: a.fees,
      points: {
        ...points,
        ...(points.t.length === 0
          ? {
              t: [a.venue.now()],
              mid: [mid === mid ? mid : null],
              pnl: [s.pnl()],
              inventory: [s.oms.position * lot],
            }
          : {}),
      },
      risk,
      halted,
      error: a.error,
    };
    this.lastSnapshot = snap;
    return snap;
  }

  /** The dataset the session's live feed was recorded as (--record), once written; else null. */
  recordedDatasetId(): string | null {
    return this.active?.liveFeed?.recordedDatasetId?.() ?? null;
  }

  /** Journal path and counters of the running (or last) session. */
  details(): {
    sessionId: string;
    journalPath: string;
    counters: PaperSession['counters'];
    kill: KillResult | null;
  } | null {
    const a = this.active;
    if (a === null) return null;
    return { sessionId: a.id, journalPath: a.journalPath, counters: { ...a.session.counters }, kill: a.kill };
  }

  /** The running session (tests, the CLI's progress). */
  get session(): PaperSession | null {
    return this.active?.session ?? null;
  }

  private scheduleSnapshot(): void {
    if (this.listeners.size === 0 || this.snapTimer !== null) return;
    const every = this.o.snapshotEveryMs ?? 100;
    const wait = Math.max(0, this.lastEmit + every - Date.now());
    this.snapTimer = setTimeout(() => {
      this.snapTimer = null;
      this.emitNow();
    }, wait);
  }

  private emitNow(): void {
    if (this.active === null || this.listeners.size === 0) return;
    this.lastEmit = Date.now();
    const s = this.snapshot();
    for (const l of this.listeners) l(s);
  }

  async close(): Promise<void> {
    if (this.snapTimer) clearTimeout(this.snapTimer);
    this.snapTimer = null;
    const a = this.active;
    if (a !== null && !isEnded(a.status)) await this.finishActive(a, 'stopped', null);
  }
}

function isEnded(s: PaperSessionStatus): boolean {
  return s === 'stopped' || s === 'killed' || s === 'failed';
}

export type { KillResult };
