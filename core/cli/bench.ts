/**
 * `quotebench bench [--json OUT] [--only a,b]`: run the benchmarks and print
 * {"results": {...}, "backends": {...}, "machine": {...}, "date": "..."} as JSON on stdout (and to
 * OUT). `backends` names the tfjs backend that ran each RL figure (e.g. {"sacUpdatesPerSec": "wasm"}).
 * Benchmarks are sequential so they do not compete for the two cores.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchBookOps, benchLobsterReplay } from '../book/bench';
import { benchVectorEnv } from '../rl/bench';
import { benchAs2008, benchBookSim } from '../sim/bench';
import { parse } from './args';
import { writeJsonAtomic } from './write-json';

interface SuiteResult {
  results: Record<string, number>;
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
  ui: () => benchUi(),
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

export async function benchCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parse(args, { json: { type: 'string' }, only: { type: 'string' } });
  } catch (e) {
    process.stderr.write(`quotebench bench: ${(e as Error).message}\n`);
    return 2;
  }
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(suites);
  const unknown = names.filter((n) => !(n in suites));
  if (unknown.length > 0) {
    process.stderr.write(
      `quotebench bench: unknown benchmark ${unknown.join(', ')} (have ${Object.keys(suites).join(', ')})\n`,
    );
    return 2;
  }
  const results: Record<string, number> = {};
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
