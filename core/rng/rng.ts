/**
 * Seeded pseudo-random numbers for everything that simulates.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018): 128 bits of state, period 2^128 − 1, 32-bit outputs, only 32-bit integer arithmetic, so it
 * is fast in JavaScript and bit-for-bit identical on every platform. Seeds are expanded with
 * SplitMix32 so that nearby seeds (1, 2, 3 …) give unrelated streams.
 *
 * Invariants: the same seed gives the same sequence forever (golden tests pin it); `Math.random` is
 * banned in this repository by lint. Independent streams (per path, per strategy, per component) are
 * made with `deriveSeed(seed, ...keys)` rather than by sharing one generator, so adding a consumer
 * never shifts the numbers another consumer sees.
 */

const TWO_POW_32_INV = 1 / 4294967296;

/** SplitMix32-style finalizer: a bijective 32-bit hash with good avalanche. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combine a base seed with any number of integer keys into a new 32-bit seed. */
export function deriveSeed(seed: number, ...keys: number[]): number {
  let h = mix32(seed >>> 0);
  for (const k of keys) h = mix32((h ^ mix32(k >>> 0)) >>> 0);
  return h;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Restart the stream from a seed (no allocation: usable on hot paths between episodes). */
  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    let x = seed >>> 0;
    x = mix32(x);
    this.s0 = x;
    x = mix32(x);
    this.s1 = x;
    x = mix32(x);
    this.s2 = x;
    x = mix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpare = false;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return r;
  }

  /** Uniform on the open interval (0, 1) with 32-bit resolution; never returns 0 or 1. */
  next(): number {
    return (this.nextU32() + 0.5) * TWO_POW_32_INV;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (multiply-shift; bias < n / 2^32). */
  int(n: number): number {
    return Math.floor(this.nextU32() * TWO_POW_32_INV * n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential variate with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(this.next()) / rate;
  }

  /** Standard normal variate (Marsaglia polar method; the second value is cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /** Log-normal variate exp(mu + sigma·Z). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Geometric variate on {1, 2, …} with success probability p (mean 1/p). */
  geometric(p: number): number {
    if (p >= 1) return 1;
    return 1 + Math.floor(Math.log(this.next()) / Math.log(1 - p));
  }

  /** Poisson variate (Knuth's product method for small means, normal approximation above 64). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 64) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
