// better-sqlite3 is a native addon: the copy in node_modules is built for Node's ABI (the CLI, the web
// shell, the tests). Electron has its own ABI, so `npm start` prepares an Electron build of the addon in
// out/native/electron-<version>/ (scripts/start-electron.mjs) and the store loads that one here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function electronNativeBinding(): string | undefined {
  const file = join(
    import.meta.dirname,
    `../native/electron-${process.versions.electron}/better_sqlite3.node`,
  );
  return existsSync(file) ? file : undefined;
}
