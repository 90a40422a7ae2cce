/**
 * GARCH(1,1) with a constant mean, fitted by Gaussian maximum likelihood.
 *
 * Model: T. Bollerslev, "Generalized autoregressive conditional heteroskedasticity", Journal of
 * Econometrics 31(3) (1986) 307–327, with p = q = 1 and a constant mean:
 *   r_t = μ + ε_t,   ε_t = σ_t z_t,   z_t ~ N(0, 1) i.i.d.,
 *   σ²_t = ω + α ε²_{t−1} + β σ²_{t−1}   (t = 2..n),
 *   σ²_1 = the sample variance of r (divisor n)  — the conditioning convention, stated: the first
 *          variance is not a parameter, and no ε_0 enters;
 *   log L = −½ Σ_{t=1..n} [ln 2π + ln σ²_t + ε²_t / σ²_t].
 * Constraints: ω > 0, α ≥ 0, β ≥ 0, α + β < 1 (covariance stationarity; the unconditional variance
 * is ω / (1 − α − β)). Parameters are in the units of the returns (μ: return, ω: return²).
 *
 * Estimation (our own numerics; no maintained npm package fits GARCH):
 * - Scale: the fit runs on x = r / s, s = the sample standard deviation (divisor n), so returns of
 *   order 1e-5 and of order 1 are the same problem; the estimates map back exactly as μ = μ_x·s,
 *   ω = ω_x·s², α and β unchanged, log L = log L_x − n ln s.
 * - Constraints by reparametrization: ω_x = e^w, persistence p = α + β = logistic(u) ∈ (0, 1), the
 *   share of α in it a = logistic(v), α = a·p, β = (1 − a)·p, so every point the optimizer visits is
 *   admissible (the boundary α = 0 or β = 0 is approached, never reached).
 * - Global search: a coarse Nelder–Mead (nelder-mead.ts) from each of a grid of 5 persistences ×
 *   3 α-shares, ω_x started at 1 − p (the unconditional variance of x equals its sample variance, 1),
 *   μ_x at the sample mean; the best coarse optimum is then polished to tight tolerances (with
 *   restarts). `startsAgreeing` counts the starts whose coarse optimum (tolerance 1e-3) is within 0.01
 *   of the best in log L: a diagnostic of a single global optimum.
 * - Standard errors: √diag of (−H)⁻¹, H the Hessian of log L in the ORIGINAL units (μ, ω, α, β) at
 *   the optimum, by central differences with steps 1e-4 × max(|θ_i|, scale_i) (scale: s for μ,
 *   0.01 for α and β; ω > 0 is its own scale). When −H is not positive definite the standard errors
 *   are NaN and a warning says so; an α or β below 1e-8 (an optimum on the boundary) is a warning
 *   too, since the usual asymptotics do not hold there.
 * - AIC = 2k − 2 log L, BIC = k ln n − 2 log L, k = 4.
 */
import { CalibrationInputError, checkReturns, meanVariance } from './input';
import { nelderMead } from './nelder-mead';
import { centralHessian, invertSpd } from './numerics';

export const GARCH_MIN_RETURNS = 10;
/** Number of estimated parameters (μ, ω, α, β). */
export const GARCH_PARAMETERS = 4;

const LN_2PI = Math.log(2 * Math.PI);
const PERSISTENCE_GRID = [0.3, 0.7, 0.9, 0.97, 0.995];
const ALPHA_SHARE_GRID = [0.05, 0.15, 0.35];

export interface GarchParams {
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
}

export interface GarchFit extends GarchParams {
  n: number;
  logLikelihood: number;
  /** Asymptotic standard errors in the units of the parameters; NaN when −H is not positive definite. */
  stdErrors: GarchParams;
  aic: number;
  bic: number;
  /** α + β. */
  persistence: number;
  /** ω / (1 − α − β). */
  unconditionalVariance: number;
  /** The final (polishing) Nelder–Mead converged: restarts stopped improving within its budget. */
  converged: boolean;
  /** Nelder–Mead iterations of the final polish. */
  iterations: number;
  /** Log-likelihood evaluations over all starts and the polish. */
  evaluations: number;
  starts: number;
  /** Starts whose coarse optimum is within 0.01 of the best one in log L. */
  startsAgreeing: number;
  warnings: string[];
}

/** Sample variance with divisor n: σ²_1 of the convention. */
export function garchInitialVariance(returns: ArrayLike<number>): number {
  return meanVariance(returns).variance;
}

/**
 * log L of the convention above at the given parameters (no constraint checks: any parameters for
 * which every σ²_t stays positive and finite give a number, others −Infinity).
 */
export function garchLogLikelihood(
  returns: ArrayLike<number>,
  p: GarchParams,
  initialVariance: number = garchInitialVariance(returns),
): number {
  const n = returns.length;
  const { mu, omega, alpha, beta } = p;
  let v = initialVariance;
  let sum = 0;
  for (let t = 0; t < n; t++) {
    if (!(v > 0 && v < Infinity)) return -Infinity;
    const e = returns[t]! - mu;
    const e2 = e * e;
    sum += Math.log(v) + e2 / v;
    v = omega + alpha * e2 + beta * v;
  }
  const ll = -0.5 * (n * LN_2PI + sum);
  return Number.isNaN(ll) ? -Infinity : ll;
}

/** σ²_t for t = 1..n (index t − 1) under the convention above. */
export function garchConditionalVariances(returns: ArrayLike<number>, p: GarchParams): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  let v = garchInitialVariance(returns);
  for (let t = 0; t < n; t++) {
    out[t] = v;
    const e = returns[t]! - p.mu;
    v = p.omega + p.alpha * e * e + p.beta * v;
  }
  return out;
}

const logistic = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (p: number): number => Math.log(p / (1 - p));

/** θ = (μ_x, w, v, u) → parameters of the standardized series. */
function fromTheta(theta: ArrayLike<number>): GarchParams {
  const p = logistic(theta[3]!);
  const a = logistic(theta[2]!);
  return { mu: theta[0]!, omega: Math.exp(theta[1]!), alpha: a * p, beta: (1 - a) * p };
}

/**
 * Fit GARCH(1,1) by maximum likelihood. Throws CalibrationInputError for fewer than 10 returns, a
 * non-finite value (naming its row) or a constant series.
 */
export function fitGarch(returns: ArrayLike<number>): GarchFit {
  checkReturns(returns, GARCH_MIN_RETURNS, 'GARCH(1,1)');
  const n = returns.length;
  const { mean, variance } = meanVariance(returns);
  const s = Math.sqrt(variance);
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = returns[t]! / s;
  const v1x = garchInitialVariance(x);
  const objective = (theta: Float64Array): number => -garchLogLikelihood(x, fromTheta(theta), v1x);

  // Coarse search from every start, then a tight polish of the best coarse optimum.
  let coarse: { f: number; theta: Float64Array } | null = null;
  const values: number[] = [];
  let evaluations = 0;
  for (const p0 of PERSISTENCE_GRID) {
    for (const a0 of ALPHA_SHARE_GRID) {
      const start = [mean / s, Math.log(1 - p0), logit(a0), logit(p0)];
      const r = nelderMead(objective, start, {
        step: [0.1, 0.5, 0.5, 0.5],
        fTol: 1e-3,
        xTol: 1e-3,
        maxEvaluations: 1000,
        maxRestarts: 0,
      });
      evaluations += r.evaluations;
      values.push(r.f);
      if (coarse === null || r.f < coarse.f) coarse = { f: r.f, theta: r.x };
    }
  }
  if (coarse === null || !Number.isFinite(coarse.f))
    throw new CalibrationInputError('GARCH(1,1): no admissible parameters give a finite likelihood');
  const best = nelderMead(objective, coarse.theta, {
    step: [0.01, 0.05, 0.05, 0.05],
    fTol: 1e-11,
    xTol: 1e-9,
    maxEvaluations: 6000,
  });
  evaluations += best.evaluations;
  const bx = fromTheta(best.x);
  const params: GarchParams = { mu: bx.mu * s, omega: bx.omega * s * s, alpha: bx.alpha, beta: bx.beta };
  const logLikelihood = garchLogLikelihood(returns, params);
  const warnings: string[] = [];

  // Standard errors from the numerical Hessian in the original units.
  const theta0 = [params.mu, params.omega, params.alpha, params.beta];
  const scale = [s, params.omega, 0.01, 0.01];
  const h = theta0.map((v, i) => 1e-4 * Math.max(Math.abs(v), scale[i]!));
  const v1 = garchInitialVariance(returns);
  const H = centralHessian(
    (th) => garchLogLikelihood(returns, { mu: th[0]!, omega: th[1]!, alpha: th[2]!, beta: th[3]! }, v1),
    theta0,
    h,
  );
  const negH = H.map((v) => -v);
  const cov = invertSpd(negH, GARCH_PARAMETERS);
  const se = (i: number): number => (cov === null ? NaN : Math.sqrt(cov[i * GARCH_PARAMETERS + i]!));
  if (cov === null)
    warnings.push(
      'the Hessian of the log-likelihood is not negative definite at the optimum (a boundary solution?): no standard errors',
    );
  if (!best.converged) warnings.push('the optimizer stopped on its evaluation budget before converging');
  for (const k of ['alpha', 'beta'] as const)
    if (params[k] < 1e-8)
      warnings.push(
        `${k} = ${params[k]} is on the boundary 0: the standard errors assume an interior optimum and do not apply`,
      );
  const persistence = params.alpha + params.beta;
  if (persistence > 0.999)
    warnings.push(`persistence α + β = ${persistence} is at the stationarity boundary`);
  const coarseBest = coarse.f;
  const startsAgreeing = values.filter((f) => f - coarseBest <= 1e-2).length;

  return {
    n,
    ...params,
    logLikelihood,
    stdErrors: { mu: se(0), omega: se(1), alpha: se(2), beta: se(3) },
    aic: 2 * GARCH_PARAMETERS - 2 * logLikelihood,
    bic: GARCH_PARAMETERS * Math.log(n) - 2 * logLikelihood,
    persistence,
    unconditionalVariance: params.omega / (1 - persistence),
    converged: best.converged,
    iterations: best.iterations,
    evaluations,
    starts: values.length,
    startsAgreeing,
    warnings,
  };
}
