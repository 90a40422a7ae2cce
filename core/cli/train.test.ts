/**
 * `quotebench train` in process: a tiny config end to end, resume, and invalid input (exit 2, nothing
 * written).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listCheckpoints } from '../rl/train/checkpoint';
import { trainCommand } from './train';
import { tinyTrainYaml } from '../rl/train/tiny-config.fixture';
import { captureOutput } from './capture.fixture';
import { openStore } from '../store/db';
import { codeVersion } from '../store/code-version';

const tiny = tinyTrainYaml({
  name: 'tiny-cli',
  seed: 4,
  body: `sac: { hidden: [16, 16], batchSize: 32, warmupSteps: 50 }
budget: { totalSteps: 200, checkpointEvery: 100, evalEvery: 100, evalEpisodes: 2 }
`,
});

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let out: string;
let err: string;

async function run(args: string[]): Promise<number> {
  const r = await captureOutput(() => trainCommand(args));
  out = r.out;
  err = r.err;
  return r.code;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-cli-train-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('quotebench train', () => {
  it('trains a tiny config end to end, then resumes it with more steps', async () => {
    const cfg = path.join(dir, 'tiny.yaml');
    fs.writeFileSync(cfg, tiny);
    const dataDir = path.join(dir, 'data');
    const code = await run(['--config', cfg, '--data-dir', dataDir]);
    expect(code, err).toBe(0);
    expect(err.split('\n')[0]).toMatch(/^tfjs .* backend: (wasm|cpu|tensorflow)/);
    expect(err).toMatch(/checkpoint step-000000100/);
    expect(err).toMatch(/eval at step 200: return .* \(AS baseline/);
    const runDir = path.join(dataDir, 'training', 'tiny-cli-4');
    expect(out).toMatch(/tiny-cli: finished/);
    expect(out).toMatch(/steps 200\/200, updates 151, episodes 4/);
    expect(out).toMatch(/eval return .* vs AS baseline/);
    expect(out).toContain(runDir);
    expect(listCheckpoints(runDir).map((c) => c.step)).toEqual([100, 200]);
    // Recorded in the data directory's store as the app records a training run (issue 13 §5).
    const store = openStore(dataDir);
    try {
      const rows = store.training.list();
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row).toMatchObject({ name: 'tiny-cli', algo: 'sac', seed: 4, status: 'finished', runDir });
      expect(row.codeVersion).toBe(codeVersion());
      expect(store.training.checkpoints(row.id).map((c) => c.step)).toEqual([100, 200]);
      expect(store.training.metricCount(row.id)).toBeGreaterThan(0);
      expect((store.training.config(row.id) as { name: string }).name).toBe('tiny-cli');
    } finally {
      store.close();
    }

    // Starting again in the same run directory without --resume is refused.
    expect(await run(['--config', cfg, '--data-dir', dataDir, '--quiet'])).toBe(2);
    expect(err).toMatch(/already holds a training run/);

    expect(await run(['--config', cfg, '--run-dir', runDir, '--resume', '--steps', '250', '--quiet'])).toBe(
      0,
    );
    expect(out).toMatch(/steps 250\/250/);
    expect(err).not.toMatch(/checkpoint step-/); // --quiet: no log lines, no bar
    expect(listCheckpoints(runDir).at(-1)?.step).toBe(250);
  });

  it('stops cleanly on SIGINT with a final checkpoint (exit 130)', async () => {
    const cfg = path.join(dir, 'long.yaml');
    fs.writeFileSync(cfg, tiny.replace('totalSteps: 200', 'totalSteps: 1000000'));
    const runDir = path.join(dir, 'run');
    const script = `
      const { trainCommand } = await import(${JSON.stringify(fileURLToPath(new URL('./train.ts', import.meta.url)))});
      process.exitCode = await trainCommand(process.env.QB_ARGS.split('\\n'));
    `;
    const res = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: root,
          env: { ...process.env, QB_ARGS: ['--config', cfg, '--run-dir', runDir].join('\n') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        let sent = false;
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
          if (!sent && /checkpoint step-000000200/.test(stderr)) {
            sent = true;
            child.kill('SIGINT');
          }
        });
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(guard);
          resolve({ code, stdout, stderr });
        });
      },
    );
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toMatch(/SIGINT: stopping after a final checkpoint/);
    expect(res.stdout).toMatch(/tiny-cli: stopped \(stopped at step \d+ by request\)/);
    const last = listCheckpoints(runDir).at(-1)!;
    expect(last.step).toBeGreaterThanOrEqual(200);
    expect(res.stdout).toContain(last.dir);
  });

  it('rejects a bad config with exit 2, naming the key and the line, and writes nothing', async () => {
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(cfg, tiny.replace('  inventoryScale: 5', '  inventoryScale: 5\n  inventoryScael: 5'));
    const dataDir = path.join(dir, 'data');
    expect(await run(['--config', cfg, '--data-dir', dataDir])).toBe(2);
    expect(err).toMatch(/invalid config/);
    expect(err).toMatch(/bad\.yaml:14:3: env\.inventoryScael: unknown key/);
    expect(fs.existsSync(dataDir)).toBe(false);

    expect(await run(['--config', path.join(dir, 'missing.yaml')])).toBe(2);
    expect(err).toMatch(/cannot read file/);
    expect(await run([])).toBe(2);
    expect(err).toMatch(/--config FILE is required/);
    expect(await run(['--config', cfg, '--steps', '1.5'])).toBe(2);
    expect(err).toMatch(/--steps must be an integer/);
    fs.writeFileSync(cfg, tiny);
    expect(await run(['--config', cfg, '--run-dir', path.join(dir, 'none'), '--resume'])).toBe(2);
    expect(err).toMatch(/nothing to resume/);
  });
});
