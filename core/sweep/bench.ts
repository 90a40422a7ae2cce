/**
 * `quotebench bench --only sweep`: sweep cells per second — the in-process pool (worker threads, one per
 * core) against 2 local `quotebench worker` processes over BullMQ on a redis-server started here on
 * 127.0.0.1 (skipped, and the figure left out, when redis-server is not installed). The workload is 12
 * cells of the AS 2008 market (300 paths each). Worker start-up is not timed (workers are long-lived);
 * the coordinator's enqueueing and collecting are.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../store/db';
import { expandSweep } from './cells';
import { loadSweepConfig } from './config';
import { runSweepDistributed } from './distributed';
import { runSweepLocal } from './local';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function waitFor(proc: ChildProcess, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${String(re)}`)), ms);
    const on = (b: Buffer): void => {
      seen += b.toString();
      if (re.test(seen)) {
        clearTimeout(t);
        resolve();
      }
    };
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function benchSweep(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-bench-sweep-'));
  const procs: ChildProcess[] = [];
  try {
    fs.copyFileSync(path.join(ROOT, 'resources/configs/as2008.yaml'), path.join(dir, 'as2008.yaml'));
    const file = path.join(dir, 'sweep.yaml');
    fs.writeFileSync(
      file,
      'paths: 300\nseeds: [1, 2, 3]\nscenarios:\n  - file: as2008.yaml\nstrategies:\n' +
        '  - { type: avellaneda-stoikov, variant: inventory, gamma: [0.01, 0.1] }\n' +
        '  - { type: fixed-spread, halfSpread: [0.6, 0.8] }\n',
    );
    const plan = expandSweep(loadSweepConfig(file));
    const out: Record<string, number> = {};
    {
      const store = openStore(path.join(dir, 'local'));
      const t0 = performance.now();
      await runSweepLocal(store, plan, { codeVersion: 'bench' });
      out.sweepCellsPerSec = plan.cells.length / ((performance.now() - t0) / 1000);
      store.close();
    }
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return out;
    const port = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.push(redis);
    await waitFor(redis, /Ready to accept connections/, 30_000);
    const url = `redis://127.0.0.1:${port}`;
    const env = { ...process.env, QUOTEBENCH_SWEEP_CODE_VERSION: 'bench' };
    const workers = [0, 1].map(() => {
      const w = spawn(process.execPath, ['bin/quotebench.mjs', 'worker', '--redis', url, '--data-dir', dir], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(w);
      return w;
    });
    await Promise.all(workers.map((w) => waitFor(w, /taking cells/, 120_000)));
    const store = openStore(path.join(dir, 'redis'));
    const t0 = performance.now();
    await runSweepDistributed(store, plan, { redisUrl: url, codeVersion: 'bench' });
    out.sweepCellsPerSecRedis2Workers = plan.cells.length / ((performance.now() - t0) / 1000);
    store.close();
    return out;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
