"""Numbers as a board member reads them: always with their unit, an
undefined figure as a dash with its reason (never as 0), small groups as
"fewer than 5"."""

from __future__ import annotations

import math
from typing import Literal

import money as money_rules
from metrics.figure import Figure
from metrics.privacy import MIN_GROUP_SIZE, SUPPRESSED_TEXT

Kind = Literal["ratio", "money", "months", "hours", "count", "points", "hhi", "effect", "score", "number"]

DASH = "—"


def money(minor: float | None, currency: str, *, compact: bool = False) -> str:
    """Minor units as an amount: 1234567 USD → "$12,346" (or "$12.3k")."""
    if minor is None:
        return DASH
    major_ = money_rules.major(minor, currency)
    symbol = money_rules.symbol(currency)
    symbol = "" if symbol == currency else symbol
    sign = "−" if major_ < 0 else ""
    value = abs(major_)
    if compact and value >= 1_000_000:
        text = f"{value / 1_000_000:,.1f}M"
    elif compact and value >= 10_000:
        text = f"{value / 1000:,.1f}k"
    else:
        text = f"{value:,.0f}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def count(n: float | None, noun: str = "") -> str:
    if n is None:
        return DASH
    text = f"{n:,.0f}"
    return f"{text} {noun}".strip()


def people(n: int | None, noun: str = "") -> str:
    """A head count, "fewer than 5" for a group of 1–4 people."""
    if n is None:
        return DASH
    if 0 < n < MIN_GROUP_SIZE:
        return f"{SUPPRESSED_TEXT} {noun}".strip()
    return count(n, noun)


def percent(ratio: float | None, digits: int = 1) -> str:
    if ratio is None:
        return DASH
    return f"{ratio * 100:.{digits}f}%"


def value(fig: Figure, kind: Kind, *, currency: str = "USD", noun: str = "") -> str:
    """A figure's value with its unit; "∞" for an unbounded one, "—" for an
    undefined one (show `fig.reason` beside it)."""
    if fig.value is None:
        return "∞" if fig.unbounded else DASH
    v = fig.value
    if kind == "ratio":
        return percent(v)
    if kind == "money":
        return money(v, currency)
    if kind == "months":
        return f"{v:,.1f} months"
    if kind == "hours":
        return f"{v:,.0f} h"
    if kind == "count":
        return count(v, noun)
    if kind == "points":
        return f"{v:+.1f} points" if noun == "signed" else f"{v:.1f} points"
    if kind == "hhi":
        return f"{v:,.0f} HHI"
    if kind == "effect":
        return f"{v:+.2f}"
    if kind == "score":
        return f"{v:.1f}"
    return f"{v:,.2f}"


def change(
    current: Figure, previous: Figure, kind: Kind, *, currency: str = "USD", against: str = ""
) -> str | None:
    """The change from `previous` to `current`, for a KPI card's delta:
    percentage points for ratios, a relative change for amounts and counts.
    None when either side is undefined (no arrow is better than a false one)."""
    if current.value is None or previous.value is None:
        return None
    suffix = f" vs {against}" if against else ""
    diff = current.value - previous.value
    if kind == "ratio":
        return f"{diff * 100:+.1f} pp{suffix}"
    if kind in ("months", "points", "score", "effect"):
        unit = {"months": " months", "points": " points"}.get(kind, "")
        return f"{diff:+.1f}{unit}{suffix}"
    if previous.value == 0:
        if kind == "money":
            return f"{'+' if diff >= 0 else '−'}{money(abs(diff), currency)}{suffix}"
        return f"{diff:+,.0f}{suffix}"
    rel = diff / abs(previous.value)
    if not math.isfinite(rel):
        return None
    return f"{rel * 100:+.1f}%{suffix}"


def reason(fig: Figure) -> str | None:
    """The sentence to show under an undefined figure."""
    return None if fig.value is not None else fig.reason
