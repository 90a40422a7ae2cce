/**
 * `quotebench bench [--json OUT] [--only a,b]`: run the benchmarks and print
 * {"results": {...}, "machine": {...}, "date": "..."} as JSON on stdout (and to OUT).
 * Benchmarks are sequential so they do not compete for the two cores.
 */
import os from 'node:os';
import { benchBookOps, benchLobsterReplay } from '../book/bench';
import { benchVectorEnv } from '../rl/bench';
import { benchAs2008, benchBookSim } from '../sim/bench';
import { parse } from './args';
import { writeJsonAtomic } from './write-json';

const suites: Record<string, () => Record<string, number>> = {
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
};

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
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const run = suites[name];
    if (run) Object.assign(results, run());
  }
  const out = {
    results,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    date: new Date().toISOString(),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  if (values.json) writeJsonAtomic(values.json, out);
  return 0;
}
