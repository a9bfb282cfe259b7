"""Every figure: a title, units on its axes and in its hover text, the
colour-blind-safe palette and type large enough for a projector."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import pytest

from components import charts


def _months(n: int) -> list[date]:
    return [date(2026, m, 1) for m in range(1, n + 1)]


def _titles(title: str, x_title: str, y_title: str) -> dict[str, str]:
    """The figure's title and its two axis titles, which most charts take alike."""
    return {"title": title, "x_title": x_title, "y_title": y_title}


FIGURES = {
    "lines": lambda: charts.lines(
        [charts.Series("Members", _months(3), [10, 12, 15]), charts.Series("Left", _months(3), [1, 0, 2])],
        **_titles("Members over time", "month", "members"),
        unit=charts.count("members"),
    ),
    "bars": lambda: charts.bars(
        [charts.Series("Raised", ["individual", "foundation"], [1200.0, 800.0])],
        **_titles("Revenue by source", "source", "amount"),
        unit=charts.money("EUR"),
    ),
    "horizontal": lambda: charts.bars(
        [charts.Series("Hours", ["Berlin", "Paris"], [30.0, 12.5])],
        **_titles("Hours by chapter", "chapter", "hours"),
        unit=charts.HOURS,
        horizontal=True,
    ),
    "contributions": lambda: charts.contributions(
        ["Runway", "Donor retention"], [20.0, -4.0], total=16.0, title="Health score"
    ),
    "waterfall": lambda: charts.waterfall(
        ["Donors last year", "New", "Lapsed"],
        [100, 30, -40],
        title="Gains and losses",
        unit=charts.count("donors"),
        total_label="Donors this year",
        y_title="donors",
    ),
    "heatmap": lambda: charts.heatmap(
        [0, 1, 2],
        ["2026-01", "2026-02"],
        [[1.0, 0.5, 0.4], [1.0, 0.6, None]],
        **_titles("Cohort retention", "months since joining", "cohort"),
        unit=charts.PERCENT,
    ),
    "funnel": lambda: charts.funnel(["Attendee", "Volunteer"], [100, 20], title="Ladder", noun="people"),
    "forest": lambda: charts.forest(
        ["Circles", "Schools"],
        [0.4, 0.7],
        [0.1, 0.3],
        [0.7, 1.1],
        title="Effect sizes",
        x_title="d_z",
        reference=0.63,
        reference_label="g = 0.63 (controlled trials)",
    ),
    "distributions": lambda: charts.distributions(
        [("Before", [40, 42, 45], [3, 1, 2]), ("After", [44, 47, 50], [1, 4, 2])],
        title="TEQ",
        x_title="TEQ score",
        unit=charts.SCORE,
    ),
    "scatter": lambda: charts.scatter(
        [10, 20],
        [2, 5],
        ["Berlin", "Paris"],
        title="Breadth and depth",
        x_title="participants",
        y_title="climbers",
        x_unit=charts.count("people"),
        y_unit=charts.count("people"),
    ),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_is_titled_readable_and_uses_the_palette(name):
    fig: go.Figure = FIGURES[name]()
    assert fig.layout.title.text
    assert fig.layout.template.layout.font.size >= 16
    assert fig.layout.template.layout.colorway == charts.OKABE_ITO
    for trace in fig.data:
        template = trace.hovertemplate or ""
        assert template, f"{name}: a trace without hover text"
        assert "%{" in template
        colour = getattr(getattr(trace, "marker", None), "color", None)
        if isinstance(colour, str):
            assert colour in (*charts.OKABE_ITO, charts.MUTED)


def test_units_reach_axes_and_hover():
    fig = FIGURES["bars"]()
    assert fig.layout.yaxis.title.text == "amount (EUR)"
    assert fig.layout.yaxis.tickprefix == "€"
    assert "€%{y:,.0f}" in fig.data[0].hovertemplate
    fig = FIGURES["lines"]()
    assert "members" in fig.data[0].hovertemplate
    assert fig.layout.yaxis.title.text == "members"
    fig = FIGURES["horizontal"]()
    assert fig.layout.xaxis.title.text == "hours"
    assert " h" in fig.data[0].hovertemplate


def test_money_without_a_symbol_names_the_currency():
    unit = charts.money("CHF")
    assert unit.hover_value("y") == "%{y:,.0f} CHF"


def test_contributions_add_up_to_the_composite_and_colour_by_sign():
    fig = FIGURES["contributions"]()
    trace = fig.data[0]
    assert list(trace.y) == ["Runway", "Donor retention", "Health score"]
    assert list(trace.measure) == ["relative", "relative", "total"]
    assert trace.increasing.marker.color == charts.GOOD
    assert trace.decreasing.marker.color == charts.BAD


def test_forest_draws_the_reference_line():
    fig = FIGURES["forest"]()
    assert any(shape.x0 == 0.63 for shape in fig.layout.shapes)
    assert any("0.63" in (a.text or "") for a in fig.layout.annotations)


def test_mark_points_adds_a_legend_entry():
    fig = charts.mark_points(
        FIGURES["lines"](), [date(2026, 2, 1)], [12], name="Spike", unit=charts.count("people")
    )
    assert fig.data[-1].name == "Spike" and fig.layout.showlegend


def test_names_from_the_data_are_shown_as_typed_never_as_links() -> None:
    link = '<a href="http://127.0.0.1:9/">Circles</a>'
    fig = charts.bars(
        [charts.Series(link, [link, "Talks <b>"], [3, 4])],
        title="Sessions by programme",
        x_title="programme",
        y_title="sessions",
        unit=charts.count("sessions"),
    )
    (trace,) = charts.as_text(fig).data
    escaped = '&lt;a href="http://127.0.0.1:9/"&gt;Circles&lt;/a&gt;'
    assert trace.name == escaped
    assert list(trace.x) == [escaped, "Talks &lt;b&gt;"]
    assert trace.hovertemplate.startswith(escaped + "<br>")
    assert "<a" not in fig.to_json()
