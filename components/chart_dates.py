"""Dates on the charts' time axes and in their hover text, in the viewer's
locale.

Plotly writes dates with d3's English formats ("%b %Y" is "Jan 2026" for
everyone). Here, just before a figure goes on the page, every x axis that
holds dates gets explicit ticks whose labels Babel writes (CLDR `yMMM`:
en_US "Jan 2026", de_DE "Jan. 2026", fr_FR "janv. 2026"; days as the
locale's short date), and every trace on it gets its dates as Babel text in
`customdata`, which its hovertemplate reads instead of `%{x|…}`. The
figure builders stay pure and locale-free; `localize` is the one step that
knows whose screen the chart is for.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

import dates as date_rules

# `%{x}` or `%{x|<d3 time format>}` in a hovertemplate.
_X_IN_HOVER = re.compile(r"%\{x(?:\|([^}]*))?\}")
# Up to this many days a day axis gets day ticks; longer ones get months.
_DAY_TICKS_UP_TO = 70


def month_step(months: int) -> int:
    """Months between ticks for an axis spanning `months`: month names fit
    side by side up to about six ticks on a half-width chart."""
    for up_to, step in ((6, 1), (14, 2), (30, 3), (60, 6)):
        if months <= up_to:
            return step
    return 12


def _as_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        return _as_date(value.astype("datetime64[D]").item())
    return None


def _dates(values: Any) -> list[_dt.date] | None:
    """The values as dates, or None when they are not all dates (a
    category or number axis, or no values)."""
    if values is None:
        return None
    found = [_as_date(v) for v in (values.tolist() if hasattr(values, "tolist") else values)]
    if not found or any(d is None for d in found):
        return None
    return [d for d in found if d is not None]


def _first_of_month(value: _dt.date, months_on: int = 0) -> _dt.date:
    index = value.year * 12 + value.month - 1 + months_on
    return _dt.date(index // 12, index % 12 + 1, 1)


def ticks(
    values: Sequence[_dt.date], locale: str, *, step_months: int | None = None
) -> tuple[list[_dt.date], list[str]]:
    """Tick positions and their labels for a time axis over `values`: days
    (the locale's short date) for up to ten weeks of daily data, else the
    first days of months (`yMMM`), or of years once a tick is a year apart.
    `step_months` forces month ticks that far apart."""
    low, high = min(values), max(values)
    monthly = all(v.day == 1 for v in values)
    if step_months is None and not monthly and (high - low).days <= _DAY_TICKS_UP_TO:
        step_days = 1 if (high - low).days <= 10 else 7 if (high - low).days <= 56 else 14
        days = [low + _dt.timedelta(days=n) for n in range(0, (high - low).days + 1, step_days)]
        return days, [date_rules.short(d, locale) for d in days]
    start = low if low.day == 1 else _first_of_month(low, 1)
    span = (high.year - start.year) * 12 + high.month - start.month + 1
    step = step_months or month_step(span)
    if step == 12 and start.month != 1 and span > 12:
        start = _dt.date(start.year + 1, 1, 1)
    months = [start]
    while (following := _first_of_month(months[-1], step)) <= high:
        months.append(following)
    label: Callable[[_dt.date, str], str] = date_rules.year if step == 12 else date_rules.month
    return months, [label(m, locale) for m in months]


def _hover_writer(d3_format: str | None) -> Callable[[_dt.date, str], str]:
    """The Babel writer standing in for a d3 date format: a day where the
    format names one (or none is given), a year alone, else a month."""
    if not d3_format or "%d" in d3_format or "%e" in d3_format:
        return date_rules.with_year
    if d3_format.strip() == "%Y":
        return date_rules.year
    return date_rules.month


def _localize_hover(trace: Any, values: list[_dt.date], locale: str) -> None:
    template = trace.hovertemplate
    if not isinstance(template, str) or trace.customdata is not None:
        return
    found = _X_IN_HOVER.search(template)
    if found is None:
        return
    writer = _hover_writer(found.group(1))
    trace.customdata = [writer(v, locale) for v in values]
    trace.hovertemplate = _X_IN_HOVER.sub("%{customdata}", template)


def localize(fig: go.Figure, locale: str) -> go.Figure:
    """The figure with each date x axis's ticks and each date trace's hover
    date written for `locale` (changed in place, and returned)."""
    on_axis: dict[str, list[_dt.date]] = {}
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h":
            continue
        values = _dates(getattr(trace, "x", None))
        if values is None:
            continue
        _localize_hover(trace, values, locale)
        axis = "xaxis" + (getattr(trace, "xaxis", None) or "x")[1:]
        on_axis.setdefault(axis, []).extend(values)
    for axis, values in on_axis.items():
        if fig.layout[axis].type == "category":
            continue
        dtick = fig.layout[axis].dtick
        step = int(dtick[1:]) if isinstance(dtick, str) and dtick.startswith("M") else None
        positions, labels = ticks(values, locale, step_months=step)
        fig.layout[axis].update(
            tickmode="array", tickvals=positions, ticktext=labels, dtick=None, tickformat=None
        )
    return fig
