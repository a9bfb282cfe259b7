"""Campaigns: the goal, the period, raised to date against the goal and
against time elapsed, and where the money comes from."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import streamlit as st

from components import charts, dates
from components.feedback import show_problems, submit_callback
from components.kept_figures import gift_figures
from components.money_charts import money_series
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from components.text import plain
from db.campaigns import campaigns_frame, create_campaign
from db.donations import gifts_frame, metric_donations
from db.donors import donors_frame
from metrics.campaigns import CampaignProgress, campaign_curve, campaign_progress, top_sources
from metrics.query import collect_all
from models.donations import CampaignIn, error_messages, format_minor
from money import currencies as money_currencies
from money import major, major_column, majors

FLASH = "campaigns_flash"
ERRORS = "campaigns_errors"

user, money, today = fundraising_page("Campaigns", FLASH)
cur = money.reporting_currency
campaigns = campaigns_frame(user.identity)


def campaign_gifts(campaign_id: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The gifts to a campaign (to any, without one) as read and as the
    metrics take them. Gifts to no campaign play no part here: at national
    scale they are two thirds of all the gifts."""
    gifts = gifts_frame(user.identity, campaign_id=campaign_id, campaigns_only=True)
    return gifts, metric_donations(gifts)


EMPTY: dict[str, object] = {
    "campaign_new_name": "",
    "campaign_new_goal": "",
    "campaign_new_currency": cur,
    "campaign_new_start": today,
    "campaign_new_end": today + timedelta(days=60),
}
for key, value in EMPTY.items():
    st.session_state.setdefault(key, value)


@submit_callback(flash=FLASH, errors=ERRORS, reset=EMPTY, explain=error_messages)
def create() -> str:
    """Save the campaign; the form is emptied after."""
    state = st.session_state
    create_campaign(
        user.identity,
        CampaignIn.model_validate(
            {
                "name": state.get("campaign_new_name") or "",
                "goal": state.get("campaign_new_goal") or "",
                "currency": state.get("campaign_new_currency") or "",
                "starts_on": state.get("campaign_new_start"),
                "ends_on": state.get("campaign_new_end"),
            }
        ),
    )
    return f"Campaign {state.get('campaign_new_name', '').strip()} created."


with st.expander("New campaign", expanded=campaigns.is_empty()):
    with st.form("campaign_new"):
        name_col, goal_col, currency_col = st.columns([3, 2, 1])
        name_col.text_input("Name", key="campaign_new_name", max_chars=200)
        goal_col.text_input("Goal", key="campaign_new_goal", placeholder="e.g. 25,000")
        currency_col.selectbox("Currency", money_currencies(), key="campaign_new_currency")
        start_col, end_col = st.columns(2)
        start_col.date_input("Starts", key="campaign_new_start", format=dates.input_format())
        end_col.date_input("Ends", key="campaign_new_end", format=dates.input_format())
        st.form_submit_button("Create campaign", type="primary", key="campaign_new_save", on_click=create)
    show_problems(ERRORS)

if campaigns.is_empty():
    st.info("No campaigns yet: create the first above.", icon=":material/flag:")
    st.stop()


rows = list(campaigns.iter_rows(named=True))


def campaigns_progress() -> list[CampaignProgress]:
    """Each campaign's progress, in the order of `rows` (kept until the
    gifts change: `components.kept_figures`)."""
    _, donations = campaign_gifts()
    queries = [
        campaign_progress(
            donations.filter(pl.col("campaign_id") == row["campaign_id"]),
            goal_minor=row["goal_reporting_minor"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            as_of=today,
        )
        for row in rows
    ]
    return list(collect_all(queries))


results = gift_figures(
    user.identity,
    "campaigns",
    (today.isoformat(), cur, tuple((r["campaign_id"], r["goal_reporting_minor"]) for r in rows)),
    campaigns_progress,
)
overview = pl.DataFrame(
    {
        "campaign_id": [r["campaign_id"] for r in rows],
        "Campaign": [r["name"] for r in rows],
        "Ends": [r["ends_on"] for r in rows],
        "goal": majors([r["goal_reporting_minor"] or 0 for r in rows], cur),
        "raised": majors([p.raised_minor for p in results], cur),
        "Progress": [min(1.0, p.progress.value or 0.0) for p in results],
        "Pace": [p.pace.value for p in results],
        "Status": [p.status for p in results],
    },
    schema_overrides={"Pace": pl.Float64},
)
money_table(
    overview.drop("campaign_id"),
    key="campaigns_overview",
    column_config={
        "goal": money_column(f"Goal ({cur})", cur),
        "raised": money_column(f"Raised ({cur})", cur),
        "Progress": st.column_config.ProgressColumn(
            "Progress", min_value=0.0, max_value=1.0, format="percent"
        ),
        "Pace": st.column_config.NumberColumn("Pace", format="%.2f×", help="1.00× is exactly on track"),
    },
)

current = [i for i, r in enumerate(rows) if r["starts_on"] <= today <= r["ends_on"]]
labels = {int(r["campaign_id"]): str(r["name"]) for r in rows}
picked = st.selectbox(
    "Campaign",
    list(labels),
    format_func=lambda i: labels[i],
    index=current[0] if current else 0,
    key="campaigns_pick",
)
i = next(j for j, r in enumerate(rows) if r["campaign_id"] == picked)
row, p = rows[i], results[i]

st.header(plain(labels[picked]))
goal_text = (
    format_minor(int(row["goal_reporting_minor"]), cur)
    if row["goal_reporting_minor"] is not None
    else "no exchange rate"
)
if row["currency"] != cur:
    goal_text += f" ({format_minor(int(row['goal_minor']), str(row['currency']))})"
st.caption(f"{row['starts_on']} to {row['ends_on']} · goal {goal_text} · {p.status}")
share = p.progress.value or 0.0
st.progress(
    min(1.0, share),
    text=f"{format_minor(p.raised_minor, cur)} raised — {share:.0%} of the goal, "
    f"{p.elapsed:.0%} of the time gone",
)
m = st.columns(3) + st.columns(3)
m[0].metric("Raised to date", format_minor(p.raised_minor, cur))
m[1].metric(
    "Pace",
    f"{p.pace.value:.2f}×" if p.pace.value is not None else "—",
    help="Share of the goal raised ÷ share of the time gone. 1.00× is exactly on track. "
    + (p.pace.reason or ""),
)
m[2].metric(
    "Projected at the end",
    format_minor(int(p.projected_minor.value), cur) if p.projected_minor.value is not None else "—",
    help="Raised so far ÷ share of the time gone: a straight line. Gifts often bunch at the start and the "
    "deadline, so read it as a rough guide.",
)
m[3].metric(
    "Still needed per day",
    format_minor(int(p.needed_per_day_minor.value), cur) if p.needed_per_day_minor.value is not None else "—",
    help=p.needed_per_day_minor.reason,
)
m[4].metric("Gifts / donors", f"{p.gifts:,} / {p.donors:,}")
m[5].metric("Days left", f"{p.days_left:,} of {p.days_total:,}")


def campaign_detail() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The picked campaign's curve and its top sources by method, kind of
    giver and donor (kept until the gifts change)."""
    gifts, mine = campaign_gifts(picked)
    curve, by_method, by_source, by_donor = collect_all(
        [
            campaign_curve(
                mine,
                goal_minor=row["goal_reporting_minor"],
                starts_on=row["starts_on"],
                ends_on=row["ends_on"],
                as_of=today,
            ),
            top_sources(gifts, by="method", as_of=today),
            top_sources(mine, by="source", as_of=today),
            top_sources(mine, by="donor_id", as_of=today),
        ]
    )
    return curve, by_method, by_source, by_donor


curve, by_method, by_source, by_donor = gift_figures(
    user.identity,
    "campaign",
    (picked, today.isoformat(), cur, row["goal_reporting_minor"], row["starts_on"], row["ends_on"]),
    campaign_detail,
)
series = [money_series("Raised", curve, "day", "raised_minor", cur)]
if row["goal_reporting_minor"] is not None:
    series.append(
        money_series(
            "On pace to the goal",
            curve,
            "day",
            "on_pace_minor",
            cur,
            color=charts.MUTED,
            dash="dash",
        )
    )
fig = charts.lines(
    series,
    title="Raised against a steady pace to the goal",
    x_title="Day",
    y_title="Raised",
    unit=charts.money(cur),
)
if row["goal_reporting_minor"] is not None:
    charts.add_reference_line(fig, major(int(row["goal_reporting_minor"]), cur), "Goal")
charts.show(fig, key="campaigns_curve")

st.subheader("Top sources")
# The names of the campaign's largest donors only, not of every donor.
names = donors_frame(user.identity, donor_ids=by_donor.get_column("donor_id").drop_nulls().to_list()).select(
    "donor_id", pl.col("display_name").alias("Donor")
)
tabs = st.tabs(["By kind of giver", "By payment method", "Largest donors"])
for tab, title, frame, label in (
    (tabs[0], "Kind of giver", by_source, "source"),
    (tabs[1], "Payment method", by_method, "method"),
    (tabs[2], "Donor", by_donor.join(names, on="donor_id", how="left"), "Donor"),
):
    with tab:
        if frame.is_empty():
            st.caption("No gifts yet.")
            continue
        money_table(
            frame.select(
                pl.col(label).cast(pl.String).str.replace("_", " ").alias(title),
                major_column("amount_minor", cur, alias="amount"),
                pl.col("gifts").alias("Gifts"),
                pl.col("share").alias("Share"),
            ),
            key=f"campaigns_top_{label}",
            column_config={
                "amount": money_column(f"Amount ({cur})", cur),
                "Share": st.column_config.ProgressColumn(
                    "Share of the campaign", min_value=0.0, max_value=1.0, format="percent"
                ),
            },
        )
