/**
 * The one place that chooses the TensorFlow.js backend. Every model in core/rl is written against
 * the `@tensorflow/tfjs` API only, so the same code runs on each backend; this module decides which
 * one executes it:
 *
 *   1. 'tensorflow' — `@tensorflow/tfjs-node` (native libtensorflow), an optionalDependency, used when
 *      it loads. It often does not (libtensorflow is downloaded at install time); any error is caught
 *      and its message kept as the `reason`.
 *   2. 'wasm' — `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD when the runtime has it; single-threaded
 *      in Node, use worker_threads for parallelism). Pinned to the version of `@tensorflow/tfjs`;
 *      a version mismatch is refused (the kernels register against tfjs-core by name).
 *   3. 'cpu' — the plain-JavaScript backend bundled with `@tensorflow/tfjs`, the last resort.
 *
 * The .wasm binaries: in Node the backend's CommonJS build finds them next to itself (`__dirname`),
 * which breaks once the JavaScript is bundled elsewhere (electron-vite, a packaged app). So the
 * loader always calls `setWasmPaths` with the absolute directory of the installed package, resolved
 * through Node's module resolution (a file-system path prefix ending in '/'; Emscripten reads it with
 * fs.readFileSync in Node). Checked by hand: a wrong prefix makes initialization fail, a copy of the
 * three .wasm files in another directory works; backend.test.ts checks the loader end to end.
 *
 * Choice: `opts.prefer` if given, else the environment variable QUOTEBENCH_TF_BACKEND
 * ('node' | 'tensorflow' | 'wasm' | 'cpu'), else 'node'. A preference is a starting point in the
 * chain above ('wasm' skips tfjs-node; 'cpu' goes straight to the CPU backend), never a hard
 * requirement: the loader falls through and says why in `reason`.
 *
 * The backend is process-global state of tfjs, so `loadTf` is idempotent: the first call decides
 * (its promise is cached) and later calls return the same result whatever they prefer. Unless
 * `quiet`, the first call writes one line on stderr naming the backend (and why tfjs-node or wasm
 * were skipped); CLI commands and the UI show `backend` from the result.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';
export type TfPreference = 'node' | 'wasm' | 'cpu';

export interface LoadTfOptions {
  /** Where to start in the chain tfjs-node → wasm → cpu (default: env QUOTEBENCH_TF_BACKEND, else 'node'). */
  prefer?: TfPreference;
  /** Do not write the one-line backend notice on stderr. */
  quiet?: boolean;
}

export interface LoadedTf {
  /** The `@tensorflow/tfjs` namespace, with `backend` active. */
  tf: typeof tf;
  backend: TfBackendName;
  /** Why the preferred backends before `backend` were not used (absent when the first choice loaded). */
  reason?: string;
}

const ENV_VAR = 'QUOTEBENCH_TF_BACKEND';
// A variable specifier keeps TypeScript and bundlers from resolving the optional package statically.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

let cached: Promise<LoadedTf> | undefined;

/** Parse QUOTEBENCH_TF_BACKEND (or any string) into a preference; undefined when empty. */
export function parseTfPreference(value: string | undefined): TfPreference | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'node' || v === 'tensorflow' || v === 'tfjs-node') return 'node';
  if (v === 'wasm') return 'wasm';
  if (v === 'cpu') return 'cpu';
  throw new RangeError(`${ENV_VAR} must be one of node, tensorflow, wasm, cpu (got '${value}')`);
}

/** Load tfjs with the best available backend (see the module header). Idempotent. */
export function loadTf(opts: LoadTfOptions = {}): Promise<LoadedTf> {
  cached ??= choose(opts).then((r) => {
    if (opts.quiet !== true) process.stderr.write(`${describeTf(r)}\n`);
    return r;
  });
  return cached;
}

/** One human-readable line: "tfjs 4.22.0 backend: wasm (SIMD, 1 thread) — tfjs-node skipped: …". */
export function describeTf(r: LoadedTf): string {
  let detail = '';
  if (r.backend === 'wasm') {
    try {
      // Evaluated (asynchronously) when the backend initialized, so it is cached by now.
      detail = ` (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}, 1 thread)`;
    } catch {
      detail = ' (1 thread)';
    }
  }
  const why = r.reason !== undefined ? ` — ${r.reason}` : '';
  return `tfjs ${tf.version.tfjs} backend: ${r.backend}${detail}${why}`;
}

async function choose(opts: LoadTfOptions): Promise<LoadedTf> {
  const prefer = opts.prefer ?? parseTfPreference(process.env[ENV_VAR]) ?? 'node';
  const skipped: string[] = [];

  if (prefer === 'node') {
    try {
      await import(/* @vite-ignore */ TFJS_NODE);
      if (!(await tf.setBackend('tensorflow'))) throw new Error("setBackend('tensorflow') returned false");
      await tf.ready();
      return done('tensorflow', skipped);
    } catch (e) {
      skipped.push(`tfjs-node not used: ${firstLine(e)}`);
    }
  } else skipped.push(`tfjs-node skipped (prefer = ${prefer})`);

  if (prefer !== 'cpu') {
    try {
      await registerWasm();
      if (!(await tf.setBackend('wasm'))) throw new Error("setBackend('wasm') returned false");
      await tf.ready();
      return done('wasm', skipped);
    } catch (e) {
      skipped.push(`wasm not used: ${firstLine(e)}`);
    }
  } else skipped.push('wasm skipped (prefer = cpu)');

  if (!(await tf.setBackend('cpu'))) throw new Error('loadTf: even the cpu backend failed to initialize');
  await tf.ready();
  return done('cpu', skipped);

  function done(backend: TfBackendName, why: string[]): LoadedTf {
    // Report only the reasons that explain a departure from the default chain's first choice.
    return why.length > 0 ? { tf, backend, reason: why.join('; ') } : { tf, backend };
  }
}

async function registerWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve(TFJS_WASM);
  const mod = (await import(/* @vite-ignore */ TFJS_WASM)) as typeof TfWasm;
  if (mod.version_wasm !== tf.version.tfjs)
    throw new Error(
      `${TFJS_WASM} ${mod.version_wasm} does not match @tensorflow/tfjs ${tf.version.tfjs} (pin the same version)`,
    );
  // The package's dist/ directory holds tfjs-backend-wasm{,-simd,-threaded-simd}.wasm.
  // setWasmPaths only takes effect before the backend initializes; it throws only after a failed init.
  mod.setWasmPaths(path.dirname(entry) + path.sep);
}

function firstLine(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message;
  else if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string')
    msg = (e as { message: string }).message;
  else msg = String(e);
  const line = msg.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}
