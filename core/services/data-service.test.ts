/**
 * The data service through the dispatcher, as a client sees it: the web shell refuses host paths,
 * Electron imports only files chosen in the (here fake) file dialog, once each — the shared AAPL
 * LOBSTER sample, in the worker (progress, then done) — the catalog lists it and charts its top of book, a calibration fit runs and is kept, and saving it writes a scenario
 * that the presets list offers and the backtest config parser accepts. Uploads: a reference names only
 * files of the upload store; an oversized upload leaves nothing.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type {
  CalibrationResult,
  DatasetDetail,
  DatasetInfo,
  EventPayload,
  ScenarioPreset,
} from '../api/contract';
import { parseConfigTextAsync } from '../config-worker/parse-async';
import { searchNewest } from '../store/test-fixtures';
import { AppService } from './app-service';
import { UploadStore } from './uploads';

const AAPL = path.resolve(import.meta.dirname, '../../../shared/data/lobster/AAPL_2012-06-21_L10');
const MESSAGE = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_message_10.first998.csv');
const ORDERBOOK = path.join(AAPL, 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first998.csv');
/** A larger pair (the AMZN level-1 day, 57,515 messages): an import long enough to cancel midway. */
const AMZN = path.resolve(import.meta.dirname, '../../../shared/data/lobster/AMZN_2012-06-21_L1_rounded');
const AMZN_MESSAGE = path.join(AMZN, 'AMZN_2012-06-21_34200000_57600000_message_1.rounded_header.csv');
const AMZN_ORDERBOOK = path.join(AMZN, 'AMZN_2012-06-21_34200000_57600000_orderbook_1.rounded_header.csv');

const dirs: string[] = [];
const services: AppService[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An app service; in Electron with a file dialog that "chooses" `picked`. */
function service(transport: 'electron' | 'websocket', picked: string[] = []): AppService {
  const dir = mkdtempSync(path.join(tmpdir(), 'qb-data-'));
  dirs.push(dir);
  const s = new AppService({
    dataDir: dir,
    transport,
    version: 'test',
    ...(transport === 'electron' ? { data: { pickFiles: () => Promise.resolve(picked) } } : {}),
  });
  services.push(s);
  return s;
}

async function call<T>(s: AppService, method: string, input: unknown): Promise<T> {
  const r = await s.dispatch(method, input, { clientId: 'test' });
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.path}: ${r.error.message}`);
  return r.output as T;
}

function done(s: AppService, jobId: string): Promise<EventPayload<'data.done'>> {
  return new Promise((resolve) => {
    const off = s.bus.subscribe('data.done', (p) => {
      if (p.jobId !== jobId) return;
      off();
      resolve(p);
    });
  });
}

describe.skipIf(!existsSync(MESSAGE) || !existsSync(AMZN_MESSAGE))('data service', () => {
  it('refuses host paths over the WebSocket, naming the field', async () => {
    const s = service('websocket');
    const r = await s.dispatch(
      'data.import',
      { format: 'lobster', paths: [MESSAGE, ORDERBOOK] },
      { clientId: 'c' },
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'paths.0' } });
    const pick = await s.dispatch('data.pickFiles', { format: 'lobster' }, { clientId: 'c' });
    expect(pick).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const bad = await s.dispatch('data.import', { format: 'csv', paths: ['x'] }, { clientId: 'c' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'format' } });
  });

  it('imports, lists, charts, fits and saves a scenario', async () => {
    const s = service('electron', [ORDERBOOK, MESSAGE]);
    const progress: EventPayload<'data.progress'>[] = [];
    s.bus.subscribe('data.progress', (p) => progress.push(p));
    // Only files chosen in the dialog are read, each once.
    const unchosen = await s.dispatch(
      'data.import',
      { format: 'lobster', paths: [ORDERBOOK, MESSAGE] },
      { clientId: 'c' },
    );
    expect(unchosen).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'paths.0' } });
    expect(await call(s, 'data.pickFiles', { format: 'lobster' })).toEqual({ paths: [ORDERBOOK, MESSAGE] });
    // Orderbook first: the service tells the two files apart by name.
    const { jobId } = await call<{ jobId: string }>(s, 'data.import', {
      format: 'lobster',
      paths: [ORDERBOOK, MESSAGE],
    });
    const end = await done(s, jobId);
    expect(end).toMatchObject({ status: 'completed', kind: 'import', error: null, existed: false });
    const reused = await s.dispatch(
      'data.import',
      { format: 'lobster', paths: [ORDERBOOK, MESSAGE] },
      { clientId: 'c' },
    );
    expect(reused).toMatchObject({ ok: false, error: { path: 'paths.0' } }); // the grant was used
    expect(progress.some((p) => p.jobId === jobId && p.phase === 'reading')).toBe(true);
    const list = await call<DatasetInfo[]>(s, 'data.list', {});
    expect(list.map((d) => d.id)).toEqual([end.dataset]);
    expect(list[0]).toMatchObject({ name: 'AAPL_2012-06-21', format: 'lobster' });

    const detail = await call<DatasetDetail>(s, 'data.get', { id: end.dataset, maxPoints: 100 });
    const ser = detail.series;
    expect(ser.t.length).toBeGreaterThan(50);
    expect(ser.t.length).toBeLessThanOrEqual(100);
    for (let i = 1; i < ser.t.length; i++) expect(ser.t[i]!).toBeGreaterThan(ser.t[i - 1]!);
    const i = ser.mid.findIndex((m) => m !== null);
    expect(ser.bid[i]!).toBeLessThan(ser.ask[i]!);
    expect(ser.mid[i]).toBeCloseTo((ser.bid[i]! + ser.ask[i]!) / 2, 9);
    expect(ser.spread[i]).toBeCloseTo(ser.ask[i]! - ser.bid[i]!, 9);
    // The last bucket holds the file's last top of book (AAPL at ~$585 in June 2012).
    expect(ser.mid.at(-1)!).toBeGreaterThan(500);

    const missing = await s.dispatch('calibration.get', { dataset: end.dataset }, { clientId: 'c' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', path: 'dataset' } });
    const fit = await call<{ jobId: string }>(s, 'calibration.fit', { dataset: end.dataset });
    const fitEnd = await done(s, fit.jobId);
    expect(fitEnd).toMatchObject({ status: 'completed', kind: 'calibration', dataset: end.dataset });
    const result = await call<CalibrationResult>(s, 'calibration.get', { dataset: end.dataset });
    expect(result.returns.n).toBeGreaterThanOrEqual(150);
    expect(result.volatility.t).toHaveLength(result.returns.n);
    expect(result.garch?.params.map((p) => p.name)).toEqual(['mu', 'omega', 'alpha', 'beta']);
    expect(result.volatility.sigma.filter((x) => x !== null).length).toBe(result.returns.n);
    expect(result.volatility.pHigh.every((p) => p === null || (p >= 0 && p <= 1))).toBe(true);
    // Recorded as a 'calibrate' run (issue 13 §5, run-tracking.ts) with the same numbers as the CLI's.
    // (ended by its data.done once the fit file is hashed: polled, a generous guard against a hang)
    const search = () => searchNewest(s.store, { kinds: ['calibrate'] }).rows;
    await vi.waitFor(() => expect(search()[0]?.status).not.toBe('running'), {
      timeout: 30_000,
      interval: 20,
    });
    const tracked = search();
    expect(tracked.map((r) => [r.status, r.datasetHash])).toEqual([['completed', list[0]!.contentHash]]);
    expect(s.store.runs.runMetrics(tracked[0]!.id)).toEqual(result.metrics);
    expect(result.metrics?.sigmaPerSqrtSecond).toBe(result.returns.sigmaPerSqrtSecond);
    expect(s.store.runs.files(tracked[0]!.id).map((f) => path.basename(f.path))).toEqual([
      `${end.dataset}.json`,
    ]);

    // AAPL's 159 trades are enough for the intensity fit, so the saved config carries A and k.
    if (!result.intensity) throw new Error(`no intensity fit: ${result.errors.intensity}`);
    expect(result.scenario?.yaml).toContain('mode: book');
    const saved = await call<{ preset: ScenarioPreset; file: string }>(s, 'calibration.saveScenario', {
      dataset: end.dataset,
      name: 'aapl-calibrated',
    });
    expect(saved.preset.id).toBe('user/aapl-calibrated');
    const presets = await call<ScenarioPreset[]>(s, 'scenarios.presets', {});
    expect(presets.map((p) => p.id)).toContain('user/aapl-calibrated');
    const cfg = await parseConfigTextAsync(saved.preset.yaml, 'aapl-calibrated.yaml', 'backtest');
    expect(cfg.name).toBe('aapl-calibrated');
    expect(cfg.scenario.mode).toBe('book');
    // The saved config is calibrate's: its GLFT quoter carries the fitted A.
    expect(cfg.strategies).toContainEqual(
      expect.objectContaining({ type: 'glft', A: Number(result.intensity.A.estimate.toPrecision(6)) }),
    );
    expect(saved.preset.yaml).toContain(`# Calibrated by \`quotebench calibrate\` on dataset ${end.dataset}`);
    const again = await s.dispatch(
      'calibration.saveScenario',
      { dataset: end.dataset, name: 'aapl-calibrated' },
      { clientId: 'c' },
    );
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', path: 'name' } });
  });

  it('cancels a running import and a queued one, leaves no temporary directory, and keeps the worker', async () => {
    const picked = [AMZN_MESSAGE, AMZN_ORDERBOOK];
    const s = service('electron', picked);
    const pick = (): Promise<unknown> => call(s, 'data.pickFiles', { format: 'lobster' });
    const root = path.join(s.store.dataDir, 'datasets');
    const leftovers = (): string[] =>
      existsSync(root) ? readdirSync(root).filter((n) => n.startsWith('.import-')) : [];
    // A running import, cancelled once the worker reports that it reads the files: the import stops at
    // its next safe point (a chunk boundary, or before its commit) — the thread is not terminated.
    await pick();
    const reading = new Promise<void>((resolve) => {
      const off = s.bus.subscribe('data.progress', (p) => {
        if (p.phase !== 'reading') return;
        off();
        resolve();
      });
    });
    const a = await call<{ jobId: string }>(s, 'data.import', {
      format: 'lobster',
      paths: [AMZN_MESSAGE, AMZN_ORDERBOOK],
    });
    const endA = done(s, a.jobId);
    await reading;
    expect(await call(s, 'jobs.cancel', { jobId: a.jobId })).toEqual({ cancelled: true });
    expect((await endA).status).toBe('cancelled');
    expect(leftovers()).toEqual([]);
    expect(await call<unknown[]>(s, 'data.list', {})).toEqual([]);
    picked.splice(0, 2, MESSAGE, ORDERBOOK);
    // A queued import behind a running one: cancelled without running; the running one completes in
    // the same worker that served the cancelled import.
    await pick();
    const b = await call<{ jobId: string }>(s, 'data.import', {
      format: 'lobster',
      paths: [MESSAGE, ORDERBOOK],
    });
    await pick();
    const c = await call<{ jobId: string }>(s, 'data.import', {
      format: 'lobster',
      paths: [MESSAGE, ORDERBOOK],
    });
    const endB = done(s, b.jobId);
    const endC = done(s, c.jobId);
    expect(await call(s, 'jobs.cancel', { jobId: c.jobId })).toEqual({ cancelled: true });
    expect((await endC).status).toBe('cancelled');
    expect((await endB).status).toBe('completed');
    expect(leftovers()).toEqual([]);
    expect(await call<unknown[]>(s, 'data.jobs', {})).toEqual([]);
    // one worker served all three: the cancel did not terminate it
    expect(s.data.workersStarted).toBe(1);
  });
});

describe('upload store', () => {
  it('keeps a safe name, resolves only its own references and refuses oversized uploads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qb-up-'));
    dirs.push(dir);
    const up = new UploadStore(dir);
    const { ref, bytes } = await up.receive('../../etc/AAPL_2012 x.csv', Readable.from([Buffer.from('abc')]));
    expect(bytes).toBe(3);
    expect(ref).toMatch(/^upload:[0-9a-f-]{36}\/AAPL_2012_x\.csv$/);
    expect(path.dirname(path.dirname(up.resolve(ref)))).toBe(up.dir);
    expect(() => up.resolve('upload:../../x')).toThrow(/not an upload reference/);
    expect(() => up.resolve(ref.replace('AAPL', 'MSFT'))).toThrow(/no such upload/);
    await expect(up.receive('big.csv', Readable.from([Buffer.alloc(10)]), 5)).rejects.toThrow(
      /exceeds 5 bytes/,
    );
    expect(readdirSync(up.dir)).toHaveLength(1);
    up.release([ref]);
    expect(readdirSync(up.dir)).toHaveLength(0);
  });
});
