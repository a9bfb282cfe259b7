"""The chapter comparison's views: one row of headline figures per chapter,
shown with small groups hidden, and a chart of one column."""

from __future__ import annotations

import polars as pl

import money
from components import charts
from components.dashboard.shared import View, is_small
from metrics.privacy import SUPPRESSED_TEXT, hidden_group_count, suppression_caption, visible_groups
from metrics.report_types import HealthReport

CHAPTER_COLUMNS = (
    "members",
    "active members (%)",
    "events",
    "attendance",
    "volunteers",
    "volunteer hours",
    "donors",
    "funds raised",
    "donor retention (%)",
    "health score",
)


def chapter_row(name: str, level: str, r: HealthReport) -> dict[str, object]:
    """One chapter's headline figures, read from its own health report."""
    cur = r.currency
    k = {kpi.key: kpi for kpi in r.kpis}

    def v(key: str) -> float | None:
        return k[key].value.value if key in k else None

    def pct(x: float | None) -> float | None:
        return None if x is None else round(x * 100, 1)

    funds = v("funds_raised")
    return {
        "chapter": name,
        "level": level,
        "members": r.momentum.members.members,
        "active members (%)": pct(v("active_ratio")),
        "events": r.momentum.events.events,
        "attendance": r.momentum.events.attendance,
        "volunteers": r.volunteers.hours.volunteers,
        "volunteer hours": None
        if v("volunteer_hours") is None
        else round(float(v("volunteer_hours") or 0), 1),
        "donors": r.fundraising.gifts.donors,
        "funds raised": None if funds is None else round(money.major(funds, cur), 2),
        "donor retention (%)": pct(v("donor_retention")),
        "health score": None if r.health.score.value is None else round(r.health.score.value, 1),
    }


def chapters_table(rows: list[dict[str, object]]) -> pl.DataFrame:
    schema = {
        "chapter": pl.String,
        "level": pl.String,
        "members": pl.Int64,
        "active members (%)": pl.Float64,
        "events": pl.Int64,
        "attendance": pl.Int64,
        "volunteers": pl.Int64,
        "volunteer hours": pl.Float64,
        "donors": pl.Int64,
        "funds raised": pl.Float64,
        "donor retention (%)": pl.Float64,
        "health score": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


CHAPTER_PEOPLE: dict[str, tuple[str, ...]] = {
    "members": ("members", "active members (%)", "attendance", "health score"),
    "volunteers": ("volunteers", "volunteer hours"),
    "donors": ("donors", "funds raised", "donor retention (%)"),
}


def _number_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def chapters_for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The comparison as text with thousands separators, and every figure
    about a group of fewer than five people (a chapter's members,
    volunteers or donors) as "fewer than 5"."""
    rows = []
    for row in frame.iter_rows(named=True):
        out = {c: str(row[c]) if c in ("chapter", "level") else _number_text(row[c]) for c in frame.columns}
        for people, columns in CHAPTER_PEOPLE.items():
            hide = is_small(row[people])
            for column in columns:
                out[column] = SUPPRESSED_TEXT if hide else _number_text(row[column])
        rows.append({c: out[c] for c in frame.columns})
    return pl.DataFrame(rows, schema=dict.fromkeys(frame.columns, pl.String), orient="row")


def chapter_compare_view(frame: pl.DataFrame, column: str, *, currency: str) -> View:
    people_col = {
        "volunteer hours": "volunteers",
        "volunteers": "volunteers",
        "funds raised": "donors",
        "donors": "donors",
        "donor retention (%)": "donors",
    }.get(column, "members")
    title = f"Chapters compared: {column}"
    if frame.height == 0:
        return View("compare", title, empty="No chapters to compare.")
    shown = visible_groups(frame, people_col).filter(pl.col(column).is_not_null())
    hidden = hidden_group_count(frame, people_col)
    if shown.height == 0:
        return View("compare", title, empty=f"No chapter has a value for {column} that may be shown.")
    unit = {
        "active members (%)": charts.Unit("%", ",.1f", ",.1f", suffix=" %"),
        "donor retention (%)": charts.Unit("%", ",.1f", ",.1f", suffix=" %"),
        "funds raised": charts.money(currency),
        "volunteer hours": charts.HOURS,
        "health score": charts.Unit("points", ",.0f", ",.1f", suffix=" points"),
    }.get(column, charts.count(column))
    ordered = shown.sort(column, descending=True)
    fig = charts.bars(
        [charts.Series(column, ordered["chapter"].to_list(), ordered[column].to_list())],
        title=f"Chapters compared: {column}",
        x_title="chapter",
        y_title=column,
        unit=unit,
        horizontal=True,
    )
    fig.update_layout(height=max(charts.DEFAULT_HEIGHT, 140 + 40 * ordered.height))
    caption = suppression_caption(hidden, "chapter")
    return View("compare", title, fig=fig, caption=caption)
