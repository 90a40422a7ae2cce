/** The optimizer and the small numerics under the fits, on problems with known answers. */
import { describe, expect, it } from 'vitest';
import { nelderMead } from './nelder-mead';
import { centralHessian, invertSpd } from './numerics';

describe('nelderMead', () => {
  it('minimizes Rosenbrock from the classic start (−1.2, 1) to (1, 1)', () => {
    const rosen = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { step: 0.5, fTol: 1e-14, xTol: 1e-10 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0]! - 1)).toBeLessThan(1e-6);
    expect(Math.abs(r.x[1]! - 1)).toBeLessThan(1e-6);
    expect(r.restarts).toBeGreaterThan(0); // convergence is confirmed by a restart
  });

  it('minimizes an ill-conditioned 8-dimensional quadratic (adaptive coefficients)', () => {
    // f = Σ 10^(i/2)·(x_i − i)²: condition number 10^3.5, minimum at x_i = i.
    const f = (x: Float64Array): number => x.reduce((s, v, i) => s + 10 ** (i / 2) * (v - i) ** 2, 0);
    const r = nelderMead(f, new Array<number>(8).fill(0), { step: 1, fTol: 1e-16, xTol: 1e-9 });
    expect(r.converged).toBe(true);
    r.x.forEach((v, i) => expect(Math.abs(v - i), `x${i}`).toBeLessThan(1e-5));
  });

  it('treats NaN as +Infinity (an infeasible region) and reports an exhausted budget', () => {
    // Minimum of (x − 2)² on x ≥ 1, NaN below: the answer 2 is interior.
    const f = (x: Float64Array): number => (x[0]! < 1 ? NaN : (x[0]! - 2) ** 2);
    const r = nelderMead(f, [5], { step: 1 });
    expect(Math.abs(r.x[0]! - 2)).toBeLessThan(1e-5);
    const short = nelderMead(f, [50], { step: 0.001, maxEvaluations: 20 });
    expect(short.converged).toBe(false);
    expect(short.evaluations).toBeLessThanOrEqual(21);
  });
});

describe('centralHessian and invertSpd', () => {
  it('are exact on a quadratic: H of ½xᵀAx is A, and the inverse of A', () => {
    // A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]], det = 4·(6 − 1) − 1·(2 − 0) = 18.
    const A = [4, 1, 0, 1, 3, 1, 0, 1, 2];
    const f = (x: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += 0.5 * x[i]! * A[i * 3 + j]! * x[j]!;
      return s;
    };
    const H = centralHessian(f, [0.3, -0.2, 1], [1e-3, 1e-3, 1e-3]);
    H.forEach((v, i) => expect(Math.abs(v - A[i]!)).toBeLessThan(1e-6));
    // Adjugate / det: inverse = [[5, −2, 1], [−2, 8, −4], [1, −4, 11]] / 18.
    const inv = invertSpd(A, 3)!;
    [5, -2, 1, -2, 8, -4, 1, -4, 11].forEach((v, i) => expect(inv[i]).toBeCloseTo(v / 18, 14));
  });

  it('invertSpd refuses an indefinite or non-finite matrix', () => {
    expect(invertSpd([1, 2, 2, 1], 2)).toBeNull();
    expect(invertSpd([1, 0, 0, NaN], 2)).toBeNull();
  });
});
