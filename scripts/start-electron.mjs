// `npm start`: run the desktop app with `electron-vite dev` (or `npm start -- --preview` to build and
// run the production bundle with `electron-vite preview`). If the Electron binary is not installed,
// say so plainly and point to the CLI instead of failing inside electron-vite.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Path of the Electron executable, or null when it is missing. ELECTRON_EXEC_PATH (electron-vite's own
 * override) wins; otherwise the electron package resolves it, and throws when its binary was never
 * downloaded (no node_modules/electron/path.txt).
 */
function electronBinary() {
  const override = process.env.ELECTRON_EXEC_PATH;
  if (override) return existsSync(override) ? override : null;
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function electronVersion() {
  try {
    return require('electron/package.json').version;
  } catch {
    return '<version in package.json>';
  }
}

const electronPath = electronBinary();
if (!electronPath) {
  const version = electronVersion();
  console.error(
    [
      'Quotebench: the Electron binary is not installed on this machine (it cannot be downloaded here),',
      'so the desktop app cannot start.',
      '',
      `On a machine that can download it, fetch the Electron ${version} binary into node_modules/electron`,
      'with ELECTRON_SKIP_BINARY_DOWNLOAD unset (the download step skips itself while it is set):',
      '  node node_modules/electron/install.js     (or: npm rebuild electron, or a fresh npm ci)',
      'then run npm start again.',
      '',
      'Meanwhile the web shell and the command line work without Electron:',
      '  npm run start:web',
      '  npx quotebench backtest --config resources/configs/as2008.yaml',
    ].join('\n'),
  );
  process.exit(1);
}

ensureElectronSqlite(electronVersion());

const command = process.argv.includes('--preview') ? 'preview' : 'dev';
const electronVitePackage = require.resolve('electron-vite/package.json');
const { bin } = JSON.parse(readFileSync(electronVitePackage, 'utf8'));
const electronViteCli = join(dirname(electronVitePackage), bin['electron-vite']);

// Hand electron-vite the binary found above, so both agree on which Electron runs.
const child = spawn(process.execPath, [electronViteCli, command], {
  stdio: 'inherit',
  env: { ...process.env, ELECTRON_EXEC_PATH: electronPath },
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/**
 * better-sqlite3 in node_modules is built for Node's ABI (CLI, web shell, tests). Electron needs its
 * own build: make one in a scratch copy of the package (a prebuilt binary via prebuild-install when
 * the network allows, else node-gyp against Electron's headers) and keep it in
 * out/native/electron-<version>/, where main/native.ts finds it. node_modules stays untouched.
 */
function ensureElectronSqlite(version) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const target = join(root, 'out', 'native', `electron-${version}`);
  const file = join(target, 'better_sqlite3.node');
  if (existsSync(file)) return;
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const scratch = mkdtempSync(join(tmpdir(), 'qb-electron-sqlite-'));
  console.error(`Quotebench: building better-sqlite3 for Electron ${version} (once)…`);
  cpSync(pkgDir, scratch, { recursive: true, filter: (src) => !src.includes(`${pkgDir}/build`) });
  const run = (cmd, args) =>
    spawnSync(cmd, args, {
      cwd: scratch,
      stdio: 'inherit',
      env: { ...process.env, npm_config_runtime: 'electron' },
    }).status === 0;
  const prebuild = join(
    dirname(require.resolve('prebuild-install/package.json', { paths: [pkgDir] })),
    'bin.js',
  );
  const ok =
    run(process.execPath, [prebuild, '--runtime', 'electron', '--target', version, '--arch', process.arch]) ||
    run('npm', [
      'exec',
      '--yes',
      '--',
      'node-gyp',
      'rebuild',
      '--release',
      `--target=${version}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
    ]);
  const built = join(scratch, 'build', 'Release', 'better_sqlite3.node');
  if (!ok || !existsSync(built)) {
    console.error(
      'Quotebench: could not build better-sqlite3 for Electron; the app cannot open its run store.',
    );
    process.exit(1);
  }
  mkdirSync(target, { recursive: true });
  copyFileSync(built, file);
  rmSync(scratch, { recursive: true, force: true });
}
