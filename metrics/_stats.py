"""The few distribution functions the impact figures need, in plain Python:
Student's t (p-values, critical values) and the noncentral t (the exact
confidence interval of a standardised effect). Written here rather than
pulling in SciPy for four functions; the tests check them against
published table values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

_EPS = 1e-15
_TINY = 1e-300


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal distribution function."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    # Lentz's method for the continued fraction of the incomplete beta
    # (Numerical Recipes §6.4); converges fast for x < (a+1)/(a+b+2).
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1.0 - front * _beta_continued_fraction(1.0 - x, b, a) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t > 0 else tail


def t_two_sided_p(t: float, df: float) -> float:
    """The two-sided p-value of an observed t."""
    return min(1.0, 2.0 * (1.0 - t_cdf(abs(t), df)))


def _bisect(fn: object, target: float, lo: float, hi: float, *, decreasing: bool = False) -> float:
    f = fn  # a callable float -> float, monotone on [lo, hi]
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        value = f(mid)  # type: ignore[operator]
        below = value < target
        if below != decreasing:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def _solve(
    fn: Callable[[float], float],
    target: float,
    lo: float,
    hi: float,
    f_lo: float | None = None,
    f_hi: float | None = None,
) -> float:
    """The root of fn(x) = target on [lo, hi] for a monotone fn, by the
    Illinois variant of regula falsi: a handful of evaluations instead of
    bisection's fifty (each evaluation may sum a long series). `f_lo` and
    `f_hi`, when known, are fn(lo) − target and fn(hi) − target."""
    f_lo = fn(lo) - target if f_lo is None else f_lo
    f_hi = fn(hi) - target if f_hi is None else f_hi
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        raise ValueError("the target is not bracketed")
    side = 0
    x = lo
    for _ in range(100):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        f_x = fn(x) - target
        if abs(f_x) < 1e-13 or hi - lo < 1e-12 * max(1.0, abs(x)):
            return x
        if (f_x > 0) == (f_hi > 0):
            hi, f_hi = x, f_x
            if side == -1:
                f_lo /= 2.0
            side = -1
        else:
            lo, f_lo = x, f_x
            if side == 1:
                f_hi /= 2.0
            side = 1
    return x


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The t with P(T ≤ t) = p, e.g. ``t_quantile(0.975, 9) ≈ 2.262``."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must lie strictly between 0 and 1")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, max(1.0, -_normal_quantile(1.0 - p))
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
        if hi > 1e15:
            return math.inf
    return _solve(lambda t: t_cdf(t, df), p, lo, hi)


def noncentral_t_cdf(t: float, df: float, delta: float) -> float:
    """P(T ≤ t) for the noncentral t with `df` degrees of freedom and
    noncentrality `delta` (Lenth 1989, algorithm AS 243)."""
    negative = t < 0
    tt, dd = (-t, -delta) if negative else (t, delta)
    total = 0.0
    x = tt * tt / (tt * tt + df)
    if x > 0.0:
        lam = dd * dd
        p = 0.5 * math.exp(-0.5 * lam)
        q = math.sqrt(2.0 / math.pi) * p * dd
        s = 0.5 - p
        a, b = 0.5, 0.5 * df
        rxb = (1.0 - x) ** b
        log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        xodd = incomplete_beta(x, a, b)
        godd = 2.0 * rxb * math.exp(a * math.log(x) - log_beta)
        xeven = 1.0 - rxb
        geven = b * x * rxb
        total = p * xodd + q * xeven
        en = 1.0
        while True:
            a += 1.0
            xodd -= godd
            xeven -= geven
            godd *= x * (a + b - 1.0) / a
            geven *= x * (a + b - 0.5) / (a + 0.5)
            p *= lam / (2.0 * en)
            q *= lam / (2.0 * en + 1.0)
            s -= p
            en += 1.0
            total += p * xodd + q * xeven
            if 2.0 * s * (xodd - godd) <= 1e-12 or en > 5000:
                break
    total += normal_cdf(-dd)
    total = min(1.0, max(0.0, total))
    return 1.0 - total if negative else total


# AS 243's series starts at exp(-δ²/2), which underflows for large δ; beyond
# this the normal approximation of the effect's sampling distribution is
# excellent anyway (large n or a huge effect).
_EXACT_DELTA_LIMIT = 30.0


@lru_cache(maxsize=4096)
def standardized_mean_ci(d: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a one-sample (or paired, d_z) standardised mean.

    Exact: the limits δ_L, δ_U of the noncentral t's noncentrality that put
    the observed t = d·√n at the upper and lower (1 − level)/2 tails, divided
    by √n (Cumming & Finch 2001; Lakens 2013). For |t| > 30 it uses
    d ± z·√(1/n + d²/(2n)).
    """
    if n < 2:
        raise ValueError("at least two pairs")
    df = n - 1
    t_obs = d * math.sqrt(n)
    alpha = 1.0 - level
    if abs(t_obs) > _EXACT_DELTA_LIMIT:
        z = -_normal_quantile(alpha / 2.0)
        se = math.sqrt(1.0 / n + d * d / (2.0 * n))
        return d - z * se, d + z * se
    # Bracket each limit from the normal approximation, widening until the
    # noncentral t's distribution function (falling in δ) straddles it.
    se = math.sqrt(1.0 + t_obs * t_obs / (2.0 * n))

    def cdf(delta: float) -> float:
        return noncentral_t_cdf(t_obs, df, delta)

    def limit(target: float, guess: float) -> float:
        width = 0.25 * se + 0.05
        for _ in range(60):
            lo, hi = guess - width, guess + width
            f_lo, f_hi = cdf(lo) - target, cdf(hi) - target
            if f_lo > 0 > f_hi:
                return _solve(cdf, target, lo, hi, f_lo, f_hi)
            width *= 2.0
        raise ArithmeticError("no confidence limit found")

    z = -_normal_quantile(alpha / 2.0)
    delta_low = limit(1.0 - alpha / 2.0, t_obs - z * se)
    delta_high = limit(alpha / 2.0, t_obs + z * se)
    root = math.sqrt(n)
    return delta_low / root, delta_high / root


@lru_cache(maxsize=256)
def _normal_quantile(p: float) -> float:
    return _bisect(normal_cdf, p, -40.0, 40.0)
