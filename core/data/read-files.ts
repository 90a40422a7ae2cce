/**
 * Reading source files that may be gzip-compressed, recognized by the gzip magic bytes 1f 8b whatever
 * the file is called, always streamed with bounded memory: line by line (readLines, readLineBatches),
 * n lines at a time as one string (LineChunks) or as bytes into a hash (hashFileBytes).
 */
import type { Hash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, type ReadStream } from 'node:fs';
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { CatalogError } from './catalog';

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Whether the file starts with the gzip magic bytes. */
export function isGzipFile(file: string): boolean {
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    return isGzip(head.subarray(0, readSync(fd, head, 0, 2, 0)));
  } finally {
    closeSync(fd);
  }
}

function sourceStream(
  file: string,
  blockBytes = 1 << 20,
): { stream: ReadStream; source: Readable; gzip: boolean } {
  const gzip = isGzipFile(file);
  const stream = createReadStream(file, { highWaterMark: blockBytes });
  const source = gzip
    ? stream.pipe(
        // readableHighWaterMark is a stream option zlib passes on to its Transform (not in ZlibOptions' type).
        createGunzip({
          chunkSize: Math.max(blockBytes, 64),
          readableHighWaterMark: 4 * Math.max(blockBytes, 64),
        } as ZlibOptions),
      )
    : stream;
  return { stream, source, gzip };
}

/**
 * The lines of a plain or gzip file, streamed (bounded memory): readLineBatches one line at a time
 * (the same lines as node:readline with crlfDelay Infinity gives; read-files.test.ts compares them).
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file)) yield* batch;
}

/**
 * The same lines as readLines, in batches: one array per block of the file (about 1 MB), so the
 * per-line cost is a substring, not a stream event and a promise. Lines end at \n, \r\n or a lone
 * \r, as in readLines (node:readline); an empty last line after the final line break is not a line.
 * Memory: one block and the lines decoded from it.
 */
export async function* readLineBatches(file: string, blockBytes = 1 << 20): AsyncGenerator<string[]> {
  const { stream, source } = sourceStream(file, blockBytes);
  let carry: Buffer | null = null;
  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      // Lines are decoded up to the block's last \n (never inside a UTF-8 sequence); the bytes after
      // it wait for the next block. A \r just before a \n stays with it; one ending a block waits.
      const last = buf.lastIndexOf(10);
      if (last === -1) {
        carry = carry === null ? buf : Buffer.concat([carry, buf]);
        continue;
      }
      const out: string[] = [];
      let from = 0;
      if (carry !== null) {
        // the line begun in the previous block: only it is copied, not the whole block
        const first = buf.indexOf(10);
        splitLines(decode(Buffer.concat([carry, buf.subarray(0, first + 1)])), false, out);
        from = first + 1;
      }
      if (from <= last) splitLines(decode(buf.subarray(from, last + 1)), false, out);
      carry = last + 1 < buf.length ? buf.subarray(last + 1) : null;
      yield out;
    }
    if (carry !== null && carry.length > 0) yield splitLines(decode(carry), true, []);
  } finally {
    stream.destroy();
  }
}

/** A piece of a file's text: whole lines, and where they start. */
export interface LinePiece {
  text: string;
  /** 1-based line number of the piece's first line in the file. */
  firstLine: number;
  /** Lines in the piece (the last one may lack its line break at the end of the file). */
  lines: number;
}

/**
 * The text of a plain or gzip file handed out `n` lines at a time: `take(n)` returns the next n lines
 * as one string, exactly as in the file (line breaks kept, cut only after a \n, so never inside a
 * UTF-8 sequence), fewer only at the end of the file, and null after it. Lines are counted by \n, the
 * way the LOBSTER parser numbers them. The bytes go into one reused buffer (a plain file is read
 * straight into it) and each piece is decoded from it at once, so the parser gets a flat string.
 * `onBytes` sees every block of the (decompressed) bytes, in order (a view of the buffer, valid during
 * the call). Memory: the buffer (the piece asked for plus at most one block, ~1 MB; a plain file's
 * buffer starts at its size up to 32 MB) and the piece's text; for gzip ≤ 4 blocks of read-ahead.
 */
export class LineChunks {
  /** Bytes read and not yet handed out: buf[start, end), with `breaks` line breaks. */
  private buf = Buffer.allocUnsafe(0);
  private start = 0;
  private end = 0;
  private breaks = 0;
  private ended = false;
  private nextLine = 1;
  private fd: number | null = null;
  private pos = 0;
  private gunzipped: AsyncGenerator<Buffer> | null = null;
  /** Bytes of the file read so far (compressed, for gzip): progress against its size. */
  bytesRead = 0;

  constructor(
    readonly file: string,
    private readonly blockBytes = 1 << 20,
    private readonly onBytes?: (bytes: Buffer) => void,
  ) {}

  /** The start of the text not yet handed out (up to `chars` characters; empty at the end). */
  async peek(chars = 16): Promise<string> {
    if (this.start === this.end) await this.fill(1);
    return decode(this.buf.subarray(this.start, Math.min(this.end, this.start + 4 * chars))).slice(0, chars);
  }

  async take(n: number): Promise<LinePiece | null> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`take: ${n} lines`);
    await this.fill(n);
    if (this.start === this.end) return null;
    const b = this.buf;
    let cut: number;
    let lines: number;
    if (this.breaks >= n) {
      const held = b.subarray(this.start, this.end); // bounds the search
      let at = -1;
      for (let k = 0; k < n; k++) at = held.indexOf(10, at + 1);
      cut = this.start + at + 1;
      this.breaks -= n;
      lines = n;
    } else {
      // the end of the file: what is left (a last line may lack its line break)
      cut = this.end;
      lines = this.breaks + (b[this.end - 1] === 10 ? 0 : 1);
      this.breaks = 0;
    }
    const text = decode(b.subarray(this.start, cut));
    this.start = cut;
    const firstLine = this.nextLine;
    this.nextLine += lines;
    return { text, firstLine, lines };
  }

  /** Stop reading (closes the file); safe to call more than once. */
  async close(): Promise<void> {
    this.ended = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.gunzipped !== null) await this.gunzipped.return(undefined);
  }

  /** Read until `n` line breaks are held or the file ends. */
  private async fill(n: number): Promise<void> {
    if (this.fd === null && this.gunzipped === null && !this.ended) {
      if (isGzipFile(this.file)) this.gunzipped = this.gunzip();
      else {
        this.fd = openSync(this.file, 'r');
        // room for the whole of a small file, or for a large file's first pieces, without regrowing
        this.buf = Buffer.allocUnsafe(Math.min(fstatSync(this.fd).size, 1 << 25) + this.blockBytes);
      }
    }
    while (this.breaks < n && !this.ended) {
      if (this.fd !== null) {
        this.room(this.blockBytes);
        const got = readSync(this.fd, this.buf, this.end, this.blockBytes, this.pos);
        if (got === 0) {
          await this.close();
          break;
        }
        this.pos += got;
        this.bytesRead = this.pos;
        this.append(got);
      } else {
        const r = await this.gunzipped!.next();
        if (r.done === true) {
          this.ended = true;
          break;
        }
        this.room(r.value.length);
        r.value.copy(this.buf, this.end);
        this.append(r.value.length);
      }
    }
  }

  /** Count and pass on `got` bytes just put at buf[end]. */
  private append(got: number): void {
    const to = this.end + got;
    const block = this.buf.subarray(this.end, to);
    this.onBytes?.(block);
    for (let i = block.indexOf(10); i !== -1; i = block.indexOf(10, i + 1)) this.breaks++;
    this.end = to;
  }

  /** Make room for `bytes` more after buf[end]: move the held bytes to the front, grow if needed. */
  private room(bytes: number): void {
    if (this.end + bytes <= this.buf.length) return;
    const held = this.end - this.start;
    const target = held + bytes > this.buf.length ? Buffer.allocUnsafe(2 * (held + bytes)) : this.buf;
    this.buf.copy(target, 0, this.start, this.end);
    this.buf = target;
    this.start = 0;
    this.end = held;
  }

  private async *gunzip(): AsyncGenerator<Buffer> {
    const { stream, source } = sourceStream(this.file, this.blockBytes);
    try {
      for await (const chunk of source) {
        this.bytesRead = stream.bytesRead;
        yield chunk as Buffer;
      }
    } catch (e) {
      throw new CatalogError(`${this.file}: not a valid gzip file (${(e as Error).message})`);
    } finally {
      stream.destroy();
    }
  }
}

/**
 * The blocks of a plain file read synchronously (no thread-pool round trip per block: the importers
 * that use it work synchronously between blocks anyway); nothing for a gzip file.
 */
function* plainBlocks(file: string, blockBytes: number): Generator<Buffer> {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    if (isGzip(head.subarray(0, readSync(fd, head, 0, 2, 0)))) return;
    let pos = 0;
    for (;;) {
      const b = Buffer.allocUnsafe(blockBytes);
      const got = readSync(fd, b, 0, blockBytes, pos);
      if (got === 0) return;
      pos += got;
      yield b.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Feed the (decompressed) bytes of a plain or gzip file to `h`, streamed (one block at a time);
 * returns how many there were.
 */
export async function hashFileBytes(h: Hash, file: string, blockBytes = 1 << 20): Promise<number> {
  let n = 0;
  for (const b of plainBlocks(file, blockBytes)) {
    h.update(b);
    n += b.length;
  }
  if (n > 0 || !isGzipFile(file)) return n;
  const { stream, source, gzip } = sourceStream(file, blockBytes);
  try {
    for await (const chunk of source) {
      h.update(chunk as Buffer);
      n += (chunk as Buffer).length;
    }
  } catch (e) {
    if (gzip) throw new CatalogError(`${file}: not a valid gzip file (${(e as Error).message})`);
    throw e;
  } finally {
    stream.destroy();
  }
  return n;
}

/**
 * UTF-8 text of `b`. ASCII bytes (market data files nearly always are) are decoded as latin1: the same
 * text, about ten times faster than Node 20's UTF-8 decoder on this machine.
 */
function decode(b: Buffer): string {
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

/** Lines of `text` (which ends with \n unless `last`), split at \n, \r\n and lone \r, onto `out`. */
function splitLines(text: string, last: boolean, out: string[]): string[] {
  const n = text.length;
  let start = 0;
  let cr = text.indexOf('\r');
  if (cr === -1) cr = n;
  for (;;) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = n;
    if (cr < nl) {
      out.push(text.slice(start, cr));
      start = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      cr = text.indexOf('\r', start);
      if (cr === -1) cr = n;
      continue;
    }
    if (nl === n) {
      if (last && start < n) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, nl));
    start = nl + 1;
  }
}
