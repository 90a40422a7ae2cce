// PaperService: a session on a catalog dataset to its end (snapshots, journal, counters), config
// errors naming the key, one session at a time, and API keys that reach the venue connector and
// nothing else (not a note, a snapshot, or the journal file).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenCredentials } from '../paper/credentials';
import { Journal } from '../paper/journal';
import { ScriptedVenue } from '../paper/scripted-venue.fixture';
import { writeSyntheticDataset } from '../paper/synthetic-tape.fixture';
import type { PaperSnapshot } from '../api/contract';
import type { VenueCredentials } from '../venues/venue';
import { PaperService, parsePaperConfig } from './paper-service';

const dir = mkdtempSync(join(tmpdir(), 'qb-paper-service-'));
let dataset = '';
beforeAll(async () => {
  dataset = await writeSyntheticDataset(dir, { seed: 2, seconds: 120 });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quoter = {
  kind: 'classical' as const,
  strategy: { type: 'fixed-spread', halfSpread: 0.1, skewPerLot: 0.01, orderSizeLots: 1 },
};

describe('PaperService', () => {
  it('runs a dataset session to its end: snapshots, journal, counters', async () => {
    const svc = new PaperService({ dataDir: dir, snapshotEveryMs: 20 });
    const snaps: PaperSnapshot[] = [];
    svc.onSnapshot((s) => snaps.push(s));
    const { sessionId, journalPath } = await svc.start({
      dataset,
      speed: 0,
      quoter,
      limits: { maxInventory: 3 },
    });
    await svc.whenEnded();
    const last = svc.snapshot();
    expect(last).toMatchObject({ sessionId, status: 'stopped', venue: 'paper-dataset', symbol: 'TEST/USD' });
    expect(last.fillCount).toBeGreaterThan(10);
    expect(Math.abs(last.inventory)).toBeLessThanOrEqual(3);
    expect(last.orders).toEqual([]);
    expect(snaps.length).toBeGreaterThan(0);
    expect(snaps.at(-1)!.status).toBe('stopped');
    const j = new Journal(journalPath);
    expect(j.fills()).toHaveLength(last.fillCount);
    j.close();
    expect(svc.details()!.counters.decisions).toBeGreaterThan(100);
    await svc.close();
  });

  it('refuses a bad config naming the key, and a second session while one runs', async () => {
    expect(() => parsePaperConfig({ quoter, limits: { maxInventory: -1 }, dataset })).toThrow(
      /limits\.maxInventory/,
    );
    expect(() => parsePaperConfig({ quoter })).toThrow(/symbol/);
    expect(() => parsePaperConfig({ venue: 'binanceusdm-demo', quoter, symbol: 'BTCUSDT', dataset })).toThrow(
      /dataset/,
    );
    const svc = new PaperService({ dataDir: dir });
    await svc.start({ dataset, speed: 1, quoter });
    await expect(svc.start({ dataset, speed: 1, quoter })).rejects.toThrow(/is running/);
    const snap = await svc.stop();
    expect(snap.status).toBe('stopped');
    await svc.close();
  });

  it('keys reach the connector and nothing else', async () => {
    const KEY = 'QBsvcKEY4hG8tR2wQ';
    const SECRET = 'QBsvcSECRET9sD3fJ7kL';
    let got: VenueCredentials | null = null;
    const notes: string[] = [];
    const venue = new ScriptedVenue();
    const svc = new PaperService({
      dataDir: dir,
      getCredentials: () => Promise.resolve(hiddenCredentials(KEY, SECRET)),
      openVenue: (_id, o) => {
        got = o.credentials;
        notes.push(JSON.stringify(o), inspect(o, { depth: 5 }), String(o.credentials));
        return Promise.resolve(venue);
      },
      onNote: (m) => notes.push(m),
    });
    const snaps: string[] = [];
    svc.onSnapshot((s) => snaps.push(JSON.stringify(s)));
    const { journalPath } = await svc.start({ venue: 'binanceusdm-demo', symbol: 'BTCUSDT', quoter });
    await svc.session!.oms.submit({ side: 'buy', type: 'limit', price: 100, amount: 1, postOnly: true });
    const k = await svc.kill({ flatten: false });
    expect(k.openOrders).toBe(0);
    expect(got!.apiKey).toBe(KEY);
    expect(got!.secret).toBe(SECRET);
    snaps.push(JSON.stringify(svc.snapshot()), JSON.stringify(svc.details()));
    const journalBytes = readdirSync(join(dir, 'paper'))
      .filter((f) => journalPath.includes(f.replace(/\.sqlite.*$/, '')))
      .map((f) => readFileSync(join(dir, 'paper', f)).toString('latin1'));
    expect(journalBytes.length).toBeGreaterThan(0);
    for (const text of [...notes, ...snaps, ...journalBytes]) {
      expect(text.includes(KEY)).toBe(false);
      expect(text.includes(SECRET)).toBe(false);
    }
    await svc.close();
  });
});
