#!/usr/bin/env python3
"""Independent reference values for core/calibration (GARCH(1,1) and Markov-switching normal model).

Run from the repository root:

    python3 scripts/reference/calibration_reference.py --write-fixtures   # (re)generate the CSVs
    python3 scripts/reference/calibration_reference.py [--only garch|regimes]   # fit, print JSON

(pure-Python likelihood loops: each fit takes a minute or two on a busy 2-core machine).

Needs numpy and scipy only. The likelihoods, the filter and the optimizers here share no code and no
method with the TypeScript implementation, so agreement checks both:

- GARCH(1,1), constant mean, Bollerslev (1986), with the conventions of core/calibration/garch.ts:
  sigma2_1 = sample variance of r (divisor n), loglik = -1/2 sum[ln 2pi + ln sigma2_t + e_t^2/sigma2_t].
  Fitted on percentage returns (r * 100, not standardized as in TypeScript) directly in (mu, omega,
  alpha, beta) with SLSQP under the bounds and the constraint alpha + beta <= 1 - 1e-8 from a grid of
  starts, then polished with scipy's Nelder-Mead (infeasible points get +inf). Standard errors: the
  inverse of a Richardson-extrapolated central-difference Hessian of the percentage-scale loglik
  (steps 1e-3 and 5e-4 of each parameter's scale), mapped to return units (mu / 100, omega / 100^2).
- Markov-switching normal model, Hamilton (1989): the likelihood by the forward recursion in log space
  (log-sum-exp per step), stationary start from the eigenvector of P^T for eigenvalue 1 (numpy),
  maximized directly (no EM) with BFGS on (mu, log sigma, logit of the off-diagonal of each row;
  K = 2) from several starts, then Nelder-Mead polish.

The fixtures are written with repr() (shortest round-trip decimal), so both languages read the same
doubles. The printed numbers are pasted as constants into core/calibration/garch.test.ts and
core/calibration/regimes.test.ts (the tests never run Python).
"""
import argparse
import json
import math
import os

import numpy as np
from scipy.optimize import minimize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIXTURES = os.path.join(ROOT, 'core', 'calibration', 'fixtures')
GARCH_CSV = os.path.join(FIXTURES, 'garch-2000.csv')
REGIMES_CSV = os.path.join(FIXTURES, 'regimes-2000.csv')

# Parameters the fixtures are simulated with (daily-return scale).
GARCH_TRUE = dict(mu=2e-4, omega=2e-6, alpha=0.08, beta=0.9)
REGIMES_TRUE = dict(means=[5e-4, -1e-3], sigmas=[0.005, 0.02], transition=[[0.97, 0.03], [0.06, 0.94]])
N = 2000


def write_fixtures():
    rng = np.random.default_rng(20261206)
    g = GARCH_TRUE
    r = []
    v = g['omega'] / (1 - g['alpha'] - g['beta'])
    for _ in range(N):
        e = math.sqrt(v) * rng.standard_normal()
        r.append(g['mu'] + e)
        v = g['omega'] + g['alpha'] * e * e + g['beta'] * v
    write_csv(GARCH_CSV, r)

    m = REGIMES_TRUE
    P = np.array(m['transition'])
    pi1 = P[0, 1] / (P[0, 1] + P[1, 0])
    s = 1 if rng.random() < pi1 else 0
    r = []
    for _ in range(N):
        r.append(m['means'][s] + m['sigmas'][s] * rng.standard_normal())
        s = 1 if rng.random() < P[s, 1] else 0
    write_csv(REGIMES_CSV, r)


def write_csv(path, values):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('return\n')
        for x in values:
            f.write(repr(float(x)) + '\n')


def read_csv(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == 'return'
    return [float(x) for x in lines[1:]]


# ---------------------------------------------------------------- GARCH(1,1)

def garch_loglik(r, mu, omega, alpha, beta):
    """Plain loop, the convention written out; r a Python list."""
    n = len(r)
    m = sum(r) / n
    v = sum((x - m) ** 2 for x in r) / n
    total = 0.0
    for x in r:
        if not (v > 0) or not math.isfinite(v):
            return -math.inf
        e = x - mu
        total += math.log(2 * math.pi) + math.log(v) + e * e / v
        v = omega + alpha * e * e + beta * v
    return -0.5 * total


def fit_garch(r):
    scale = 100.0
    y = [x * scale for x in r]
    n = len(y)
    m = sum(y) / n
    var = sum((x - m) ** 2 for x in y) / n

    def nll(p):
        mu, omega, alpha, beta = p
        if omega <= 0 or alpha < 0 or beta < 0 or alpha + beta >= 1:
            return math.inf
        ll = garch_loglik(y, mu, omega, alpha, beta)
        return -ll if math.isfinite(ll) else math.inf

    best = None
    for pers in (0.5, 0.85, 0.95, 0.99):
        for share in (0.1, 0.3):
            x0 = [m, var * (1 - pers), share * pers, (1 - share) * pers]
            res = minimize(
                nll, x0, method='SLSQP',
                bounds=[(None, None), (1e-12, None), (0, 1), (0, 1)],
                constraints=[{'type': 'ineq', 'fun': lambda p: 1 - 1e-8 - p[2] - p[3]}],
                options={'ftol': 1e-14, 'maxiter': 1000},
            )
            if best is None or res.fun < best.fun:
                best = res
    pol = minimize(nll, best.x, method='Nelder-Mead',
                   options={'xatol': 1e-12, 'fatol': 1e-13, 'maxiter': 40000, 'maxfev': 40000})
    p = pol.x if pol.fun <= best.fun else best.x
    mu, omega, alpha, beta = p
    # Central-difference Hessian of the percentage-scale loglik with steps 1e-3 of each parameter's
    # own scale (the data's standard deviation for mu, whose estimate is near 0), Richardson-
    # extrapolated from h and h/2: (4 H(h/2) - H(h)) / 3, error O(h^4).
    f = lambda q: garch_loglik(y, *q)

    def hessian(h):
        H = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                def at(si, sj):
                    q = np.array(p, dtype=float)
                    q[i] += si * h[i]
                    q[j] += sj * h[j]
                    return f(q)
                H[i, j] = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i] * h[j])
        return H

    h = 1e-3 * np.array([math.sqrt(var), omega, alpha, beta])
    H = (4 * hessian(h / 2) - hessian(h)) / 3
    cov = np.linalg.inv(-H)
    se = np.sqrt(np.diag(cov))
    ll = garch_loglik(r, mu / scale, omega / scale**2, alpha, beta)
    return {
        'n': n,
        'mu': mu / scale, 'omega': omega / scale**2, 'alpha': alpha, 'beta': beta,
        'logLikelihood': ll,
        'stdErrors': {'mu': se[0] / scale, 'omega': se[1] / scale**2, 'alpha': se[2], 'beta': se[3]},
    }


# ---------------------------------------------------------------- Markov switching

def stationary(P):
    w, V = np.linalg.eig(P.T)
    i = int(np.argmin(np.abs(w - 1)))
    v = np.real(V[:, i])
    return v / v.sum()


def _lse(values):
    m = max(values)
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in values))


def ms_loglik(r, means, sigmas, P):
    """Forward recursion in log space: log alpha_t(k) = log b_t(k) + lse_j(log alpha_{t-1}(j) + log P_jk)."""
    K = len(means)
    means = [float(v) for v in means]
    sigmas = [float(v) for v in sigmas]
    P = np.asarray(P, dtype=float)
    logP = [[math.log(P[j, k]) if P[j, k] > 0 else -math.inf for k in range(K)] for j in range(K)]
    lnorm = [-0.5 * math.log(2 * math.pi) - math.log(sg) for sg in sigmas]
    pi = stationary(P)
    la = None
    for x in r:
        logb = [lnorm[k] - 0.5 * ((x - means[k]) / sigmas[k]) ** 2 for k in range(K)]
        if la is None:
            la = [math.log(pi[k]) + logb[k] for k in range(K)]
        else:
            la = [_lse([la[j] + logP[j][k] for j in range(K)]) + logb[k] for k in range(K)]
    return _lse(la)


def fit_regimes(r):
    r = np.asarray(r)
    s = r.std()

    def unpack(th):
        mu = th[0:2] * s
        sig = np.exp(th[2:4]) * s
        p01 = 1 / (1 + np.exp(-th[4]))
        p10 = 1 / (1 + np.exp(-th[5]))
        P = np.array([[1 - p01, p01], [p10, 1 - p10]])
        return mu, sig, P

    def nll(th):
        mu, sig, P = unpack(th)
        v = -ms_loglik(r, mu, sig, P)
        return v if math.isfinite(v) else 1e300

    best = None
    for lo, hi in ((0.4, 2.0), (0.6, 1.5), (0.3, 3.0)):
        for q in (0.02, 0.1):
            th0 = np.array([0.0, 0.0, math.log(lo), math.log(hi), math.log(q / (1 - q)), math.log(q / (1 - q))])
            res = minimize(nll, th0, method='BFGS', options={'gtol': 1e-8})
            if best is None or res.fun < best.fun:
                best = res
    pol = minimize(nll, best.x, method='Nelder-Mead',
                   options={'xatol': 1e-11, 'fatol': 1e-12, 'maxiter': 40000, 'maxfev': 40000})
    th = pol.x if pol.fun <= best.fun else best.x
    mu, sig, P = unpack(th)
    order = np.argsort(sig)  # ascending sigma, as in TypeScript
    mu, sig, P = mu[order], sig[order], P[np.ix_(order, order)]
    return {
        'n': len(r),
        'means': mu.tolist(), 'sigmas': sig.tolist(), 'transition': P.tolist(),
        'logLikelihood': ms_loglik(r, mu, sig, P),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--write-fixtures', action='store_true')
    ap.add_argument('--only', choices=['garch', 'regimes'])
    args = ap.parse_args()
    if args.write_fixtures:
        write_fixtures()
    out = {}
    if args.only in (None, 'garch'):
        g = read_csv(GARCH_CSV)
        out['garch'] = fit_garch(g)
        # The likelihoods at fixed parameters check the functions, not the optimizers.
        out['garchLogLikelihoodAtTruth'] = garch_loglik(g, **GARCH_TRUE)
    if args.only in (None, 'regimes'):
        m = read_csv(REGIMES_CSV)
        out['regimes'] = fit_regimes(m)
        out['regimesLogLikelihoodAtTruth'] = ms_loglik(
            m, REGIMES_TRUE['means'], REGIMES_TRUE['sigmas'], np.array(REGIMES_TRUE['transition']))
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
