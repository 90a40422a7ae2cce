import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricTridiagonalEigen, tridiagonalEigenvector, twistedEigenvector } from './tridiagonal';

/** ‖T·V − V·Λ‖_max for T = tridiag(off, diag, off). */
function residual(diag: number[], off: number[], values: Float64Array, V: Float64Array): number {
  const n = diag.length;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let tv = diag[i]! * V[i * n + j]!;
      if (i > 0) tv += off[i - 1]! * V[(i - 1) * n + j]!;
      if (i < n - 1) tv += off[i]! * V[(i + 1) * n + j]!;
      worst = Math.max(worst, Math.abs(tv - values[j]! * V[i * n + j]!));
    }
  }
  return worst;
}

function orthogonalityError(n: number, V: Float64Array): number {
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += V[i * n + a]! * V[i * n + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe('symmetricTridiagonalEigen (implicit QL)', () => {
  it('solves [[2,1],[1,2]] by hand: λ = 1, 3 with vectors (1,−1)/√2, (1,1)/√2', () => {
    // det([[2−λ, 1],[1, 2−λ]]) = (2−λ)² − 1 = 0 ⇒ λ = 1 or 3.
    const { values, vectors } = symmetricTridiagonalEigen([2, 2], [1]);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    const r = Math.SQRT1_2;
    // Column 0 ∝ (1, −1), column 1 ∝ (1, 1), up to sign.
    expect(Math.abs(vectors[0]!)).toBeCloseTo(r, 14);
    expect(vectors[0]! * vectors[2]!).toBeCloseTo(-0.5, 14);
    expect(vectors[1]! * vectors[3]!).toBeCloseTo(0.5, 14);
  });

  it('reproduces the discrete Laplacian spectrum 2 − 2cos(jπ/(n+1))', () => {
    const n = 12;
    const diag = Array.from({ length: n }, () => 2);
    const off = Array.from({ length: n - 1 }, () => -1);
    const { values, vectors } = symmetricTridiagonalEigen(diag, off);
    for (let j = 1; j <= n; j++)
      expect(values[j - 1]).toBeCloseTo(2 - 2 * Math.cos((j * Math.PI) / (n + 1)), 13);
    expect(residual(diag, off, values, vectors)).toBeLessThan(1e-13);
    expect(orthogonalityError(n, vectors)).toBeLessThan(1e-13);
  });

  it('handles n = 0, n = 1 and rejects a wrong off-diagonal length', () => {
    expect(symmetricTridiagonalEigen([], []).values.length).toBe(0);
    const one = symmetricTridiagonalEigen([3.5], []);
    expect(Array.from(one.values)).toEqual([3.5]);
    expect(Array.from(one.vectors)).toEqual([1]);
    expect(() => symmetricTridiagonalEigen([1, 2], [])).toThrow(/off-diagonal length/);
    expect(() => symmetricTridiagonalEigen([1, Number.NaN], [1])).toThrow(/not finite/);
  });

  it('gives the same eigenvalues without accumulating vectors', () => {
    const diag = [1, -3, 4, 0.5, 2];
    const off = [0.7, -1.2, 0.01, 3];
    const a = symmetricTridiagonalEigen(diag, off);
    const b = symmetricTridiagonalEigen(diag, off, { vectors: false });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(b.vectors.length).toBe(0);
  });

  it('property: T·V = V·Λ, VᵀV = I, λ ascending, trace preserved (random matrices)', () => {
    const entry = fc.double({ min: -10, max: 10, noNaN: true });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 25 })
          .chain((n) =>
            fc.tuple(
              fc.array(entry, { minLength: n, maxLength: n }),
              fc.array(entry, { minLength: n - 1, maxLength: n - 1 }),
            ),
          ),
        ([diag, off]) => {
          const n = diag.length;
          const { values, vectors } = symmetricTridiagonalEigen(diag, off);
          const scale = 1 + Math.max(...diag.map(Math.abs), ...off.map(Math.abs));
          expect(residual(diag, off, values, vectors)).toBeLessThan(1e-12 * scale * n);
          expect(orthogonalityError(n, vectors)).toBeLessThan(1e-12 * n);
          for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
          const trace = diag.reduce((a, b) => a + b, 0);
          expect(Array.from(values).reduce((a, b) => a + b, 0)).toBeCloseTo(trace, 9);
        },
      ),
      { numRuns: 200, seed: 20240601 },
    );
  });
});

describe('twistedEigenvector', () => {
  it('matches the QL eigenvectors up to sign on a well-separated spectrum', () => {
    const diag = [4, 1, -2, 3, 0, 6];
    const off = [1, -0.5, 2, 0.3, -1.5];
    const { n, values, vectors } = symmetricTridiagonalEigen(diag, off);
    for (let j = 0; j < n; j++) {
      const x = tridiagonalEigenvector(diag, off, values[j]!);
      let dot = 0;
      for (let i = 0; i < n; i++) dot += x[i]! * vectors[i * n + j]!;
      expect(Math.abs(dot)).toBeCloseTo(1, 12);
    }
  });

  it('keeps relative accuracy in tails far below the floating-point range of the QL vectors', () => {
    // The GLFT-like matrix diag α·j², off −η (j = 0..200): its ground state decays like a Gaussian
    // to e^−300-ish at the edge. Check every row's eigen-equation *relative to that row's own
    // component*: (a_j − λ) + b_{j−1}·x_{j−1}/x_j + b_j·x_{j+1}/x_j = 0.
    const n = 201;
    const alpha = 0.05;
    const eta = 0.3;
    const diag = Array.from({ length: n }, (_, j) => alpha * j * j);
    const off = Array.from({ length: n - 1 }, () => -eta);
    const { values } = symmetricTridiagonalEigen(diag, off, { vectors: false });
    const { logAbs, sign } = twistedEigenvector(diag, off, values[0]!);
    expect(logAbs[n - 1]!).toBeLessThan(-300); // far below what 1e−16 absolute accuracy can resolve
    for (let j = 0; j < n; j++) expect(sign[j]).toBe(1); // ground state is positive (Perron–Frobenius)
    for (let j = 0; j < n; j++) {
      const a = diag[j]! - values[0]!;
      let r = a;
      let mag = Math.abs(a);
      if (j > 0) {
        const t = off[j - 1]! * Math.exp(logAbs[j - 1]! - logAbs[j]!);
        r += t;
        mag = Math.max(mag, Math.abs(t));
      }
      if (j < n - 1) {
        const t = off[j]! * Math.exp(logAbs[j + 1]! - logAbs[j]!);
        r += t;
        mag = Math.max(mag, Math.abs(t));
      }
      expect(Math.abs(r) / mag).toBeLessThan(1e-9);
    }
    // Normalized: Σ x² = 1.
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(2 * logAbs[j]!);
    expect(s).toBeCloseTo(1, 13);
  });
});
