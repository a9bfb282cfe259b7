"""The distribution functions the impact figures need, from SciPy: Student's
t (p-values, critical values) and the noncentral t (the exact confidence
interval of a standardised effect).

The interval is solved for many effects at once (`standardized_mean_cis`):
a report finds one per program, and solving them one by one in Python cost
more than the rest of the impact section together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special
from scipy.optimize import elementwise


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    return float(special.stdtr(df, t))


def t_two_sided_p(t: float, df: float) -> float:
    """The two-sided p-value of an observed t."""
    return min(1.0, 2.0 * t_cdf(-abs(t), df))


def t_quantile(p: float, df: float) -> float:
    """The t with P(T ≤ t) = p, e.g. ``t_quantile(0.975, 9) ≈ 2.262``."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must lie strictly between 0 and 1")
    return float(special.stdtrit(df, p))


def noncentral_t_cdf(t: float, df: float, delta: float) -> float:
    """P(T ≤ t) for the noncentral t with `df` degrees of freedom and
    noncentrality `delta`."""
    return float(special.nctdtr(df, delta, t))


def _noncentrality(t_obs: np.ndarray, df: np.ndarray, target: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The δ with P(T ≤ t_obs | df, δ) = target, elementwise.

    The normal approximation of the effect's sampling distribution, δ ≈
    t_obs + z·√(1 + t²/(2n)) with z the normal quantile of 1 − target,
    places a bracket that SciPy grows until it holds the root; the root is
    then found to full precision on `nctdtr` (which falls in δ)."""

    def excess(delta: np.ndarray, t: np.ndarray, dof: np.ndarray, p: np.ndarray) -> np.ndarray:
        out: np.ndarray = special.nctdtr(dof, delta, t) - p
        return out

    se = np.sqrt(1.0 + t_obs * t_obs / (2.0 * (df + 1.0)))
    guess = t_obs + z * se
    args = (t_obs, df, target)
    bracket = elementwise.bracket_root(excess, guess - 0.1 * se, guess + 0.1 * se, args=args)
    root = elementwise.find_root(
        excess, (bracket.bracket[0], bracket.bracket[1]), args=args, tolerances={"xrtol": 1e-13}
    )
    x: np.ndarray = np.where(bracket.success & root.success, root.x, np.nan)
    return x


def standardized_mean_cis(
    d: Sequence[float] | np.ndarray, n: Sequence[int] | np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence intervals of one-sample (or paired, d_z) standardised means,
    one per (d, n) pair, each n ≥ 2.

    Exact: the limits δ_L, δ_U of the noncentral t's noncentrality that put
    the observed t = d·√n at the upper and lower (1 − level)/2 tails, divided
    by √n (Cumming & Finch 2001; Lakens 2013).

    Example: d = 0.5 with n = 10 → (−0.172, 1.148)."""
    d_arr = np.asarray(d, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    if d_arr.size == 0:
        return np.empty(0), np.empty(0)
    if np.any(n_arr < 2):
        raise ValueError("at least two pairs")
    alpha = 1.0 - level
    root_n = np.sqrt(n_arr)
    t_obs, df = d_arr * root_n, n_arr - 1.0
    # Both limits of every interval in one solve.
    k = d_arr.size
    z = float(special.ndtri(1.0 - alpha / 2.0))
    targets = np.concatenate([np.full(k, 1.0 - alpha / 2.0), np.full(k, alpha / 2.0)])
    zs = np.concatenate([np.full(k, -z), np.full(k, z)])
    limits = _noncentrality(np.tile(t_obs, 2), np.tile(df, 2), targets, zs) / np.tile(root_n, 2)
    return limits[:k], limits[k:]


def standardized_mean_ci(d: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """`standardized_mean_cis` of a single effect."""
    low, high = standardized_mean_cis([d], [n], level)
    return float(low[0]), float(high[0])


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal distribution function."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))
