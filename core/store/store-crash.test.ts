/**
 * Crash safety, for real: a child Node process (crash-writer.fixture.ts) writes into the store and is
 * killed with SIGKILL in the middle of writing. Reopening must find an intact database (integrity_check
 * 'ok', WAL mode), the run marked 'incomplete', and every transaction either fully there or absent.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE } from './db';
import { diffPaths, makePath } from './test-fixtures';

const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-crash-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Killed {
  runId: string;
  lines: string[];
  signal: NodeJS.Signals | null;
}

/** Start the writer, SIGKILL it `delayMs` after it prints `writing`, resolve when it is gone. */
function writeAndKill(mode: string, delayMs: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, mode], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killing = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!killing && out.includes('writing\n')) {
        killing = true;
        if (delayMs === 0) child.kill('SIGKILL');
        else setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      const lines = out.split('\n').filter((l) => l !== '');
      const runId = lines.find((l) => l.startsWith('run '))?.slice(4);
      if (!killing || runId === undefined) reject(new Error(`writer did not start writing:\n${out}\n${err}`));
      else resolve({ runId, lines, signal });
    });
  });
}

/** Checks common to every mode, on the raw file before and after the store reopens it. */
function reopenAndCheck(runId: string): ReturnType<typeof openStore> {
  // The writer was in WAL mode when it died: its log is still there, unmerged.
  expect(fs.existsSync(path.join(dir, `${STORE_FILE}-wal`))).toBe(true);
  const store = openStore(dir);
  expect(store.integrityCheck()).toBe('ok');
  expect(store.recovered).toEqual([runId]);
  const detail = store.runs.get(runId);
  expect(detail?.run.status).toBe('incomplete');
  const db = new Database(store.file, { readonly: true });
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  // series and fills of a path are written together: never one without the other
  const unpaired = db
    .prepare(
      `SELECT count(*) FROM series s FULL JOIN fills f USING (run_id, result_idx, path)
       WHERE s.run_id IS NULL OR f.run_id IS NULL`,
    )
    .pluck()
    .get();
  expect(unpaired).toBe(0);
  expect(db.pragma('foreign_key_check')).toEqual([]);
  db.close();
  return store;
}

describe('a writer killed with SIGKILL', () => {
  it('mid-way through a loop of addPath transactions: every committed path is whole', async () => {
    const k = await writeAndKill('paths', 40);
    expect(k.signal).toBe('SIGKILL');
    const store = reopenAndCheck(k.runId);
    const stored = store.runs.get(k.runId)?.seriesPaths ?? [];
    expect(stored.length).toBeGreaterThan(20); // it printed `writing` after path 20 committed
    expect(stored).toEqual(stored.map((_, i) => i)); // a prefix 0..n−1: no gaps, no half path
    for (const i of stored) {
      const p = store.runs.path(k.runId, 0, i);
      expect(p && diffPaths(p, makePath(i, 500))).toBeNull();
    }
    store.close();
  });

  it('inside one long transaction whose pages already reached the WAL: none of its writes survive', async () => {
    const k = await writeAndKill('txn', 20);
    expect(k.signal).toBe('SIGKILL');
    expect(fs.statSync(path.join(dir, `${STORE_FILE}-wal`)).size).toBeGreaterThan(8 * 1024 * 1024);
    const store = reopenAndCheck(k.runId);
    expect(store.runs.get(k.runId)?.seriesPaths).toEqual([0]); // only the path committed before it
    const p = store.runs.path(k.runId, 0, 0);
    expect(p && diffPaths(p, makePath(0, 500))).toBeNull();
    store.close();
  });

  it('during writeCompleted: the run is all there (completed) or not at all (incomplete)', async () => {
    const k = await writeAndKill('complete', 0);
    expect(k.signal).toBe('SIGKILL');
    const committed = k.lines.some((l) => l.startsWith('completed'));
    expect(fs.existsSync(path.join(dir, `${STORE_FILE}-wal`))).toBe(true);
    const store = openStore(dir);
    expect(store.integrityCheck()).toBe('ok');
    const detail = store.runs.get(k.runId);
    const paths = detail?.seriesPaths.length;
    if (detail?.run.status === 'completed') {
      expect([detail.results.length, paths]).toEqual([1, 200]);
    } else {
      expect(committed).toBe(false);
      expect([detail?.run.status, detail?.results.length, paths]).toEqual(['incomplete', 0, 0]);
    }
    store.close();
  });
});
