/**
 * Shutdown of `quotebench serve`: the signal and time-limit logic with an injected process (second
 * signal exits at once with 130/143, an unfinished stop exits 1 with a message), and the real command
 * in a child process: SIGTERM while a long backtest runs exits 0, the run is `cancelled` in the store
 * and the database was closed cleanly; SIGTERM then SIGINT exits at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { listenForStop, shutdownWithin, type SignalSource } from './shutdown';
import { WsTestClient } from './ws-test-client';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('listenForStop / shutdownWithin', () => {
  it('resolves on the first signal and exits at once with 128+n on the second', async () => {
    const source = new EventEmitter();
    const exits: (number | undefined)[] = [];
    const warnings: string[] = [];
    const stop = listenForStop('t', {
      source: source as unknown as SignalSource,
      exit: (c) => void exits.push(c),
      warn: (l) => void warnings.push(l),
    });
    source.emit('SIGTERM', 'SIGTERM');
    expect(await stop.signal).toBe('SIGTERM');
    expect(exits).toEqual([]);
    source.emit('SIGINT', 'SIGINT');
    source.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([130, 143]);
    expect(warnings[0]).toMatch(/second signal \(SIGINT\): exiting now/);
    stop.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits 1 with a message when the stop does not finish within the limit', async () => {
    const warnings: string[] = [];
    const exited = new Promise<number | undefined>((resolve) => {
      void shutdownWithin('t', 20, () => new Promise<void>(() => undefined), {
        exit: resolve,
        warn: (l) => void warnings.push(l),
      });
    });
    expect(await exited).toBe(1);
    expect(warnings).toEqual(['t: shutdown did not finish within 0.02 s; exiting anyway']);
  });

  it('does not exit when the stop finishes', async () => {
    const exits: (number | undefined)[] = [];
    await shutdownWithin('t', 60_000, () => Promise.resolve(), { exit: (c) => void exits.push(c) });
    expect(exits).toEqual([]);
  });
});

/** `quotebench serve` in a child process, with its output collected. */
class ServeProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }
  static start(dataDir: string): ServeProcess {
    const staticDir = join(dataDir, 'static');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>qb</title>');
    const args = ['bin/quotebench.mjs', 'serve', '--port', '0', '--data-dir', dataDir, '--static', staticDir];
    return new ServeProcess(spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
  }
  async url(): Promise<URL> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const m = /serving on (http:\/\/\S+)/.exec(this.stdout);
      if (m?.[1]) return new URL(m[1]);
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`serve did not start:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`serve did not exit:\n${this.stdout}\n${this.stderr}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Many short paths: cancellation between paths is enough to stop it promptly. */
const LONG_BACKTEST = `seed: 1
paths: 1000000
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2 }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: fixed-spread
    halfSpread: 0.7
`;

/** One path of 10^7 steps (sampled every 10^4, so its memory stays small): tens of seconds. */
const ONE_LONG_PATH = `seed: 1
paths: 1
scenario:
  mode: intensity
  horizon: 100000
  dt: 0.01
  sampleEvery: 10000
  s0: 100
  price: { sigma: 2 }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: fixed-spread
    halfSpread: 0.7
`;

/** Start a backtest through the API; with `waitProgress`, wait until its worker reports progress. */
async function startBacktest(url: URL, yaml: string, waitProgress: boolean): Promise<string> {
  const c = await WsTestClient.open(`ws://${url.host}/ws?token=${url.searchParams.get('token') ?? ''}`);
  c.ws.send(JSON.stringify({ kind: 'sub', topics: ['job.progress'] }));
  const started = await c.call(1, 'backtest.start', { yaml }, 60_000);
  if (started.kind !== 'result' || !started.ok) throw new Error(`backtest.start: ${JSON.stringify(started)}`);
  const { runId } = started.output as { runId: string };
  if (waitProgress) await c.waitFor((m) => m.kind === 'event' && m.topic === 'job.progress', 120_000);
  return runId;
}

function runStatus(dataDir: string, runId: string): string {
  const db = new Database(join(dataDir, 'quotebench.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status;
  } finally {
    db.close();
  }
}

describe('quotebench serve on signals', () => {
  const dirs: string[] = [];
  const children: ServeProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('SIGTERM cancels the running backtest, records it, closes the store and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qb-serve-sig-'));
    dirs.push(dataDir);
    const serve = ServeProcess.start(dataDir);
    children.push(serve);
    const runId = await startBacktest(await serve.url(), LONG_BACKTEST, true);
    const t0 = performance.now();
    serve.child.kill('SIGTERM');
    const { code, signal } = await serve.exit(30_000);
    console.log(`serve stopped ${Math.round(performance.now() - t0)} ms after SIGTERM`);
    expect({ code, signal, stderr: serve.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(serve.stdout).toContain('stopped');
    // Closed cleanly: the last connection checkpointed and removed the write-ahead log.
    expect(existsSync(join(dataDir, 'quotebench.sqlite-wal'))).toBe(false);
    expect(runStatus(dataDir, runId)).toBe('cancelled');
  });

  it('SIGTERM stops serve even while a job is inside one long path', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qb-serve-sig3-'));
    dirs.push(dataDir);
    const serve = ServeProcess.start(dataDir);
    children.push(serve);
    const runId = await startBacktest(await serve.url(), ONE_LONG_PATH, false);
    // Let the worker get into the path (no progress event comes before the path ends).
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    serve.child.kill('SIGTERM');
    const { code } = await serve.exit(30_000);
    console.log(`serve exited ${code} ${Math.round(performance.now() - t0)} ms after SIGTERM`);
    // Either the job noticed the cancellation inside the path (clean stop: 0, run cancelled) or the
    // shutdown limit ended the process (1, with the message; the next start marks the run incomplete).
    if (code === 0) expect(runStatus(dataDir, runId)).toBe('cancelled');
    else {
      expect(code).toBe(1);
      expect(serve.stderr).toMatch(/shutdown did not finish within 5 s; exiting anyway/);
    }
  });

  it('a second signal while stopping exits at once with 130/143', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qb-serve-sig2-'));
    dirs.push(dataDir);
    const serve = ServeProcess.start(dataDir);
    children.push(serve);
    await startBacktest(await serve.url(), LONG_BACKTEST, true);
    // Both land before the stop can finish (it needs the worker's answer, many event-loop turns away).
    serve.child.kill('SIGTERM');
    serve.child.kill('SIGINT');
    const { code } = await serve.exit(30_000);
    expect([130, 143]).toContain(code);
    expect(serve.stderr).toMatch(/second signal \((SIGINT|SIGTERM)\): exiting now/);
  });
});
