"""The retention desk: who gave last year but not yet this year (LYBUNT) or
some year but not lately (SYBUNT), and how retention compares with the
Fundraising Effectiveness Project's benchmarks."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from components import charts, dates
from components.downloads import csv_button
from components.kept_figures import gift_figures
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from db.donations import first_gift_on, gifts_frame, metric_donations
from db.donors import donors_frame
from metrics.figure import Figure
from metrics.fundraising import FundraisingYear, fundraising_year
from metrics.lapsed import lapsed_call_list
from metrics.periods import fiscal_year_of
from metrics.query import collect_all
from models.donations import format_minor
from money import major_column, majors

user, money, today = fundraising_page("Retention")
cur = money.reporting_currency
this_year = fiscal_year_of(today, money.fiscal_year_start_month)
first_gift = first_gift_on(user.identity)
first_year = fiscal_year_of(first_gift, money.fiscal_year_start_month) if first_gift else this_year
years = list(range(this_year, max(first_year, this_year - 9) - 1, -1))
year = st.selectbox("Fiscal year", years, format_func=lambda y: f"FY {y}", key="retention_year")
fy = money.fiscal_year_start_month


def retention_figures() -> tuple[FundraisingYear, pl.DataFrame, pl.DataFrame]:
    """The year's figures and both call lists, from every gift the person
    may see (kept until the gifts change: `components.kept_figures`)."""
    donations = metric_donations(gifts_frame(user.identity))
    figures, lybunt, sybunt = collect_all(
        [
            fundraising_year(donations, year=year, as_of=today, fy_start_month=fy),
            lapsed_call_list(donations, kind="lybunt", year=year, as_of=today, fy_start_month=fy),
            lapsed_call_list(donations, kind="sybunt", year=year, as_of=today, fy_start_month=fy),
        ]
    )
    return figures, lybunt, sybunt


figures, lybunt, sybunt = gift_figures(
    user.identity, "retention", (year, today.isoformat(), fy, cur), retention_figures
)
if figures.caveat:
    st.info(
        f"FY {year} runs to {dates.day(figures.through, today)} so far: {figures.caveat} "
        "Donors who have not given yet may still give before the year ends.",
        icon=":material/hourglass_top:",
    )


def pct(figure: Figure) -> str:
    return f"{figure.value:.1%}" if figure.value is not None else "—"


r = figures.retention
st.subheader(f"Donor retention, FY {year - 1} → FY {year}")
st.caption(
    "Benchmarks are the Fundraising Effectiveness Project's (FEP), the sector's yearly survey of "
    "donor retention across thousands of charities."
)
m = st.columns(4)
for col, label, fig, bench, help_text in (
    (
        m[0],
        "Overall",
        r.overall,
        r.benchmark_overall,
        f"{r.retained} of the {r.donors_prev} donors of FY {year - 1} gave again.",
    ),
    (
        m[1],
        "New donors",
        r.new,
        r.benchmark_new,
        f"{r.new_prev_retained} of the {r.new_prev} first-time donors of FY {year - 1} gave again.",
    ),
    (
        m[2],
        "Repeat donors",
        r.repeat,
        r.benchmark_repeat,
        f"{r.repeat_prev_retained} of the {r.repeat_prev} repeat donors of FY {year - 1} gave again.",
    ),
    (m[3], "Dollars", r.dollars, None, "This year's gifts from retained donors ÷ all of last year's gifts."),
):
    delta = (
        f"{(fig.value - bench) * 100:+.1f} pts vs FEP {bench:.0%}"
        if fig.value is not None and bench
        else None
    )
    col.metric(label, pct(fig), delta=delta, help=(fig.reason or help_text))


def against_benchmark(
    categories: list[str],
    ours: Sequence[float],
    benchmark: str,
    theirs: Sequence[float],
    *,
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """This year's shares as bars beside a published benchmark's, muted."""
    return charts.bars(
        [
            charts.Series(f"FY {year}", categories, ours),
            charts.Series(benchmark, categories, theirs, color=charts.MUTED),
        ],
        title=title,
        x_title=x_title,
        y_title=y_title,
        unit=charts.PERCENT,
    )


bench_fig = against_benchmark(
    ["Overall", "New", "Repeat"],
    [r.overall.value or 0, r.new.value or 0, r.repeat.value or 0],
    "FEP benchmark",
    [r.benchmark_overall, r.benchmark_new, r.benchmark_repeat],
    title="Retention against the Fundraising Effectiveness Project (FEP)",
    x_title="Donors",
    y_title="Retained",
)
g = figures.gains_and_losses
ups = against_benchmark(
    ["Upgraded", "Same", "Downgraded"],
    [g.upgraded_share.value or 0, g.same_share.value or 0, g.downgraded_share.value or 0],
    "FEP 2015→16",
    list(g.benchmark_upgrade_same_downgrade),
    title="Gave both years: more, same, less",
    x_title="Change",
    y_title="Share",
)
left, right = st.columns(2)
with left:
    charts.show(bench_fig, key="retention_benchmark")
with right:
    charts.show(ups, key="retention_upgrades")

st.subheader(f"Gains and losses, FY {year}")
labels = {
    "new": "New donors",
    "recaptured": "Recaptured donors",
    "upgraded": "Upgraded donors (the increase)",
    "downgraded": "Downgraded donors (the decrease)",
    "lapsed_new": "Lapsed new donors",
    "lapsed_repeat": "Lapsed repeat donors",
}
flows = pl.DataFrame(
    {
        "Kind": ["gain"] * 3 + ["loss"] * 3,
        "Who": [labels[k] for k in (*g.gains, *g.losses)],
        "Donors": [*g.gains.values(), *g.losses.values()],
        "amount": majors([*g.gains_amount_minor.values(), *g.losses_amount_minor.values()], cur),
    }
)
flow_col, summary_col = st.columns([3, 2])
flow_col.dataframe(
    flows,
    hide_index=True,
    width="stretch",
    key="retention_flows",
    column_config={"amount": money_column(f"Amount ({cur})", cur)},
)
summary_col.metric(
    "Donors lost per 100 gained",
    f"{g.lost_per_100_gained.value:.0f}" if g.lost_per_100_gained.value is not None else "—",
    help=g.lost_per_100_gained.reason or "Losses ÷ gains × 100: above 100 means the donor base shrinks.",
)
summary_col.metric(
    f"{cur} lost per 100 gained",
    f"{g.lost_per_100_gained_amount.value:.0f}" if g.lost_per_100_gained_amount.value is not None else "—",
    help=g.lost_per_100_gained_amount.reason,
)
summary_col.metric(
    f"Donors in FY {year}",
    f"{figures.donors:,}",
    help=f"Giving {format_minor(int(figures.amount_minor), cur)} net of refunds.",
)
summary_col.caption(
    f"Counts {figures.donors:,} donors: those whose gifts received in FY {year} "
    f"({dates.day(figures.fiscal_year_start, today)} to {dates.day(figures.through, today)}) "
    "come to more than zero net of "
    "refunds. Statements count a calendar tax year; Donors lists every donor on record, with or without "
    "gifts."
)

st.subheader("Who to call")
# A national movement's lists run to hundreds of thousands: the largest are
# shown, with names read for them only; the CSV has everyone.
LISTED = 5_000


def ordered(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """A call list in the order it is shown: last year's giving for LYBUNT,
    the total of the last year given for SYBUNT."""
    keys = ["last_year_minor"] if kind == "lybunt" else ["last_gift_fy_minor", "last_gift_fy"]
    return frame.sort(keys, descending=True, nulls_last=True)


def call_list(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Names beside the metric's list; a LYBUNT's last giving year is always
    last year, a SYBUNT's last-year amount always zero, so each list shows
    the columns that tell its donors apart."""
    names = donors_frame(user.identity, donor_ids=frame["donor_id"].to_list()).select(
        "donor_id", pl.col("display_name").alias("Donor"), pl.col("email").alias("Email")
    )
    listing = frame.join(names, on="donor_id", how="left").with_columns(pl.col("Email").fill_null(""))
    if kind == "lybunt":
        return listing.select(
            "Donor",
            "Email",
            major_column("last_year_minor", cur, alias="last_year"),
            pl.col("last_gift_on").alias("Last gift"),
            major_column("last_gift_minor", cur, alias="last_gift"),
            major_column("lifetime_minor", cur, alias="lifetime"),
            pl.col("gifts").alias("Gifts"),
        ).sort("last_year", descending=True, nulls_last=True)
    return listing.select(
        "Donor",
        "Email",
        pl.col("last_gift_fy").alias("Last gave in FY"),
        major_column("last_gift_fy_minor", cur, alias="last_gift_year_total"),
        pl.col("last_gift_on").alias("Last gift"),
        major_column("lifetime_minor", cur, alias="lifetime"),
        pl.col("gifts").alias("Gifts"),
    ).sort(["last_gift_year_total", "Last gave in FY"], descending=True, nulls_last=True)


columns = {
    "last_year": money_column(f"FY {year - 1} ({cur})", cur),
    "last_gift": money_column(f"Last gift ({cur})", cur),
    "last_gift_year_total": money_column(f"That year ({cur})", cur),
    "lifetime": money_column(f"Lifetime ({cur})", cur),
    "Last gave in FY": st.column_config.NumberColumn("Last gave in FY", format="%d"),
}
tab_ly, tab_sy = st.tabs(
    [
        f"LYBUNT: last year, not this year ({lybunt.height:,})",
        f"SYBUNT: some year, not last or this year ({sybunt.height:,})",
    ]
)
for tab, frame, kind, explain in (
    (
        tab_ly,
        lybunt,
        "lybunt",
        f"Gave in FY {year - 1} but not (yet) in FY {year}: the most valuable calls of the week. "
        "Sorted by last year's giving; click a column to sort by it.",
    ),
    (
        tab_sy,
        sybunt,
        "sybunt",
        f"Gave in some year before FY {year - 1}, but neither then nor in FY {year}. "
        "Sorted by the total of the last year they gave.",
    ),
):
    with tab:
        st.caption(explain)
        everyone = ordered(frame, kind)
        table = call_list(everyone.head(LISTED), kind)
        if table.is_empty():
            st.info("Nobody on this list.", icon=":material/celebration:")
        else:
            money_table(table, key=f"retention_{kind}", column_config=columns)
            if everyone.height > LISTED:
                st.caption(f"The first {LISTED:,} of {everyone.height:,} are listed; the CSV has them all.")
        csv_button(
            f"Download the {kind.upper()} list (CSV)",
            lambda everyone=everyone, kind=kind: call_list(everyone, kind),  # type: ignore[misc]
            f"{kind}-fy{year}.csv",
            key=f"retention_{kind}_csv",
            disabled=table.is_empty(),
        )
