/**
 * Small dense numerics for the calibration fits: a central-difference Hessian and the inverse of a
 * symmetric positive-definite matrix by Cholesky. Matrices are row-major Float64Array d×d.
 */

/**
 * Hessian of f at x by central differences with per-coordinate steps h:
 *   H_ii = [f(x + 2h_i e_i) − 2 f(x) + f(x − 2h_i e_i)] / (4 h_i²)
 *   H_ij = [f(x + h_i e_i + h_j e_j) − f(x + h_i e_i − h_j e_j) − f(x − h_i e_i + h_j e_j)
 *          + f(x − h_i e_i − h_j e_j)] / (4 h_i h_j)
 * (both O(h²) accurate; the diagonal uses the doubled step so that every entry has the same form).
 * 2d² + 1 evaluations of f.
 */
export function centralHessian(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  h: ArrayLike<number>,
): Float64Array {
  const d = x.length;
  const H = new Float64Array(d * d);
  const y = Float64Array.from(x);
  const at = (i: number, si: number, j: number, sj: number): number => {
    y.set(x as ArrayLike<number>);
    y[i] = y[i]! + si * h[i]!;
    y[j] = y[j]! + sj * h[j]!;
    return f(y);
  };
  y.set(x as ArrayLike<number>);
  const f0 = f(y);
  for (let i = 0; i < d; i++) {
    const hi = h[i]!;
    H[i * d + i] = (at(i, 1, i, 1) - 2 * f0 + at(i, -1, i, -1)) / (4 * hi * hi);
    for (let j = i + 1; j < d; j++) {
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * hi * h[j]!);
      H[i * d + j] = v;
      H[j * d + i] = v;
    }
  }
  return H;
}

/**
 * Inverse of a symmetric positive-definite d×d matrix through its Cholesky factor, or null when the
 * matrix is not (numerically) positive definite or has a non-finite entry.
 */
export function invertSpd(A: ArrayLike<number>, d: number): Float64Array | null {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        L[i * d + i] = Math.sqrt(s);
      } else {
        L[i * d + j] = s / L[j * d + j]!;
      }
    }
  }
  // inv(A) = inv(L)ᵀ inv(L): invert the lower-triangular L column by column.
  const Li = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    Li[j * d + j] = 1 / L[j * d + j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * d + k]! * Li[k * d + j]!;
      Li[i * d + j] = s / L[i * d + i]!;
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += Li[k * d + i]! * Li[k * d + j]!;
      inv[i * d + j] = s;
      inv[j * d + i] = s;
    }
  return inv;
}
