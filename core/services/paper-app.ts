/**
 * The API side of paper trading and venue keys (issue 14 §5): `secrets.*` over a SecretStore
 * (core/secrets: safeStorage in the app, a passphrase-encrypted file in the web shell) and
 * `paper.*` over the paper service. AppService delegates to this object.
 *
 * The one rule here: a key goes from the API into the store, and from the store into the session,
 * never back out. Every output is a SecretsStatus (venue names only); errors from the store carry no
 * key (SecretStoreError's messages never include one) and are mapped to ApiErrors by code.
 */
import type { KEYED_PAPER_VENUES } from '../api/contract';
import {
  ApiException,
  type ApiErrorCode,
  type PaperVenue,
  type MethodInput,
  type PaperKillResult,
  type PaperSnapshot,
  type SecretsStatus,
} from '../api/contract';
import type { EventBus } from '../api/registry';
import { join } from 'node:path';
import { openBinanceVenue } from '../venues/binance';
import { openLiveFeed } from '../venues/live-feed';
import type { VenueCredentials } from '../venues/venue';
import {
  PaperService,
  type LiveFeedOpener,
  type PaperConfigInput,
  type PaperVenueId,
  type VenueOpener,
} from './paper-service';
import {
  SecretStoreError,
  redactedCredentials,
  type SecretStore,
  type SecretStoreErrorCode,
} from '../secrets/secret-store';

const ERROR_CODES: Record<SecretStoreErrorCode, ApiErrorCode> = {
  locked: 'unauthorized',
  wrong_passphrase: 'unauthorized',
  tampered: 'conflict',
  unavailable: 'unavailable',
  not_found: 'not_found',
  invalid: 'invalid_input',
};

/** A SecretStoreError as the ApiError the client sees (other errors pass through). */
export function secretsApiError(e: unknown, path = ''): unknown {
  if (e instanceof SecretStoreError) return new ApiException(ERROR_CODES[e.code], e.message, path);
  return e;
}

export class SecretsApi {
  constructor(private readonly store: SecretStore) {}

  status(): SecretsStatus {
    const s = this.store.status();
    return {
      backend: s.backend,
      available: s.available,
      locked: s.locked,
      initialized: s.initialized,
      venues: [...s.venues],
      reason: s.reason,
    };
  }

  async unlock(passphrase: string): Promise<SecretsStatus> {
    try {
      await this.store.unlock(passphrase);
    } catch (e) {
      throw secretsApiError(e, 'passphrase');
    }
    return this.status();
  }

  async set(input: {
    venue: string;
    apiKey: string;
    secret: string;
    passphrase?: string | undefined;
  }): Promise<SecretsStatus> {
    try {
      if (input.passphrase !== undefined) await this.store.unlock(input.passphrase);
      await this.store.set(input.venue, redactedCredentials(input.apiKey, input.secret));
    } catch (e) {
      throw secretsApiError(e);
    }
    return this.status();
  }

  async delete(venue: string): Promise<SecretsStatus & { deleted: boolean }> {
    let deleted: boolean;
    try {
      deleted = await this.store.delete(venue);
    } catch (e) {
      throw secretsApiError(e, 'venue');
    }
    return { ...this.status(), deleted };
  }
}

export interface PaperApiOptions {
  secrets: SecretStore;
  bus: EventBus;
  dataDir: string;
  /** A training run's directory (its checkpoints are `<dir>/checkpoints/<id>`); null when unknown. */
  runDir: (runId: string) => string | null;
  /** Opens a keyed venue (default: the Binance connector; tests inject a fake exchange's). */
  openVenue?: VenueOpener;
  /** Opens a live public feed for paper-live (default: ccxt.pro, core/venues/live-feed.ts). */
  openLiveFeed?: LiveFeedOpener;
  /** Minimum wall ms between snapshots (default 100). */
  snapshotEveryMs?: number;
}

/** The key store's name of each keyed venue of the paper service. */
const SECRET_NAME: Record<Exclude<PaperVenueId, 'paper'>, (typeof KEYED_PAPER_VENUES)[number]> = {
  'binanceusdm-demo': 'binance-usdm-demo',
  'binance-testnet': 'binance-spot-testnet',
};

const SERVICE_VENUE: Record<PaperVenue, PaperVenueId> = {
  'paper-dataset': 'paper',
  'paper-live': 'paper',
  'binance-usdm-demo': 'binanceusdm-demo',
  'binance-spot-testnet': 'binance-testnet',
};

/** The Binance connector (core/venues/binance.ts) for the paper service's keyed venues. */
const openBinance: VenueOpener = (id, o) =>
  openBinanceVenue({ ...o, market: id === 'binanceusdm-demo' ? 'usdm-demo' : 'spot-testnet' });

/**
 * paper.* (issue 14 §5) over the paper service (core/services/paper-service.ts): one session at a time,
 * its throttled snapshots on `paper.snapshot`. The contract's input maps onto the service's config;
 * a keyed venue's credentials are read from the key store by the service when it opens the venue and
 * go nowhere else. A session keeps running when the client that started it goes away (like training):
 * it ends by stop, the kill switch, its feed's end or the app closing.
 */
export class PaperApi {
  readonly service: PaperService;

  constructor(private readonly opts: PaperApiOptions) {
    this.service = new PaperService({
      dataDir: opts.dataDir,
      getCredentials: (venue) => this.credentials(venue),
      openVenue: opts.openVenue ?? openBinance,
      openLiveFeed: opts.openLiveFeed ?? ((o) => openLiveFeed(o)),
      ...(opts.snapshotEveryMs !== undefined ? { snapshotEveryMs: opts.snapshotEveryMs } : {}),
    });
    this.service.onSnapshot((s) => opts.bus.emit('paper.snapshot', s));
  }

  /** The service config of a `paper.start` input (errors name the input's field). */
  config(input: MethodInput<'paper.start'>): PaperConfigInput {
    const venue = SERVICE_VENUE[input.venue];
    const c: PaperConfigInput = {
      venue,
      speed: input.speed,
      limits: input.limits,
      record: input.record,
      quoter:
        input.quoter.kind === 'classical'
          ? input.quoter
          : { kind: 'checkpoint', path: this.checkpointPath(input.quoter.run, input.quoter.checkpoint) },
    };
    if (input.venue === 'paper-dataset') {
      if (input.dataset === undefined)
        throw new ApiException('invalid_input', 'paper-dataset needs a dataset (data.list)', 'dataset');
      c.dataset = input.dataset;
    } else if (input.symbol === undefined) {
      throw new ApiException('invalid_input', `${input.venue} needs a symbol`, 'symbol');
    }
    if (input.symbol !== undefined) c.symbol = input.symbol;
    if (input.lotSize !== undefined) c.lotSize = input.lotSize;
    if (input.decisionIntervalMs !== undefined) c.decisionIntervalMs = input.decisionIntervalMs;
    return c;
  }

  async start(input: MethodInput<'paper.start'>): Promise<PaperSnapshot> {
    const config = this.config(input);
    const running = this.service.sessionId;
    if (running !== null && this.isLive())
      throw new ApiException('conflict', `a paper session is running (${running}): stop it first`);
    if (config.venue !== 'paper') {
      const name = SECRET_NAME[config.venue as Exclude<PaperVenueId, 'paper'>];
      if (!this.opts.secrets.has(name))
        throw new ApiException(
          'unauthorized',
          `no API keys stored for ${name}: add them in the Paper view's keys panel`,
          'venue',
        );
    }
    try {
      await this.service.start(config);
    } catch (e) {
      throw secretsApiError(e);
    }
    return this.service.snapshot();
  }

  async stop(sessionId: string): Promise<PaperSnapshot> {
    this.requireSession(sessionId);
    return this.service.stop();
  }

  async kill(sessionId: string | undefined, flatten: boolean): Promise<PaperKillResult> {
    this.requireSession(sessionId);
    return this.service.kill({ flatten });
  }

  status(): { session: PaperSnapshot | null } {
    if (this.service.sessionId === null) return { session: null };
    return { session: this.service.snapshot() };
  }

  async close(): Promise<void> {
    await this.service.close();
  }

  private isLive(): boolean {
    const st = this.service.sessionId === null ? null : this.service.snapshot().status;
    return st === 'starting' || st === 'running' || st === 'stopping';
  }

  private requireSession(sessionId: string | undefined): void {
    const current = this.service.sessionId;
    if (current === null || (sessionId !== undefined && sessionId !== current))
      throw new ApiException(
        'not_found',
        sessionId === undefined ? 'no paper session is running' : `no paper session ${sessionId}`,
        'sessionId',
      );
  }

  private async credentials(venue: PaperVenueId): Promise<VenueCredentials | null> {
    if (venue === 'paper') return null;
    return this.opts.secrets.get(SECRET_NAME[venue]);
  }

  private checkpointPath(runId: string, checkpoint: string | undefined): string {
    const dir = this.opts.runDir(runId);
    if (dir === null) throw new ApiException('not_found', `no training run ${runId}`, 'quoter.run');
    if (checkpoint === undefined) return dir; // the service loads its newest checkpoint
    if (!/^[A-Za-z0-9._-]+$/.test(checkpoint) || checkpoint.startsWith('.'))
      throw new ApiException('invalid_input', 'quoter.checkpoint: not a checkpoint id', 'quoter.checkpoint');
    return join(dir, 'checkpoints', checkpoint);
  }
}
