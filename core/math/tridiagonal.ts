/**
 * Eigen-decomposition of real symmetric tridiagonal matrices.
 *
 * Used by the GLFT quoter (core/strategy/glft.ts) to evaluate exp(−Mτ)·𝟙 for its tridiagonal M in
 * O(n) per entry and per τ after an O(n²)–O(n³) set-up.
 *
 * Two routines:
 *
 * 1. `symmetricTridiagonalEigen` — the implicit QL algorithm with Wilkinson-type shifts
 *    (Bowdler, Martin, Reinsch & Wilkinson, "The QR and QL algorithms for symmetric matrices",
 *    Numer. Math. 11 (1968) 293–306; the EISPACK routine tql2). Input T = tridiag(off, diag, off);
 *    output T = V·diag(λ)·Vᵀ with λ ascending and V orthogonal. Eigenvalues are accurate to about
 *    ε·‖T‖ in absolute terms; eigenvectors to about ε·‖T‖/gap in norm, which says nothing about
 *    the relative accuracy of tiny components.
 *
 * 2. `tridiagonalEigenvector` — for one (accurately known) eigenvalue λ, the eigenvector from the
 *    two-sided ("twisted") three-term recurrence: ratios x_j/x_{j+1} are propagated downward from
 *    the first row and x_j/x_{j−1} upward from the last, the two meet at the row r where the
 *    twisted pivot |γ_r| is smallest, x_r = 1, and the rest follows by products of ratios
 *    (Parlett & Dhillon, "Fernando's solution to Wilkinson's problem", Linear Algebra Appl. 267
 *    (1997) 247–279; Dhillon's MRRR building block). Each ratio is computed in the stable
 *    direction of the recurrence, so the components keep their *relative* accuracy even where
 *    they are 1e-100 of the largest one — exactly what GLFT needs, since its quotes are logarithms
 *    of ratios of neighbouring components.
 *
 * Assumptions: the off-diagonal entries are non-zero (the matrix is unreduced); for a reducible
 * matrix (2) may return a vector supported on one block. Eigenvalues of an unreduced symmetric
 * tridiagonal matrix are simple. Vectors from (2) are mutually orthogonal to O(ε‖T‖/gap).
 *
 * Storage: matrices are row-major Float64Array n×n; column j of V (entries V[i·n + j]) is the j-th
 * eigenvector.
 */

export interface SymmetricEigen {
  n: number;
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Row-major n×n; column j is the unit eigenvector for values[j] (length 0 if not requested). */
  vectors: Float64Array;
}

const EPS = 2 ** -52;
/** Smallest normal double: off-diagonals below it (denormals) are treated as zero. */
const SAFMIN = 2 ** -1022;
const MAX_ITER_PER_EIGENVALUE = 60;

/**
 * Implicit QL with shifts on T = tridiag(off, diag, off). `diag` has length n, `off` length n − 1
 * (off[i] = T[i][i+1] = T[i+1][i]). Inputs are not modified.
 */
export function symmetricTridiagonalEigen(
  diag: ArrayLike<number>,
  off: ArrayLike<number>,
  opts: { vectors?: boolean } = {},
): SymmetricEigen {
  const wantVectors = opts.vectors ?? true;
  const n = diag.length;
  if (n === 0) return { n, values: new Float64Array(0), vectors: new Float64Array(0) };
  if (off.length !== n - 1) {
    throw new Error(`symmetricTridiagonalEigen: off-diagonal length ${off.length}, expected ${n - 1}`);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const di = diag[i] as number;
    if (!Number.isFinite(di)) throw new Error(`symmetricTridiagonalEigen: diag[${i}] is not finite`);
    d[i] = di;
  }
  for (let i = 0; i < n - 1; i++) {
    const ei = off[i] as number;
    if (!Number.isFinite(ei)) throw new Error(`symmetricTridiagonalEigen: off[${i}] is not finite`);
    e[i] = ei;
  }
  // e[i] couples rows i and i+1; e[n−1] = 0.
  const V = new Float64Array(wantVectors ? n * n : 0);
  if (wantVectors) for (let i = 0; i < n; i++) V[i * n + i] = 1;

  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1 + SAFMIN) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_ITER_PER_EIGENVALUE) {
          throw new Error('symmetricTridiagonalEigen: QL iteration did not converge');
        }
        // Shift from the leading 2×2 block.
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        // Implicit QL sweep from m − 1 up to l.
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (wantVectors)
            for (let k = 0; k < n; k++) {
              const row = k * n;
              h = V[row + i + 1]!;
              V[row + i + 1] = s * V[row + i]! + c * h;
              V[row + i] = c * V[row + i]! - s * h;
            }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1 + SAFMIN);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }

  // Sort ascending (selection sort on columns: n is small, O(n²) swaps of O(n) each is fine).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      if (wantVectors)
        for (let row = 0; row < n; row++) {
          const a = V[row * n + i]!;
          V[row * n + i] = V[row * n + k]!;
          V[row * n + k] = a;
        }
    }
  }
  return { n, values: d, vectors: V };
}

/** An eigenvector in log-magnitude form: x_j = sign[j]·exp(logAbs[j]), Σ x_j² = 1. */
export interface LogEigenvector {
  logAbs: Float64Array;
  sign: Int8Array;
}

/**
 * The unit eigenvector of T = tridiag(off, diag, off) for the eigenvalue `lambda`, by the twisted
 * two-sided recurrence (see the module header), in log-magnitude form so that components far below
 * the floating-point range (e^−1000 of the largest) are still represented. Sign convention: the
 * component of largest magnitude is positive. Components that are exactly zero have logAbs −∞.
 */
export function twistedEigenvector(
  diag: ArrayLike<number>,
  off: ArrayLike<number>,
  lambda: number,
): LogEigenvector {
  const n = diag.length;
  if (off.length !== Math.max(0, n - 1)) {
    throw new Error(`twistedEigenvector: off-diagonal length ${off.length}, expected ${n - 1}`);
  }
  const logAbs = new Float64Array(n);
  const sign = new Int8Array(n);
  if (n === 0) return { logAbs, sign };
  if (n === 1) {
    sign[0] = 1;
    return { logAbs, sign };
  }
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i] as number));
  for (let i = 0; i < n - 1; i++) norm = Math.max(norm, 2 * Math.abs(off[i] as number));
  // A pivot that vanishes exactly is replaced by a perturbation of the size of the rounding error,
  // the classical device of inverse iteration.
  const tiny = EPS * Math.max(norm, Number.MIN_VALUE);
  const guard = (x: number): number => (x === 0 ? tiny : x);

  // Row j: off[j−1]·x_{j−1} + (diag[j] − λ)·x_j + off[j]·x_{j+1} = 0.
  // Downward: down[j] = x_j / x_{j+1} from rows 0..j (j = 0..n−2), pivot dPlus[j].
  // Upward:   up[j]   = x_j / x_{j−1} from rows j..n−1 (j = 1..n−1), pivot dMinus[j].
  // Twisted pivot at r: γ_r = dPlus[r] + dMinus[r] − (diag[r] − λ); the eigenvector is the one
  // with x_r = 1 where |γ_r| is smallest (γ_r is the residual of row r for that vector).
  const down = new Float64Array(n);
  const up = new Float64Array(n);
  const dPlus = new Float64Array(n);
  const dMinus = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = (diag[j] as number) - lambda;
    dPlus[j] = guard(j === 0 ? a : a + (off[j - 1] as number) * down[j - 1]!);
    if (j < n - 1) down[j] = -(off[j] as number) / dPlus[j]!;
  }
  for (let j = n - 1; j >= 0; j--) {
    const a = (diag[j] as number) - lambda;
    dMinus[j] = guard(j === n - 1 ? a : a + (off[j] as number) * up[j + 1]!);
    if (j > 0) up[j] = -(off[j - 1] as number) / dMinus[j]!;
  }
  let r = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const g = Math.abs(dPlus[j]! + dMinus[j]! - ((diag[j] as number) - lambda));
    if (g < best) {
      best = g;
      r = j;
    }
  }
  logAbs[r] = 0;
  sign[r] = 1;
  for (let j = r - 1; j >= 0; j--) {
    const f = down[j]!;
    logAbs[j] = logAbs[j + 1]! + Math.log(Math.abs(f));
    sign[j] = (f < 0 ? -sign[j + 1]! : f > 0 ? sign[j + 1]! : 0) as number;
  }
  for (let j = r + 1; j < n; j++) {
    const f = up[j]!;
    logAbs[j] = logAbs[j - 1]! + Math.log(Math.abs(f));
    sign[j] = (f < 0 ? -sign[j - 1]! : f > 0 ? sign[j - 1]! : 0) as number;
  }
  // Normalize: log‖x‖ = ½·log Σ exp(2·logAbs) (log-sum-exp), and make the largest entry positive.
  let big = r;
  for (let j = 0; j < n; j++) if (logAbs[j]! > logAbs[big]!) big = j;
  const top = logAbs[big]!;
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(2 * (logAbs[j]! - top));
  const logNorm = top + 0.5 * Math.log(s);
  const flip = sign[big]! < 0 ? -1 : 1;
  for (let j = 0; j < n; j++) {
    logAbs[j] = logAbs[j]! - logNorm;
    sign[j] = sign[j]! * flip;
  }
  return { logAbs, sign };
}

/** `twistedEigenvector` exponentiated into a plain unit vector (components below ~1e−308 become 0). */
export function tridiagonalEigenvector(
  diag: ArrayLike<number>,
  off: ArrayLike<number>,
  lambda: number,
): Float64Array {
  const { logAbs, sign } = twistedEigenvector(diag, off, lambda);
  const x = new Float64Array(logAbs.length);
  for (let j = 0; j < x.length; j++) x[j] = sign[j]! * Math.exp(logAbs[j]!);
  return x;
}
