// `npm start`: run the desktop app with `electron-vite dev` (or `npm start -- --preview` to build and
// run the production bundle with `electron-vite preview`). If the Electron binary is not installed,
// say so plainly and point to the CLI instead of failing inside electron-vite.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
      'Meanwhile the command line works without Electron, for example:',
      '  npx quotebench backtest --config resources/configs/as2008.yaml',
    ].join('\n'),
  );
  process.exit(1);
}

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
