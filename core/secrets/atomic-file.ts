/**
 * Writing a small private file atomically: the bytes go to a temporary file in the same folder
 * (created with mode 0600, so they are never readable by others even for a moment), are flushed to
 * disk, and replace the target with one rename; the folder is flushed too where the platform allows.
 * A crash leaves the old file or the new one. The final file's mode is set to 0600 even when an older
 * file had a wider one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;

export async function writePrivateFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let done = false;
  try {
    const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, PRIVATE_FILE_MODE); // the umask may have narrowed it further, never widened
    await rename(tmp, file);
    done = true;
    await syncDir(dir);
  } finally {
    if (!done) await rm(tmp, { force: true }).catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows cannot open a folder for fsync; the rename itself is still atomic there.
  }
}
