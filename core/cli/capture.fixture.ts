/** Run a CLI command in process with its stdout and stderr captured (for the command tests). */
import { vi } from 'vitest';

export async function captureOutput(
  command: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await command();
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
