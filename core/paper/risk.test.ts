import { describe, expect, it } from 'vitest';
import { RiskEngine, resolveLimits, riskLimitsSchema, type RiskContext, type RiskLimitsInput } from './risk';

function ctx(over: Partial<RiskContext> = {}): RiskContext {
  return {
    position: 0,
    lotSize: 1,
    mid: 100,
    feedMs: 0,
    wallMs: 10_000,
    bookLocalMs: 10_000,
    bookSynced: true,
    pnl: 0,
    ...over,
  };
}

const engine = (l: RiskLimitsInput): RiskEngine => new RiskEngine(resolveLimits(l));

describe('risk controls (each blocks what it should, and only that)', () => {
  it('max inventory: the replay rule (position + q ≤ max), per side', () => {
    const r = engine({ maxInventory: 2 });
    expect(r.check(ctx({ position: 1 }), 1, 1, 99.9)).toBe('');
    expect(r.check(ctx({ position: 2 }), 1, 1, 99.9)).toBe('inventory');
    expect(r.check(ctx({ position: 2 }), -1, 1, 100.1)).toBe(''); // selling reduces it
    expect(r.check(ctx({ position: -2 }), -1, 1, 100.1)).toBe('inventory');
    expect(r.clipMarket(1.5, 3)).toBe(0.5);
    expect(r.clipMarket(-1.5, -3)).toBe(-0.5);
    expect(r.blocked.inventory).toBe(2);
  });

  it('max notional: |position after| · lot · price', () => {
    const r = engine({ maxNotional: 250 });
    expect(r.check(ctx({ position: 1 }), 1, 1, 100)).toBe(''); // 2 · 100 = 200
    expect(r.check(ctx({ position: 2 }), 1, 1, 100)).toBe('notional'); // 300 > 250
    expect(r.check(ctx({ position: 3 }), -1, 1, 100)).toBe(''); // reduces the exposure
  });

  it('max order rate: a token bucket refilled in feed time', () => {
    const r = engine({ maxOrderRate: 2 });
    expect(r.check(ctx({ feedMs: 0 }), 1, 1, 99.9)).toBe('');
    expect(r.check(ctx({ feedMs: 0 }), 1, 1, 99.9)).toBe('');
    expect(r.check(ctx({ feedMs: 0 }), 1, 1, 99.9)).toBe('rate');
    expect(r.check(ctx({ feedMs: 499 }), 1, 1, 99.9)).toBe('rate'); // 0.998 tokens
    expect(r.check(ctx({ feedMs: 500 }), 1, 1, 99.9)).toBe(''); // one token back after 0.5 s
    expect(r.check(ctx({ feedMs: 10_000 }), 1, 1, 99.9)).toBe(''); // capped at 2, not 20
    expect(r.check(ctx({ feedMs: 10_000 }), 1, 1, 99.9)).toBe('');
    expect(r.check(ctx({ feedMs: 10_000 }), 1, 1, 99.9)).toBe('rate');
  });

  it('price band around the mid (bps)', () => {
    const r = engine({ bandBps: 50 });
    expect(r.check(ctx(), 1, 1, 99.5)).toBe(''); // 50 bps
    expect(r.check(ctx(), 1, 1, 99.4)).toBe('band'); // 60 bps
    expect(r.check(ctx(), -1, 1, 100.6)).toBe('band');
    expect(r.check(ctx({ mid: Number.NaN }), 1, 1, 99.9)).toBe('band'); // no mid, no band to check against
  });

  it('stale data: no quoting on a book older than staleMs by local receive time; nor unsynced', () => {
    const r = engine({ staleMs: 500 });
    expect(r.dataGate(ctx({ wallMs: 10_500, bookLocalMs: 10_000 }))).toBe('');
    expect(r.dataGate(ctx({ wallMs: 10_501, bookLocalMs: 10_000 }))).toBe('stale');
    expect(r.dataGate(ctx({ bookSynced: false }))).toBe('unsynced');
    expect(engine({}).dataGate(ctx({ wallMs: 1e12, bookLocalMs: 0 }))).toBe('');
  });

  it('PnL stop halts for good', () => {
    const r = engine({ pnlStop: 10 });
    expect(r.dataGate(ctx({ pnl: -9.99 }))).toBe('');
    expect(r.dataGate(ctx({ pnl: -10 }))).toBe('pnl-stop');
    expect(r.dataGate(ctx({ pnl: 5 }))).toBe('pnl-stop'); // still halted
    expect(r.check(ctx(), 1, 1, 99.9)).toBe('pnl-stop');
    expect(r.isHalted).toBe(true);
  });

  it('no limits: nothing is blocked', () => {
    const r = engine({});
    expect(r.check(ctx({ position: 1e9 }), 1, 1e9, 1e9)).toBe('');
    expect(Object.values(r.blocked).every((n) => n === 0)).toBe(true);
  });

  it('the schema names the bad key', () => {
    const bad = riskLimitsSchema.safeParse({ maxInventory: -1 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['maxInventory']);
    expect(riskLimitsSchema.safeParse({ maxInvntory: 1 }).success).toBe(false);
  });
});
