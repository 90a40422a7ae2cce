/**
 * Typed-array columns ↔ SQLite BLOBs. A column is stored as its raw bytes in little-endian order
 * (Float64: 8 bytes a value, NaN and −0 preserved bit for bit; Uint8: 1 byte a value), so a path's
 * series is one compact row rather than thousands. Decoding copies into a fresh, aligned array and
 * checks the length, so a damaged row fails loudly instead of returning shifted numbers.
 */
import os from 'node:os';

if (os.endianness() !== 'LE') {
  // Every platform Quotebench ships on is little-endian; a big-endian build would need byte swaps here.
  throw new Error('core/store: the column encoding assumes a little-endian platform');
}

/** The first `n` values of a Float64Array as a Buffer (shares memory; SQLite copies on bind). */
export function f64Blob(a: Float64Array, n: number, what: string): Buffer {
  if (n > a.length) throw new Error(`${what}: needs ${n} values, has ${a.length}`);
  return Buffer.from(a.buffer, a.byteOffset, n * 8);
}

export function u8Blob(a: Uint8Array, n: number, what: string): Buffer {
  if (n > a.length) throw new Error(`${what}: needs ${n} values, has ${a.length}`);
  return Buffer.from(a.buffer, a.byteOffset, n);
}

export function blobF64(b: Uint8Array, n: number, what: string): Float64Array {
  if (b.byteLength !== n * 8) throw new Error(`${what}: stored ${b.byteLength} bytes, expected ${n * 8}`);
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function blobU8(b: Uint8Array, n: number, what: string): Uint8Array {
  if (b.byteLength !== n) throw new Error(`${what}: stored ${b.byteLength} bytes, expected ${n}`);
  return Uint8Array.from(b);
}
