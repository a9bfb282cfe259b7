"""Recurring gifts: active, failed and cancelled plans, and monthly
recurring revenue."""

from __future__ import annotations

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import charts, dates
from components.downloads import csv_button
from components.feedback import show_problems, submit_callback
from components.money_charts import money_by_month, money_series
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from db.donations import amount_text
from db.errors import InvalidDataError, NotAllowedError
from db.recurring_plans import (
    plans_frame,
    plans_from_recurring_gifts,
    set_plan_status,
    unplanned_recurring_gifts,
)
from metrics.periods import add_months
from metrics.query import collect_all
from metrics.recurring import mrr_by_month, plan_health, recurring_revenue
from models.donations import PLAN_STATUSES, PlanStatusChange, error_messages, format_minor
from money import major_column

FLASH = "recurring_flash"
ERRORS = "recurring_errors"

user, money, today = fundraising_page("Recurring gifts", FLASH)
cur = money.reporting_currency

waiting = unplanned_recurring_gifts(user.identity)
if waiting:
    with st.container(border=True):
        st.markdown(
            f"**{waiting:,} recurring gift(s) belong to no plan** (recorded before plans existed, or loaded "
            "from elsewhere). Group them into one plan per donor and currency: the amount is the latest "
            "gift's, the frequency is read from the gaps between gifts, and a plan with no gift for more "
            "than two periods is marked cancelled."
        )
        if st.button("Create the plans", key="recurring_backfill"):
            try:
                made = plans_from_recurring_gifts(user.identity)
            except (InvalidDataError, NotAllowedError) as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state[FLASH] = f"{made:,} plan(s) created."
                st.rerun()

plans = plans_frame(user.identity)
if plans.is_empty():
    st.info(
        "No recurring plans yet. A gift recorded with *Recurring gift* ticked starts one; so do subscription "
        "payments in a Stripe or PayPal import.",
        icon=":material/event_repeat:",
    )
    st.stop()

revenue, health, history = collect_all(
    [
        recurring_revenue(plans, as_of=today),
        plan_health(plans, as_of=today),
        mrr_by_month(plans, start=add_months(today, -11), end=today),
    ]
)
m = st.columns(3) + st.columns(3)
m[0].metric(
    "Monthly recurring revenue",
    format_minor(round(revenue.mrr_minor), cur),
    help="Active plans, each as an amount per month: quarterly ÷ 3, annual ÷ 12.",
)
m[1].metric("A year at this rate", format_minor(round(revenue.annualised_minor), cur))
m[2].metric(
    "Revenue at risk", format_minor(round(revenue.at_risk_minor), cur), help="Failed plans, per month."
)
m[3].metric("Active plans", f"{revenue.active:,}", help="Plans whose last news is a paid charge.")
m[4].metric(
    "Overdue", f"{revenue.overdue:,}", help="Active plans with no gift for longer than a period and a week."
)
m[5].metric(
    "Failed plans",
    f"{revenue.failed:,}",
    help="The processor reported a failed charge (an expired card, a refusal).",
)

charts.show(
    charts.lines(
        [money_series("MRR", history, "month", "mrr_minor", cur)],
        title="Monthly recurring revenue, last 12 months",
        y_title="Per month",
        markers=True,
        **money_by_month(cur),
    ),
    key="recurring_mrr",
)

table = health.sort(["status", "monthly_minor"], descending=[False, True]).select(
    "plan_id",
    pl.col("donor_name").alias("Donor"),
    pl.col("donor_email").alias("Email"),
    amount_text().alias("Amount"),
    pl.col("frequency").alias("Every"),
    major_column("monthly_minor", cur, alias="monthly"),
    pl.col("started_on").alias("Since"),
    pl.col("last_gift_on").alias("Last gift"),
    pl.col("days_since_gift").alias("Days since"),
    pl.col("overdue").alias("Overdue"),
    pl.col("failed_on").alias("Failed on"),
    pl.col("cancelled_on").alias("Cancelled on"),
    pl.col("status_note").alias("Note"),
    pl.col("status"),
)
tabs = st.tabs([f"{s.capitalize()} ({table.filter(pl.col('status') == s).height:,})" for s in PLAN_STATUSES])
hide = {
    "active": ["Failed on", "Cancelled on"],
    "failed": ["Cancelled on", "Overdue"],
    "cancelled": ["Overdue"],
}
for tab, status in zip(tabs, PLAN_STATUSES, strict=True):
    with tab:
        part = table.filter(pl.col("status") == status).drop("status", "plan_id", *hide[status])
        if part.is_empty():
            st.info(f"No {status} plans.", icon=":material/info:")
            continue
        money_table(
            part,
            key=f"recurring_{status}",
            column_config={"monthly": money_column(f"Per month ({cur})", cur)},
        )
        csv_button(
            f"Download the {status} plans (CSV)",
            part,
            f"recurring-{status}.csv",
            key=f"recurring_{status}_csv",
        )

st.subheader("Change a plan's status")
labels = {
    int(r["plan_id"]): f"{r['Donor']} — {r['Amount']} {r['Every']} ({r['status']})"
    for r in table.iter_rows(named=True)
}
EMPTY: dict[str, object] = {
    "recurring_plan": None,
    "recurring_new_status": "active",
    "recurring_on": today,
    "recurring_note": "",
}
for key, value in EMPTY.items():
    st.session_state.setdefault(key, value)
if st.session_state.get("recurring_plan") not in (None, *labels):
    st.session_state["recurring_plan"] = None


def _plan_messages(exc: ValidationError) -> list[str]:
    return [m.replace("Plan id: ", "Plan: ") for m in error_messages(exc)]


@submit_callback(flash=FLASH, errors=ERRORS, reset=EMPTY, explain=_plan_messages)
def save() -> str:
    """Change the plan's status; the form is emptied after."""
    state = st.session_state
    change = PlanStatusChange.model_validate(
        {
            "plan_id": state.get("recurring_plan"),
            "status": state.get("recurring_new_status"),
            "on": state.get("recurring_on"),
            "note": state.get("recurring_note") or None,
        }
    )
    set_plan_status(user.identity, change)
    return f"The plan is now {change.status}."


with st.form("recurring_status"):
    plan_col, status_col, day_col = st.columns([3, 1, 1])
    plan_col.selectbox("Plan", list(labels), format_func=lambda i: labels[i], key="recurring_plan")
    status_col.selectbox("New status", PLAN_STATUSES, key="recurring_new_status")
    day_col.date_input("As of", max_value=today, key="recurring_on", format=dates.input_format())
    st.text_input("Why (optional)", key="recurring_note", max_chars=500, placeholder="e.g. card expired")
    st.form_submit_button("Save status", key="recurring_save", on_click=save)
show_problems(ERRORS)
