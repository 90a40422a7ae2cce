/**
 * `quotebench bench [--json OUT] [--only a,b]`: run the benchmarks and print
 * {"results": {...}, "backends": {...}, "machine": {...}, "date": "..."} as JSON on stdout (and to
 * OUT). `backends` names the tfjs backend that ran each RL figure (e.g. {"sacUpdatesPerSec": "wasm"}).
 * Benchmarks are sequential so they do not compete for the two cores. `cli` times the command line
 * end to end in child processes (start-up included). `--only rl` is the group sac, ppo, pause, rollout
 * and beat; `beat` (trainToBeatBaselinesSeconds, core/rl/train/beat-bench.ts) trains SAC until it beats
 * the best tuned baseline or its budget (QB_BENCH_TRAIN_BUDGET_S, default 600 s of training) runs out,
 * and then reports null with the best reward reached, the baseline's reward and the seconds spent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBookOps, benchLobsterReplay } from '../data/book-bench';
import { benchVectorEnv } from '../rl/bench';
import { benchAs2008, benchBookSim } from '../sim/bench';
import { parse } from './args';
import { BENCH_OPTIONS } from './commands';
import { writeJsonAtomic } from './write-json';

interface SuiteResult {
  /** null: a figure that was not reached (trainToBeatBaselinesSeconds when the budget ran out). */
  results: Record<string, number | null>;
  backends?: Record<string, string>;
}
type Suite = () => Record<string, number> | Promise<SuiteResult>;

const suites: Record<string, Suite> = {
  book: () => ({ bookOpsPerSec: benchBookOps().bookOpsPerSec }),
  lobster: () => {
    const r = benchLobsterReplay();
    return {
      lobsterParseMsgsPerSec: r.lobsterParseMsgsPerSec,
      lobsterReplayMsgsPerSec: r.lobsterReplayMsgsPerSec,
    };
  },
  sim: () => ({ simEventsPerSec: benchBookSim().simEventsPerSec }),
  vectorEnv: () => ({ vectorEnvStepsPerSec: benchVectorEnv().vectorEnvStepsPerSec }),
  as2008: () => benchAs2008(),
  cli: () => benchCli(),
  sac: async () => {
    const { benchSac } = await import('../rl/sac/bench');
    const r = await benchSac();
    return { results: { sacUpdatesPerSec: r.sacUpdatesPerSec }, backends: { sacUpdatesPerSec: r.backend } };
  },
  ppo: async () => {
    const { benchPpo } = await import('../rl/ppo/bench');
    const r = await benchPpo();
    return {
      results: { ppoIterationSeconds: r.ppoIterationSeconds },
      backends: { ppoIterationSeconds: r.backend },
    };
  },
  pause: async () => {
    const { benchPauseLatency } = await import('../rl/train/pause-bench');
    const r = await benchPauseLatency();
    return {
      results: {
        ppoPauseLatencyMaxMs: r.ppoPauseLatencyMaxMs,
        ppoPauseLatencyP95Ms: r.ppoPauseLatencyP95Ms,
        ppoPauseLatencyMedianMs: r.ppoPauseLatencyMedianMs,
      },
      backends: { ppoPauseLatencyMaxMs: `${r.backend} (${r.midUpdatePauses} pauses mid-update)` },
    };
  },
  rollout: async () => {
    const { benchRollout } = await import('../rl/sac/bench');
    const r = await benchRollout();
    return {
      results: {
        rolloutStepsPerSec: r.rolloutStepsPerSec,
        rolloutTfStepsPerSec: r.tfStepsPerSec,
        rolloutTypedStepsPerSec: r.typedStepsPerSec,
      },
      backends: { rolloutStepsPerSec: `${r.backend} (${r.inference} inference)` },
    };
  },
  beat: async () => {
    const { benchTrainToBeatBaselines } = await import('../rl/train/beat-bench');
    const r = await benchTrainToBeatBaselines({ onLog: (l) => process.stderr.write(`bench: beat: ${l}\n`) });
    // null (not beaten within the budget) is reported as such, with how close training came.
    return {
      results: {
        trainToBeatBaselinesSeconds: r.trainToBeatBaselinesSeconds,
        trainToBeatBestReward: r.bestReward,
        trainToBeatBaselineReward: r.baselineReward,
        trainToBeatElapsedSeconds: r.elapsedTrainSeconds,
        trainToBeatSteps: r.steps,
        trainToBeatTuneSeconds: r.tuneSeconds,
      },
      backends: {
        trainToBeatBaselinesSeconds:
          `${r.backend} (${r.config} seed ${r.seed}, ${r.end}; vs tuned ${r.baseline} on ${r.evalPaths} ` +
          `held-out paths; budget ${r.budgetSeconds} s)`,
      },
    };
  },
  ui: () => benchUi(),
  replay: async () => {
    const { benchReplay } = await import('../replay/bench');
    return { results: await benchReplay() };
  },
  ingest: async () => {
    const { benchIngest } = await import('../data/bench');
    return { results: await benchIngest() };
  },
  calibrate: async () => {
    const { benchCalibrate } = await import('../calibration/bench');
    return { results: await benchCalibrate() };
  },
  sweep: async () => {
    const { benchSweep } = await import('../sweep/bench');
    return { results: await benchSweep() };
  },
};

/** Groups of suites for --only (e.g. `--only rl`). */
const GROUPS: Record<string, readonly string[]> = {
  rl: ['sac', 'ppo', 'pause', 'rollout', 'beat'],
};

/**
 * What a person sees: runs the end-to-end performance spec (built web shell + Chromium; see
 * e2e/perf.spec.ts) and reads the figures it writes to e2e/output/perf.json.
 */
function benchUi(): Record<string, number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [vitest, 'run', '--config', 'vitest.e2e.config.ts', 'e2e/perf.spec.ts'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (r.status !== 0)
    throw new Error('the UI performance spec failed (is Chromium installed at /usr/bin/chromium?)');
  const f = JSON.parse(readFileSync(`${root}/e2e/output/perf.json`, 'utf8')) as Record<string, number | null>;
  const out: Record<string, number> = {};
  if (f.bookUpdatesPerSec != null) out.orderBookUpdatesPerSec = f.bookUpdatesPerSec;
  if (f.fps != null) out.orderBookFps = f.fps;
  if (f.frameP95Ms != null) out.orderBookFrameP95Ms = f.frameP95Ms;
  if (f.apiRoundTripP50Ms != null) out.apiRoundTripP50Ms = f.apiRoundTripP50Ms;
  if (f.apiRoundTripP99Ms != null) out.apiRoundTripP99Ms = f.apiRoundTripP99Ms;
  return out;
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * What a user waits for at the command line, end to end (process start-up, transpiling or loading the
 * bundle, the config, the worker, the computation, the JSON): the AS 2008 main job and `--version`,
 * each run 5 times in a fresh `node bin/quotebench.mjs` process; median and minimum wall time in ms.
 */
function benchCli(): Record<string, number> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-bench-cli-'));
  const time = (args: string[]): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['bin/quotebench.mjs', ...args], { cwd: root, stdio: 'ignore' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`quotebench ${args.join(' ')} exited with ${String(r.status)}`);
    return ms;
  };
  try {
    const job = [
      'backtest',
      '--config',
      'resources/configs/as2008.yaml',
      '--quiet',
      '--json',
      path.join(dir, 'as2008.json'),
    ];
    time(job); // warm the file cache (and tsx's transform cache when running from sources)
    const jobs = Array.from({ length: 5 }, () => time(job));
    const versions = Array.from({ length: 5 }, () => time(['--version']));
    return {
      cliAs2008MedianMs: Math.round(median(jobs)),
      cliAs2008MinMs: Math.round(Math.min(...jobs)),
      cliVersionMedianMs: Math.round(median(versions)),
      cliVersionMinMs: Math.round(Math.min(...versions)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parse(args, BENCH_OPTIONS);
  } catch (e) {
    process.stderr.write(`quotebench bench: ${(e as Error).message}\n`);
    return 2;
  }
  const names = [
    ...new Set(
      (values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(suites)).flatMap(
        (n) => GROUPS[n] ?? [n],
      ),
    ),
  ];
  const unknown = names.filter((n) => !(n in suites));
  if (unknown.length > 0) {
    process.stderr.write(
      `quotebench bench: unknown benchmark ${unknown.join(', ')} (have ${Object.keys(suites).join(', ')}; groups ${Object.keys(GROUPS).join(', ')})\n`,
    );
    return 2;
  }
  const results: Record<string, number | null> = {};
  const backends: Record<string, string> = {};
  const failed: Record<string, string> = {};
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const run = suites[name];
    try {
      if (!run) continue;
      const r = await run();
      if ('results' in r && typeof r.results === 'object') {
        const sr = r as SuiteResult;
        Object.assign(results, sr.results);
        if (sr.backends) Object.assign(backends, sr.backends);
      } else Object.assign(results, r);
    } catch (e) {
      failed[name] = (e as Error).message;
      process.stderr.write(`bench: ${name} failed: ${(e as Error).message}\n`);
    }
  }
  const out = {
    results,
    ...(Object.keys(backends).length > 0 ? { backends } : {}),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    date: new Date().toISOString(),
    ...(Object.keys(failed).length > 0 ? { failed } : {}),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  if (values.json) writeJsonAtomic(values.json, out);
  return Object.keys(failed).length > 0 ? 1 : 0;
}
