/**
 * Nelder–Mead simplex minimization with restarts, for the calibration fits (GARCH, regime polish).
 *
 * Method: J. A. Nelder & R. Mead, "A simplex method for function minimization", The Computer Journal
 * 7(4) (1965) 308–313, with the ordering, tie-breaking and shrink rules of Lagarias, Reeds, Wright &
 * Wright, "Convergence properties of the Nelder–Mead simplex method in low dimensions", SIAM J. Optim.
 * 9(1) (1998) 112–147. Coefficients: reflection 1, expansion 2, contraction ½, shrink ½, or, with
 * `adaptive`, the dimension-dependent ones of Gao & Han, "Implementing the Nelder–Mead simplex
 * algorithm with adaptive parameters", Comput. Optim. Appl. 51 (2012) 259–277 (better above ~5
 * dimensions).
 *
 * Why written here: no maintained npm package offers it (`fmin` 0.0.4 and `optimization-js` are
 * unmaintained; `ml-levenberg-marquardt` is least squares), and the fits need only this.
 *
 * Stopping (as scipy's `fmin`): the spread of function values over the simplex ≤ fTol AND the largest
 * coordinate distance from the best vertex ≤ xTol. A collapsed simplex can stop short of a minimum, so
 * the search restarts from the best point with a fresh simplex until a restart gains less than fTol
 * (`converged`), or the evaluation budget runs out (`converged: false`).
 *
 * The objective may return NaN or ±Infinity for infeasible points: they count as +Infinity.
 */

export interface NelderMeadOptions {
  /** Initial simplex edge along each coordinate (one number for all). Default 5% of |x_i|, or 0.00025 at 0. */
  step?: number | readonly number[];
  /** Stop when max |f_i − f_best| ≤ fTol … Default 1e-10. */
  fTol?: number;
  /** … and max |x_i − x_best|_∞ ≤ xTol. Default 1e-9. */
  xTol?: number;
  /** Budget of objective evaluations over all restarts. Default 2000·dimension. */
  maxEvaluations?: number;
  /** Most restarts after the first convergence. Default 10. */
  maxRestarts?: number;
  /** Gao–Han dimension-dependent coefficients. Default: true above 4 dimensions. */
  adaptive?: boolean;
}

export interface NelderMeadResult {
  x: Float64Array;
  f: number;
  /** Simplex iterations (reflect/expand/contract/shrink steps) over all restarts. */
  iterations: number;
  evaluations: number;
  restarts: number;
  converged: boolean;
}

/** Minimize f from x0. Deterministic: no randomness. */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  opts: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  if (n < 1) throw new RangeError('nelderMead: empty starting point');
  const fTol = opts.fTol ?? 1e-10;
  const xTol = opts.xTol ?? 1e-9;
  const maxEval = opts.maxEvaluations ?? 2000 * n;
  const maxRestarts = opts.maxRestarts ?? 10;
  const adaptive = opts.adaptive ?? n > 4;
  const rho = 1;
  const chi = adaptive ? 1 + 2 / n : 2;
  const gamma = adaptive ? 0.75 - 1 / (2 * n) : 0.5;
  const sigma = adaptive ? 1 - 1 / n : 0.5;

  let evaluations = 0;
  const evalF = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };

  const stepOf = (i: number, x: number): number => {
    const s = opts.step;
    if (typeof s === 'number') return s;
    if (s !== undefined) return s[i] ?? 0.1;
    return x !== 0 ? 0.05 * Math.abs(x) : 0.00025;
  };

  // Simplex: n + 1 vertices, row-major; fv their values, kept sorted ascending by an index array.
  const sx = new Float64Array((n + 1) * n);
  const fv = new Float64Array(n + 1);
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  const best = Float64Array.from(x0);
  let fBest = evalF(best);
  let iterations = 0;
  let restarts = 0;
  let converged = false;

  const vertex = (i: number): Float64Array => sx.subarray(i * n, (i + 1) * n);

  for (;;) {
    // (Re)build the simplex around the best point.
    vertex(0).set(best);
    fv[0] = fBest;
    for (let i = 1; i <= n; i++) {
      const v = vertex(i);
      v.set(best);
      v[i - 1] = best[i - 1]! + stepOf(i - 1, best[i - 1]!);
      fv[i] = evalF(v);
    }
    const fStart = fBest;
    let done = false;
    while (evaluations < maxEval) {
      order.sort((a, b) => fv[a]! - fv[b]! || a - b);
      const b = order[0]!;
      const w = order[n]!;
      const sw = order[n - 1]!;
      // Convergence test.
      let fSpread = 0;
      let xSpread = 0;
      const vb = vertex(b);
      for (let i = 0; i <= n; i++) {
        if (i === b) continue;
        fSpread = Math.max(fSpread, Math.abs(fv[i]! - fv[b]!));
        const v = vertex(i);
        for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(v[j]! - vb[j]!));
      }
      if (fSpread <= fTol && xSpread <= xTol) {
        done = true;
        break;
      }
      iterations++;
      centroid.fill(0);
      for (let i = 0; i <= n; i++) {
        if (i === w) continue;
        const v = vertex(i);
        for (let j = 0; j < n; j++) centroid[j] = centroid[j]! + v[j]! / n;
      }
      const vw = vertex(w);
      for (let j = 0; j < n; j++) xr[j] = centroid[j]! + rho * (centroid[j]! - vw[j]!);
      const fr = evalF(xr);
      if (fr < fv[b]!) {
        for (let j = 0; j < n; j++) xe[j] = centroid[j]! + chi * (xr[j]! - centroid[j]!);
        const fe = evalF(xe);
        if (fe < fr) {
          vw.set(xe);
          fv[w] = fe;
        } else {
          vw.set(xr);
          fv[w] = fr;
        }
        continue;
      }
      if (fr < fv[sw]!) {
        vw.set(xr);
        fv[w] = fr;
        continue;
      }
      // Contraction: outside if the reflected point beats the worst, else inside.
      const outside = fr < fv[w]!;
      if (outside) for (let j = 0; j < n; j++) xc[j] = centroid[j]! + gamma * (xr[j]! - centroid[j]!);
      else for (let j = 0; j < n; j++) xc[j] = centroid[j]! + gamma * (vw[j]! - centroid[j]!);
      const fc = evalF(xc);
      if (outside ? fc <= fr : fc < fv[w]!) {
        vw.set(xc);
        fv[w] = fc;
        continue;
      }
      // Shrink towards the best vertex.
      for (let i = 0; i <= n; i++) {
        if (i === b) continue;
        const v = vertex(i);
        for (let j = 0; j < n; j++) v[j] = vb[j]! + sigma * (v[j]! - vb[j]!);
        fv[i] = evalF(v);
      }
    }
    // Best vertex of this round.
    let ib = 0;
    for (let i = 1; i <= n; i++) if (fv[i]! < fv[ib]!) ib = i;
    if (fv[ib]! < fBest) {
      fBest = fv[ib]!;
      best.set(vertex(ib));
    }
    if (!done) break; // budget exhausted
    if (fStart - fBest <= fTol && restarts > 0) {
      converged = true;
      break;
    }
    if (restarts >= maxRestarts) {
      converged = fStart - fBest <= fTol;
      break;
    }
    restarts++;
  }
  return { x: best, f: fBest, iterations, evaluations, restarts, converged };
}
