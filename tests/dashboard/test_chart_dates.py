"""Chart dates in the viewer's locale: the same figure, localized for an
en_US and a de_DE viewer, gets each one's CLDR month and day texts on its
ticks and in its hover text (plotly's d3 formats would be English for both)."""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import pytest

from components import charts
from components.chart_dates import localize, month_step, ticks


def _monthly() -> go.Figure:
    months = [date(2026, m, 1) for m in range(1, 5)]
    return charts.lines(
        [charts.Series("MRR", months, [10.0, 12.0, 15.0, 14.0])],
        title="Monthly recurring revenue",
        x_title="month",
        y_title="MRR",
        unit=charts.money("USD"),
        hover_x="%{x|%b %Y}",
        monthly=True,
    )


def _daily() -> go.Figure:
    days = [date(2026, 3, 2) + timedelta(days=n) for n in range(0, 22)]
    return charts.lines(
        [charts.Series("Raised", days, [float(n) for n in range(22)])],
        title="Raised to date",
        x_title="day",
        y_title="raised",
        unit=charts.money("USD"),
    )


@pytest.mark.parametrize(
    ("locale", "ticktext", "hover"),
    [
        ("en_US", ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"], "Mar 2026"),
        ("de_DE", ["Jan. 2026", "Feb. 2026", "März 2026", "Apr. 2026"], "März 2026"),
    ],
)
def test_month_ticks_and_hover_follow_the_locale(locale: str, ticktext: list[str], hover: str) -> None:
    fig = localize(_monthly(), locale)
    axis = fig.layout.xaxis
    assert axis.tickmode == "array"
    assert list(axis.ticktext) == ticktext
    assert [str(v) for v in axis.tickvals] == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    trace = fig.data[0]
    assert trace.customdata[2] == hover
    assert "%{customdata}" in trace.hovertemplate and "%{x" not in trace.hovertemplate


@pytest.mark.parametrize(
    ("locale", "first_tick", "hover"),
    [("en_US", "3/2/26", "Mar 4, 2026"), ("de_DE", "02.03.26", "4. März 2026")],
)
def test_day_ticks_are_the_locales_short_date_and_hover_its_day(
    locale: str, first_tick: str, hover: str
) -> None:
    fig = localize(_daily(), locale)
    assert fig.layout.xaxis.ticktext[0] == first_tick
    # Three weeks of days: a tick a week.
    assert len(fig.layout.xaxis.tickvals) == 4
    assert fig.data[0].customdata[2] == hover


def test_the_same_chart_reads_differently_for_each_viewer() -> None:
    us, de = localize(_monthly(), "en_US"), localize(_monthly(), "de_DE")
    assert list(us.layout.xaxis.ticktext) != list(de.layout.xaxis.ticktext)
    assert list(us.data[0].customdata) != list(de.data[0].customdata)


def test_a_week_hover_keeps_its_words_around_the_date() -> None:
    weeks = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(30)]
    fig = charts.lines(
        [charts.Series("Hours", weeks, [1.0] * 30)],
        title="Hours",
        x_title="week",
        y_title="hours",
        unit=charts.HOURS,
        hover_x="week of %{x|%d %b %Y}",
    )
    localize(fig, "de_DE")
    assert "week of %{customdata}" in fig.data[0].hovertemplate
    assert fig.data[0].customdata[0] == "5. Jan. 2026"
    # Half a year of weekly data: a tick on each first of a month.
    assert list(fig.layout.xaxis.ticktext) == [
        "Feb. 2026",
        "März 2026",
        "Apr. 2026",
        "Mai 2026",
        "Juni 2026",
        "Juli 2026",
    ]


def test_category_and_number_axes_are_left_alone() -> None:
    fig = charts.bars(
        [charts.Series("Giving", ["FY 2025", "FY 2026"], [1.0, 2.0])],
        title="Giving by fiscal year",
        x_title="Fiscal year",
        y_title="Net giving",
        unit=charts.money("USD"),
    )
    localize(fig, "de_DE")
    assert fig.layout.xaxis.tickvals is None and fig.data[0].customdata is None


def test_long_spans_tick_whole_years() -> None:
    months = [date(2020, 7, 1) + timedelta(days=31 * n) for n in range(70)]
    positions, labels = ticks([m.replace(day=1) for m in months], "ja_JP")
    assert month_step(70) == 12
    assert labels[0] == "2021年" and all(p.month == 1 for p in positions)
