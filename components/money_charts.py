"""Charts of money for the fundraising pages: series of stored minor units
drawn in major units, and the settings of a chart by month."""

from __future__ import annotations

from typing import TypedDict

import polars as pl

from components import charts
from money import majors


class MonthAxis(TypedDict):
    x_title: str
    unit: charts.Unit
    hover_x: str


def money_by_month(currency: str) -> MonthAxis:
    """The settings of a chart of amounts by month: "Month" under the x axis,
    "Mar 2026" on hover, the amounts in `currency`."""
    return {"x_title": "Month", "unit": charts.money(currency), "hover_x": "%{x|%b %Y}"}


def money_series(
    name: str, frame: pl.DataFrame, x: str, amounts: str, currency: str, **style: str
) -> charts.Series:
    """The minor-unit column `amounts` of `frame`, in major units of
    `currency`, against its column `x`; `style` gives its color or dash."""
    return charts.Series(name, frame[x].to_list(), majors(frame[amounts].to_list(), currency), **style)
