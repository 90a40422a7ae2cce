// An in-memory venue for OMS, risk and kill-switch tests: orders live in a map, requests can be made
// to fail (a lost ack: applied at the venue, then a network error; a timeout before arrival; 429),
// every request is logged with the number of requests in flight when it started, so a test can
// assert that a kill switch sent one round of parallel requests.
import {
  VenueError,
  type AmendRequest,
  type Balance,
  type OrderUpdate,
  type PlaceRequest,
  type Position,
  type Venue,
  type VenueCapabilities,
  type VenueListener,
} from '../venues/venue';

export type Fault = 'lost-ack' | 'timeout-before' | 'rate-limited' | 'reject';

export interface RequestLog {
  what: 'place' | 'cancel' | 'cancelAll' | 'fetchOrder' | 'fetchOpenOrders' | 'fetchPosition';
  id: string;
  /** Requests in flight when this one started (itself excluded). */
  inFlight: number;
  /** Round: requests started while another was still in flight share a round. */
  round: number;
}

export class ScriptedVenue implements Venue {
  readonly id = 'scripted';
  readonly market = {
    symbol: 'TEST/USD',
    venueSymbol: 'TESTUSD',
    tickSize: 0.1,
    amountStep: 1,
    minAmount: 1,
    minNotional: 0,
    contractSize: 1,
  };
  capabilities: VenueCapabilities = {
    amend: false,
    amendKeepsPriority: false,
    cancelAll: false,
    postOnly: true,
    positions: true,
    maxOrdersPerSide: Number.POSITIVE_INFINITY,
  };
  readonly rateLimit = { minIntervalMs: 0, ordersPerSecond: Infinity, ordersPer10s: Infinity };
  readonly orders = new Map<string, OrderUpdate>();
  readonly log: RequestLog[] = [];
  /** Faults consumed in order by the next requests of that kind. */
  readonly faults: { place: Fault[]; cancel: Fault[] } = { place: [], cancel: [] };
  position = 0;
  private inFlight = 0;
  private round = 0;
  private readonly listeners = new Set<VenueListener>();
  /** Wall delay of each request (ms): makes concurrency observable. */
  latencyMs = 5;
  time = 1_000_000;

  subscribe(l: VenueListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  setTimer(): void {}
  now(): number {
    return this.time;
  }
  connect(): Promise<void> {
    for (const l of this.listeners)
      l.onConnection?.({ status: 'connected', attempt: 0, reason: '', localTimeMs: 0 });
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async request<T>(what: RequestLog['what'], id: string, f: () => T): Promise<T> {
    if (this.inFlight === 0) this.round++;
    this.log.push({ what, id, inFlight: this.inFlight, round: this.round });
    this.inFlight++;
    try {
      await new Promise((r) => setTimeout(r, this.latencyMs));
      return f();
    } finally {
      this.inFlight--;
    }
  }

  /** Push an order update to listeners (as a websocket would). */
  push(u: OrderUpdate): void {
    for (const l of this.listeners) l.onOrder?.({ ...u });
  }

  place(req: PlaceRequest): Promise<OrderUpdate> {
    return this.request('place', req.clientOrderId, () => {
      const fault = this.faults.place.shift();
      if (fault === 'timeout-before') throw new VenueError('network', 'request timed out');
      if (fault === 'rate-limited') throw new VenueError('rate-limited', '429 too many requests', 1);
      if (fault === 'reject') throw new VenueError('rejected', 'post-only would cross');
      if (this.orders.has(req.clientOrderId)) throw new VenueError('rejected', 'duplicate clientOrderId');
      const u: OrderUpdate = {
        clientOrderId: req.clientOrderId,
        venueOrderId: `v${this.orders.size + 1}`,
        status: 'open',
        side: req.side,
        type: req.type,
        price: req.price,
        amount: req.amount,
        filled: 0,
        remaining: req.amount,
        avgPrice: Number.NaN,
        reason: '',
        exchangeTimeMs: this.time,
        localTimeMs: 0,
      };
      this.orders.set(req.clientOrderId, u);
      if (fault === 'lost-ack') throw new VenueError('network', 'connection reset before the answer');
      return { ...u };
    });
  }

  cancel(clientOrderId: string): Promise<void> {
    return this.request('cancel', clientOrderId, () => {
      const fault = this.faults.cancel.shift();
      if (fault === 'timeout-before') throw new VenueError('network', 'request timed out');
      const u = this.orders.get(clientOrderId);
      if (u === undefined || u.status === 'cancelled' || u.status === 'filled')
        throw new VenueError('not-found', `unknown order ${clientOrderId}`);
      u.status = 'cancelled';
      u.remaining = 0;
      this.push(u);
    });
  }

  cancelAll(): Promise<void> {
    return this.request('cancelAll', '*', () => {
      for (const u of this.orders.values())
        if (u.status === 'open' || u.status === 'partially-filled') {
          u.status = 'cancelled';
          u.remaining = 0;
          this.push(u);
        }
    });
  }

  amend(_id: string, _r: AmendRequest): Promise<OrderUpdate> {
    return Promise.reject(new VenueError('unsupported', 'no amend'));
  }

  fetchOrder(clientOrderId: string): Promise<OrderUpdate | null> {
    return this.request('fetchOrder', clientOrderId, () => {
      const u = this.orders.get(clientOrderId);
      return u ? { ...u } : null;
    });
  }

  fetchOpenOrders(): Promise<OrderUpdate[]> {
    return this.request('fetchOpenOrders', '*', () =>
      [...this.orders.values()]
        .filter((u) => u.status === 'open' || u.status === 'partially-filled')
        .map((u) => ({ ...u })),
    );
  }

  fetchPosition(): Promise<Position> {
    return this.request('fetchPosition', '*', () => ({ amount: this.position, entryPrice: Number.NaN }));
  }

  fetchBalances(): Promise<Balance[]> {
    return Promise.resolve([]);
  }

  openCount(): number {
    let n = 0;
    for (const u of this.orders.values()) if (u.status === 'open' || u.status === 'partially-filled') n++;
    return n;
  }
}
