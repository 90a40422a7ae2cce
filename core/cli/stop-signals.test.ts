/**
 * handleStopSignals in a real child process (signals cannot be sent to the test runner itself): the
 * first SIGINT/SIGTERM aborts the signal and sets exit code 130/143, a second one exits at once, the
 * grace period exits a command that does not stop, and dispose() restores the default dispositions.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const modulePath = fileURLToPath(new URL('./stop-signals.ts', import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Start a process that installs the handlers (options as JSON) and then never finishes its work; on
 * each line it prints, `react` may send signals.
 */
function child(
  opts: Record<string, unknown>,
  react: (line: string, kill: (s: NodeJS.Signals) => void) => void,
  disposeFirst = false,
): Promise<Exit> {
  const script = `
    const { handleStopSignals } = await import(${JSON.stringify(modulePath)});
    const s = handleStopSignals(${JSON.stringify({ name: 'qb-test', stopping: 'stopping', ...opts })});
    s.signal.addEventListener('abort', () => process.stdout.write('aborted ' + s.exitCode() + '\\n'));
    ${disposeFirst ? 's.dispose();' : ''}
    setInterval(() => {}, 1000);
    process.stdout.write('ready\\n');
  `;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      for (const line of d.split('\n').filter(Boolean)) react(line, (s) => c.kill(s));
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    c.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('handleStopSignals', () => {
  it('SIGTERM aborts with exit code 143; a second SIGTERM exits at once', async () => {
    const r = await child({ abandoning: 'without a checkpoint' }, (line, kill) => {
      if (line === 'ready' || line.startsWith('aborted')) kill('SIGTERM');
    });
    expect(r.stdout).toContain('aborted 143');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/qb-test: SIGTERM: stopping \(SIGTERM again to exit at once\)/);
    expect(r.stderr).toMatch(/SIGTERM again; exiting at once without a checkpoint/);
  });

  it('SIGINT aborts with 130; after the grace period the process exits by itself', async () => {
    const r = await child({ graceMs: 300 }, (line, kill) => {
      if (line === 'ready') kill('SIGINT');
    });
    expect(r.stdout).toContain('aborted 130');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/did not stop within 300 ms/);
  });

  it('dispose() restores the default: the signal ends the process', async () => {
    const r = await child(
      {},
      (line, kill) => {
        if (line === 'ready') kill('SIGINT');
      },
      true,
    );
    expect(r.signal).toBe('SIGINT');
    expect(r.stdout).not.toContain('aborted');
  });
});
