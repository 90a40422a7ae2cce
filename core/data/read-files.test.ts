import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { LineChunks, hashFileBytes, readLineBatches, readLines } from './read-files';

const dir = mkdtempSync(join(tmpdir(), 'qb-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The reference: node:readline over the decompressed bytes, as readLines was first written. */
async function viaReadline(file: string): Promise<string[]> {
  const raw = readFileSync(file);
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  const rl = createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity });
  const out: string[] = [];
  for await (const l of rl) out.push(l);
  return out;
}

async function viaReadLines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines(file)) out.push(l);
  return out;
}

async function viaBatches(file: string, block: number): Promise<string[]> {
  const out: string[] = [];
  for await (const b of readLineBatches(file, block)) out.push(...b);
  return out;
}

/** Seeded text of short lines with \n, \r\n and lone \r endings, empty lines and multi-byte characters. */
function text(seed: number, lines: number): string {
  let x = seed;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const len = Math.floor(rnd() * 12);
    let s = '';
    for (let j = 0; j < len; j++)
      s += rnd() < 0.1 ? 'é€😀'[Math.floor(rnd() * 3)] : String.fromCharCode(97 + Math.floor(rnd() * 26));
    const e = rnd();
    parts.push(s + (e < 0.6 ? '\n' : e < 0.8 ? '\r\n' : e < 0.9 ? '\r' : '\n\n'));
  }
  return parts.join('');
}

describe('readLineBatches', () => {
  it('yields the same lines as node:readline for plain and gzip files, whatever the block size', async () => {
    const cases = [
      text(1, 500),
      text(2, 300).trimEnd() + 'no final newline',
      text(3, 200) + 'ends with a carriage return\r',
      '',
      '\n',
      'one',
      '\r\n\r\n',
    ];
    let k = 0;
    for (const t of cases) {
      for (const gz of [false, true]) {
        const f = join(dir, `c${k++}${gz ? '.gz' : ''}`);
        writeFileSync(f, gz ? gzipSync(Buffer.from(t, 'utf8')) : Buffer.from(t, 'utf8'));
        const want = await viaReadline(f);
        for (const block of [1, 7, 64, 1 << 20]) expect(await viaBatches(f, block)).toEqual(want);
        expect(await viaReadLines(f)).toEqual(want);
      }
    }
  });
});

describe('LineChunks and hashFileBytes', () => {
  it('hand out the file text exactly, n lines at a time, numbered from line 1; the hash sees every byte', async () => {
    const cases = [text(4, 400), text(5, 100).trimEnd() + 'no final newline', '', '\n', 'one', 'a\r\nb\r\n'];
    let k = 0;
    for (const raw of cases) {
      const bytes = Buffer.from(raw, 'utf8');
      const t = bytes.toString('utf8'); // the generator's lone surrogates become U+FFFD
      for (const gz of [false, true]) {
        const f = join(dir, `lc${k++}${gz ? '.gz' : ''}`);
        writeFileSync(f, gz ? gzipSync(bytes) : bytes);
        const breaks = t.split('\n').length - 1;
        const lines = breaks + (t === '' || t.endsWith('\n') ? 0 : 1);
        for (const block of [1, 5, 1 << 20]) {
          for (const n of [1, 3, 1000]) {
            const seen: Buffer[] = [];
            const c = new LineChunks(f, block, (b) => seen.push(Buffer.from(b)));
            let got = '';
            let next = 1;
            for (let p; (p = await c.take(n)) !== null;) {
              expect(p.firstLine).toBe(next);
              expect(p.lines).toBeLessThanOrEqual(n);
              next += p.lines;
              got += p.text;
            }
            await c.close();
            expect(got).toBe(t);
            expect(next - 1).toBe(lines);
            expect(Buffer.concat(seen).equals(bytes)).toBe(true);
          }
        }
        const h = createHash('sha256');
        expect(await hashFileBytes(h, f, 7)).toBe(bytes.length);
        expect(h.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
    }
  });
});
