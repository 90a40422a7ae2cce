/**
 * Reading source files that may be gzip-compressed, recognized by the gzip magic bytes 1f 8b whatever
 * the file is called: whole (readMaybeGzip) or streamed line by line with bounded memory (readLines).
 */
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { CatalogError } from './catalog';

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Bytes of a plain or gzip file. */
export function readMaybeGzip(file: string): Buffer {
  const raw = readFileSync(file);
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new CatalogError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** The lines of a plain or gzip file, streamed (bounded memory). */
export async function* readLines(file: string): AsyncGenerator<string> {
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  let got: number;
  try {
    got = readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const stream = createReadStream(file);
  const source = isGzip(head.subarray(0, got)) ? stream.pipe(createGunzip()) : stream;
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    stream.destroy();
  }
}
