// Build ahead the `quotebench` CLI: bundle core/cli/main.ts and the CLI's worker entries with esbuild
// into out/cli/<build id>/ (ES modules, code-split so each command loads only its own modules; npm
// packages stay external), and record in out/cli/manifest.json the build id and the size and mtime of
// every source file that went into it. bin/quotebench.mjs runs the bundle only while every recorded
// source is unchanged (otherwise it rebuilds, or falls back to tsx), so a `git pull` never runs stale
// code.
//
// Invariants:
// - A build never changes files another process may be running: each build has its own directory, and
//   the manifest is replaced atomically (write + rename). Old build directories are pruned (see prune).
// - Bundled code sees `import.meta.url` as the URL of its own source file (rewritten at build time), so
//   `new URL('./x', import.meta.url)` (resources, worker entries, package.json) finds what it finds
//   when run from sources. Worker entries that are bundled too are chosen by core/cli/worker-entry.ts.
//
// Usage: node scripts/build-cli.mjs (npm run build:cli; also run by `prepare` after npm ci/install).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where builds go: out/cli, or $QUOTEBENCH_CLI_OUT (tests build into a temporary folder). */
export const outRoot = process.env.QUOTEBENCH_CLI_OUT
  ? path.resolve(process.env.QUOTEBENCH_CLI_OUT)
  : path.join(root, 'out', 'cli');
export const manifestPath = path.join(outRoot, 'manifest.json');
const MANIFEST_VERSION = 1;
const PRUNE_AFTER_MS = 24 * 3600 * 1000;

/** Entry points: name in the build directory → source. */
const ENTRIES = {
  main: 'core/cli/main.ts',
  'backtest-worker': 'core/jobs/backtest-worker.ts',
  'cell-worker': 'core/sweep/cell-worker.ts',
};

/** Source files of a build besides the bundled inputs: a change to them invalidates the bundle. */
const EXTRA_INPUTS = ['scripts/build-cli.mjs', 'package.json'];

function fingerprint(rel) {
  const st = statSync(path.join(root, rel));
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * The manifest if the bundle it describes is up to date with the sources, else null (missing, from an
 * older build script, or any recorded source changed or gone).
 */
export function freshManifest() {
  let m;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return null;
  }
  if (m?.version !== MANIFEST_VERSION || typeof m.id !== 'string' || typeof m.inputs !== 'object')
    return null;
  try {
    for (const [rel, f] of Object.entries(m.inputs)) {
      const now = fingerprint(rel);
      if (now.size !== f.size || now.mtimeMs !== f.mtimeMs) return null;
    }
    statSync(path.join(outRoot, m.id, 'main.mjs'));
  } catch {
    return null;
  }
  return m;
}

/** Rewrite `import.meta.url` in a source to the URL of that source, relative to the build directory. */
function sourceUrlPlugin(buildDir) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = path.relative(buildDir, args.path).split(path.sep).join('/');
        const expr = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', expr), loader: 'ts' };
      });
    },
  };
}

/** Build the bundle; returns the new manifest. */
export async function buildCli({ quiet = false } = {}) {
  const { build } = await import('esbuild');
  mkdirSync(outRoot, { recursive: true });
  const id = `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const buildDir = path.join(outRoot, id);
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(root, v)])),
    outdir: buildDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: quiet ? 'silent' : 'warning',
    plugins: [sourceUrlPlugin(buildDir)],
  });
  const inputs = {};
  for (const rel of [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS]) {
    if (rel.startsWith('node_modules/')) continue;
    inputs[rel] = fingerprint(rel);
  }
  const manifest = { version: MANIFEST_VERSION, id, builtAt: new Date().toISOString(), inputs };
  const tmp = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest, null, 1));
  renameSync(tmp, manifestPath);
  prune(id);
  return manifest;
}

/**
 * Remove old builds: those more than a day old, and beyond the 20 newest those more than 10 minutes old
 * (a process started from a build loads its chunks at start-up, lazily loaded ones within minutes).
 */
function prune(keep) {
  const now = Date.now();
  const builds = [];
  for (const name of readdirSync(outRoot)) {
    if (name === keep || name === 'manifest.json' || name.endsWith('.tmp')) continue;
    try {
      builds.push({ dir: path.join(outRoot, name), mtimeMs: statSync(path.join(outRoot, name)).mtimeMs });
    } catch {
      // Pruned by another process.
    }
  }
  builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  builds.forEach((b, i) => {
    const age = now - b.mtimeMs;
    if (age > PRUNE_AFTER_MS || (i >= 19 && age > 10 * 60 * 1000))
      rmSync(b.dir, { recursive: true, force: true });
  });
}

/** The URL of the bundle's folder for a manifest. */
export function bundleDirUrl(manifest) {
  return pathToFileURL(path.join(outRoot, manifest.id) + path.sep).href;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const t0 = performance.now();
  const m = await buildCli();
  process.stdout.write(
    `built the CLI into out/cli/${m.id} (${Object.keys(m.inputs).length} sources, ${Math.round(performance.now() - t0)} ms)\n`,
  );
}
