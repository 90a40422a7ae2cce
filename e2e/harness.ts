/**
 * End-to-end harness: the real web shell (`quotebench serve`) in a child process with a temporary data
 * directory, and Debian's Chromium driven by playwright-core. Screenshots go to e2e/output/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = join(ROOT, 'e2e', 'output');
export const CHROMIUM = process.env.QUOTEBENCH_CHROMIUM ?? '/usr/bin/chromium';

export interface WebShell {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'qb-e2e-'));
}

/**
 * Start `quotebench serve` and resolve once it prints its URL. With a `token`, the same server with
 * that fixed token instead (e2e/serve-fixed-token.ts: a restart on the same port and token).
 */
export function startWebShell(dataDir: string, port = 0, token?: string): Promise<WebShell> {
  return new Promise((resolve, reject) => {
    const args =
      token === undefined
        ? [join(ROOT, 'bin/quotebench.mjs'), 'serve', '--port', String(port), '--data-dir', dataDir]
        : ['--import', 'tsx', join(ROOT, 'e2e/serve-fixed-token.ts'), dataDir, String(port), token];
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`web shell did not start in 60 s\n${out}\n${err}`));
    }, 60_000);
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          port: Number(new URL(url).port),
          dataDir,
          proc,
          stop: () =>
            new Promise<void>((done) => {
              if (proc.exitCode !== null) return done();
              proc.once('exit', () => done());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web shell exited with code ${code}\n${out}\n${err}`));
    });
  });
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set QUOTEBENCH_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
