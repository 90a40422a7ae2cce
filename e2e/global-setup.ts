// Build the renderer (and the Electron layers) once before the end-to-end specs: they test what a user
// runs, the built bundle served by the web shell.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './harness';

export default function setup(): void {
  const cli = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  execFileSync(process.execPath, [cli, 'build'], { cwd: ROOT, stdio: 'inherit' });
}
