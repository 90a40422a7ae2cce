/**
 * The journal of a paper (or live) session: every order event and fill, written to SQLite BEFORE
 * it is shown or acted on, so that after a crash the session can be rebuilt from the journal plus a
 * reconciliation with the venue (core/paper/oms.ts reconcile).
 *
 * One file per session, `<dataDir>/paper/<sessionId>.sqlite` (0600), rather than tables in the
 * store: a session is a write-ahead log with its own durability (synchronous=FULL: a fill is on
 * disk when `fill()` returns, which the app store, tuned for runs and series, does not need and
 * should not pay for); a crashed or killed session cannot leave the shared store locked or
 * half-migrated; a session is one file to copy, inspect (sqlite3) or delete; and the store's schema
 * (core/store/migrations.ts, shared by every part of the app) stays untouched. The session list is
 * the directory listing.
 *
 * Durability: WAL journal mode. A fill is written with synchronous=FULL — its commit is fsync'ed
 * before `fill()` returns, durable across power loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
 * Order events are written with synchronous=NORMAL: in WAL mode a commit is then durable across a
 * crash or kill -9 of the process (it is in the OS's page cache), not across power loss; an order
 * event lost that way is recovered by reconciliation with the venue, a lost fill would not be (a
 * venue's fill history is not always queryable), hence the difference (≈ 20× fewer fsyncs: one per
 * fill instead of one per order event). One statement per event is its own transaction. Credentials are never written: nothing of the venue options is journaled but the
 * venue id, the symbol and the public config.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../store/data-dir';
import type { OrderStatus, VenueFill } from '../venues/venue';
import type { ManagedOrder, OmsJournal, OrderEventKind } from './oms';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  venue_order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  price REAL,
  amount REAL NOT NULL,
  filled REAL NOT NULL,
  remaining REAL NOT NULL,
  avg_price REAL,
  reason TEXT NOT NULL,
  cancel_requested INTEGER NOT NULL,
  exchange_ms REAL NOT NULL,
  local_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS order_events_id ON order_events(client_order_id);
CREATE TABLE IF NOT EXISTS fills (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trade_id TEXT NOT NULL UNIQUE,
  client_order_id TEXT NOT NULL,
  venue_order_id TEXT NOT NULL,
  side TEXT NOT NULL,
  price REAL NOT NULL,
  amount REAL NOT NULL,
  fee REAL NOT NULL,
  liquidity TEXT NOT NULL,
  exchange_ms REAL NOT NULL,
  local_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  local_ms REAL NOT NULL
);
`;

export function journalDir(dataDir: string): string {
  return path.join(dataDir, 'paper');
}

export function journalPath(dataDir: string, sessionId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionId)) throw new RangeError(`bad session id "${sessionId}"`);
  return path.join(journalDir(dataDir), `${sessionId}.sqlite`);
}

export interface JournalNote {
  kind: string;
  message: string;
  localMs: number;
}

interface OrderRow {
  client_order_id: string;
  venue_order_id: string;
  status: string;
  side: string;
  type: string;
  price: number | null;
  amount: number;
  filled: number;
  remaining: number;
  avg_price: number | null;
  reason: string;
  cancel_requested: number;
  exchange_ms: number;
}

interface FillRow {
  trade_id: string;
  client_order_id: string;
  venue_order_id: string;
  side: string;
  price: number;
  amount: number;
  fee: number;
  liquidity: string;
  exchange_ms: number;
  local_ms: number;
}

const num = (x: number | null): number => (x === null ? Number.NaN : x);
const real = (x: number): number | null => (Number.isFinite(x) ? x : null);

export class Journal implements OmsJournal {
  readonly db: Database.Database;
  private readonly insOrder: Database.Statement;
  private readonly insFill: Database.Statement;
  private readonly insNote: Database.Statement;
  private closed = false;
  /** Told after each fill is committed (the crash test prints the ids). */
  onFillCommitted: ((tradeId: string) => void) | null = null;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: DATA_DIR_MODE });
    const existed = fs.existsSync(file);
    this.db = new Database(file);
    if (!existed) fs.chmodSync(file, DATA_FILE_MODE);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.insOrder = this.db.prepare(
      `INSERT INTO order_events (kind, client_order_id, venue_order_id, status, side, type, price, amount,
        filled, remaining, avg_price, reason, cancel_requested, exchange_ms, local_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insFill = this.db.prepare(
      `INSERT OR IGNORE INTO fills (trade_id, client_order_id, venue_order_id, side, price, amount, fee,
        liquidity, exchange_ms, local_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insNote = this.db.prepare(`INSERT INTO notes (kind, message, local_ms) VALUES (?, ?, ?)`);
  }

  setMeta(key: string, value: unknown): void {
    this.db
      .prepare('INSERT OR REPLACE INTO session (key, value) VALUES (?, ?)')
      .run(key, JSON.stringify(value));
  }

  meta<T = unknown>(key: string): T | undefined {
    const r = this.db.prepare('SELECT value FROM session WHERE key = ?').get(key) as
      { value: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.value) as T);
  }

  order(kind: OrderEventKind, o: ManagedOrder): void {
    this.insOrder.run(
      kind,
      o.clientOrderId,
      o.venueOrderId,
      o.status,
      o.side,
      o.type,
      real(o.price),
      o.amount,
      o.filled,
      o.remaining,
      real(o.avgPrice),
      o.reason,
      o.cancelRequested ? 1 : 0,
      o.exchangeTimeMs,
      Date.now(),
    );
  }

  fill(f: VenueFill): void {
    this.db.pragma('synchronous = FULL');
    try {
      this.insFill.run(
        f.tradeId,
        f.clientOrderId,
        f.venueOrderId,
        f.side,
        f.price,
        f.amount,
        f.fee,
        f.liquidity,
        f.exchangeTimeMs,
        f.localTimeMs,
      );
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
    this.onFillCommitted?.(f.tradeId);
  }

  note(kind: string, message: string): void {
    this.insNote.run(kind, message, Date.now());
  }

  /** The last journaled state of every order, in first-submit order. */
  orders(): ManagedOrder[] {
    const rows = this.db
      .prepare(
        `SELECT e.* FROM order_events e JOIN (SELECT client_order_id, max(seq) AS seq FROM order_events GROUP BY client_order_id) l
         ON e.seq = l.seq ORDER BY (SELECT min(seq) FROM order_events f WHERE f.client_order_id = e.client_order_id)`,
      )
      .all() as OrderRow[];
    return rows.map((r) => ({
      clientOrderId: r.client_order_id,
      venueOrderId: r.venue_order_id,
      status: r.status as OrderStatus,
      side: r.side === 'buy' ? 'buy' : 'sell',
      type: r.type === 'market' ? 'market' : 'limit',
      price: num(r.price),
      amount: r.amount,
      filled: r.filled,
      remaining: r.remaining,
      avgPrice: num(r.avg_price),
      reason: r.reason,
      cancelRequested: r.cancel_requested === 1,
      exchangeTimeMs: r.exchange_ms,
    }));
  }

  fills(): VenueFill[] {
    const rows = this.db.prepare('SELECT * FROM fills ORDER BY seq').all() as FillRow[];
    return rows.map((r) => ({
      tradeId: r.trade_id,
      clientOrderId: r.client_order_id,
      venueOrderId: r.venue_order_id,
      side: r.side === 'buy' ? 'buy' : 'sell',
      price: r.price,
      amount: r.amount,
      fee: r.fee,
      liquidity: r.liquidity === 'taker' ? 'taker' : 'maker',
      exchangeTimeMs: r.exchange_ms,
      localTimeMs: r.local_ms,
    }));
  }

  notes(): JournalNote[] {
    const rows = this.db.prepare('SELECT kind, message, local_ms FROM notes ORDER BY seq').all() as {
      kind: string;
      message: string;
      local_ms: number;
    }[];
    return rows.map((r) => ({ kind: r.kind, message: r.message, localMs: r.local_ms }));
  }

  /** Highest client-id counter used with `prefix` (recovery continues after it). */
  maxCounter(prefix: string): number {
    const rows = this.db
      .prepare(
        'SELECT DISTINCT client_order_id AS id FROM order_events WHERE substr(client_order_id, 1, ?) = ?',
      )
      .all(prefix.length, prefix) as { id: string }[];
    let m = 0;
    for (const r of rows) {
      const n = Number(r.id.slice(prefix.length));
      if (Number.isSafeInteger(n) && n > m) m = n;
    }
    return m;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** A journal that keeps nothing (unit tests of the OMS). */
export const NULL_JOURNAL: OmsJournal = {
  order: () => undefined,
  fill: () => undefined,
  note: () => undefined,
};
