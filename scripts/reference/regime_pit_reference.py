"""Independent reference for core/calibration/regime-diagnostics.ts (numpy + scipy only).

One-step-ahead probability integral transform of a 2-state Markov-switching normal model
(Diebold, Gunther & Tay 1998): u_t = sum_j Pr(s_t=j | r_1..t-1) Phi((r_t - mu_j)/sigma_j), z_t = Phi^-1(u_t),
with s_1 from the stationary distribution (numpy's left eigenvector of P for eigenvalue 1), and the regime
classification measure RCM = 100 K^2 mean_t prod_j p_tj (Ang & Bekaert 2002) of given probabilities.
The test (regime-diagnostics.test.ts) holds the printed numbers as constants.
Run: python3 scripts/reference/regime_pit_reference.py
"""
import numpy as np
from scipy.stats import norm

r = np.array([0.3, -1.2, 2.5, 0.1, -0.4, 3.1, -2.2, 0.05])
mu = np.array([0.0, 0.2])
sd = np.array([0.5, 2.0])
P = np.array([[0.9, 0.1], [0.3, 0.7]])

w, v = np.linalg.eig(P.T)
pi = np.real(v[:, np.argmin(np.abs(w - 1))])
pi = pi / pi.sum()
pred = pi.copy()
z = []
for x in r:
    u = float(np.sum(pred * norm.cdf((x - mu) / sd)))
    z.append(norm.ppf(u))
    f = pred * norm.pdf(x, mu, sd)
    filt = f / f.sum()
    pred = filt @ P
print("z =", ", ".join(f"{x:.12f}" for x in z))

p = np.array([[0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [1.0, 0.0]])
print("RCM =", f"{100 * 4 * np.mean(np.prod(p, axis=1)):.12f}")
