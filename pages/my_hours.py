"""My hours: what the volunteer has given. Approved and pending apart, totals
by month, year and activity, the value of the time, changes to pending
entries, and a statement of hours to download."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.chart_dates import localize
from components.charts import HOURS, Series, as_text, bars
from components.documents.hours_statement import build_statement, statement_csv, statement_pdf
from components.downloads import file_button
from components.feedback import show_flash
from components.page_start import volunteer_page
from components.session import utcnow
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.hours import (
    SavedHours,
    edit_hours,
    my_hours,
    withdraw_hours,
)
from db.movement_settings import portal_settings
from metrics.volunteer_totals import by_activity, by_period, totals, value_of_time_minor
from models.hours import ACTIVITIES, ACTIVITY_LABELS, HoursEdit, first_errors, format_minutes
from money import format_money

FLASH = "my_hours_flash"
CONFIRM = "my_hours_confirm_withdraw"
STATUS_LABELS = {"approved": "Approved", "pending": "Waiting for approval", "rejected": "Not approved"}
MAX_EDITABLE = 25
RECENT_DAYS = 14

user, member = volunteer_page("My hours")
show_flash(FLASH)

settings = portal_settings(user.identity)
entries = my_hours(user.identity)
today = member.today()
viewer_locale = dates.viewer_locale()


def money_text(minor: int) -> str:
    # The currency's own digits: JPY has none, BHD three.
    return format_money(minor, settings.currency)


def hours_text(minutes: int) -> str:
    return format_minutes(minutes) if minutes else "0 h"


if entries.height == 0:
    st.info(
        "You have not logged any hours yet. Use Log hours after a shift or any work for the movement.",
        icon=":material/info:",
    )
    st.stop()

overall = totals(entries)
this_year = totals(entries.filter(pl.col("worked_on").dt.year() == today.year))
value = value_of_time_minor(overall["approved_minutes"], settings.hour_value_minor)
# Three across on a wide screen; stacked on a phone.
with st.container(horizontal=True, gap="medium"):
    st.metric(
        "Approved",
        hours_text(overall["approved_minutes"]),
        help=f"{overall['approved_entries']} entries confirmed by a coordinator",
    )
    st.metric(
        "Waiting for approval",
        hours_text(overall["pending_minutes"]),
        help=f"{overall['pending_entries']} entries not yet reviewed",
    )
    st.metric(
        "Value of your time",
        money_text(value),
        help=(
            f"Approved hours × {money_text(settings.hour_value_minor)} an hour, the value "
            f"{settings.movement_name} puts on a volunteer hour."
        ),
    )
st.caption(
    f"This year: {hours_text(this_year['approved_minutes'])} approved, "
    f"{hours_text(this_year['pending_minutes'])} waiting."
)

tab_history, tab_totals, tab_statement = st.tabs(["History", "Totals", "Statement"])


_ENTRY_FIELDS = [f.name for f in fields(SavedHours) if f.name != "already_saved"]


def _saved_from(row: dict[str, Any]) -> SavedHours:
    return SavedHours(**{name: row[name] for name in _ENTRY_FIELDS})


def edit_form(entry: SavedHours) -> None:
    """Change or withdraw one pending entry."""
    k = entry.id
    with st.form(f"edit_{k}", border=False):
        st.date_input("Date", value=entry.worked_on, key=f"edit_date_{k}", format=dates.input_format())
        slot_date = st.empty()
        st.number_input(
            "Hours",
            min_value=0.0,
            max_value=24.0,
            step=0.25,
            format="%g",
            value=round(entry.minutes / 60, 2),
            key=f"edit_duration_{k}",
        )
        slot_minutes = st.empty()
        st.selectbox(
            "What did you do?",
            options=list(ACTIVITIES),
            index=ACTIVITIES.index(entry.activity),
            format_func=lambda code: ACTIVITY_LABELS[code],
            key=f"edit_activity_{k}",
        )
        st.text_area("Note", value=entry.note or "", max_chars=1000, height=68, key=f"edit_note_{k}")
        slot_form = st.empty()
        save = st.form_submit_button("Save changes", icon=":material/save:")
    if save:
        duration = st.session_state.get(f"edit_duration_{k}")
        try:
            edit = HoursEdit.model_validate(
                {
                    "hours_id": k,
                    "worked_on": st.session_state.get(f"edit_date_{k}"),
                    "minutes": None if duration is None else round(float(duration) * 60),
                    "activity": st.session_state.get(f"edit_activity_{k}"),
                    "event_id": entry.event_id,
                    "program_id": entry.program_id,
                    "shift_id": entry.shift_id,
                    "note": st.session_state.get(f"edit_note_{k}") or None,
                },
                context={"today": today},
            )
            changed = edit_hours(user.identity, edit)
        except ValidationError as exc:
            slots = {"worked_on": slot_date, "minutes": slot_minutes}
            for field, message in first_errors(exc).items():
                slots.get(field, slot_form).error(message, icon=":material/error:")
        except (InvalidDataError, NotAllowedError) as exc:
            slot_form.error(str(exc), icon=":material/error:")
        else:
            st.session_state[FLASH] = f"Changed: {changed.summary_for(today, viewer_locale)}."
            st.rerun()
    if st.session_state.get(CONFIRM) == k:
        st.warning("Withdraw this entry? It will be deleted.", icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button("Yes, withdraw it", key=f"withdraw_yes_{k}", type="primary"):
            st.session_state.pop(CONFIRM, None)
            try:
                withdraw_hours(user.identity, k)
            except (InvalidDataError, NotAllowedError) as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state[FLASH] = f"Withdrawn: {entry.summary_for(today, viewer_locale)}."
                st.rerun()
        if no.button("Keep it", key=f"withdraw_no_{k}"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()
    elif st.button("Withdraw", key=f"withdraw_{k}", icon=":material/delete:"):
        st.session_state[CONFIRM] = k
        st.rerun()


with tab_history:
    recent = entries.filter(
        (pl.col("status") == "approved")
        & (pl.col("reviewed_at") >= pl.lit(utcnow() - timedelta(days=RECENT_DAYS)))
    ).sort("reviewed_at", descending=True)
    if recent.height:
        st.subheader("Recently approved")
        for row in recent.head(5).iter_rows(named=True):
            st.markdown(
                f":green[:material/check_circle:] {plain(_saved_from(row).summary_for(today, viewer_locale))}"
            )
    pending = entries.filter(pl.col("status") == "pending")
    if pending.height:
        st.subheader("Waiting for approval")
        st.caption("You can change or withdraw these until a coordinator reviews them.")
        for row in pending.head(MAX_EDITABLE).iter_rows(named=True):
            entry = _saved_from(row)
            with st.expander(entry.summary_for(today, viewer_locale), icon=":material/hourglass_top:"):
                edit_form(entry)
        if pending.height > MAX_EDITABLE:
            st.caption(f"The {MAX_EDITABLE} most recent of {pending.height} pending entries are shown here.")
    rejected = entries.filter(pl.col("status") == "rejected")
    for row in rejected.head(5).iter_rows(named=True):
        entry = _saved_from(row)
        st.warning(
            f"Not approved: {entry.summary_for(today, viewer_locale)}. Reason: {entry.rejection_reason}",
            icon=":material/cancel:",
        )
    st.subheader("All entries")
    # When, how long and whether it is approved first (pinned on a phone);
    # the rest scrolls sideways.
    table = entries.select(
        pl.col("worked_on").alias("Date"),
        (pl.col("minutes") / 60).round(2).alias("Hours"),
        pl.col("status").replace_strict(STATUS_LABELS, default=pl.col("status")).alias("Status"),
        pl.col("activity").replace_strict(ACTIVITY_LABELS, default=pl.col("activity")).alias("Activity"),
        pl.coalesce("event_title", "program_name").alias("For"),
        pl.coalesce("rejection_reason", "note").alias("Note"),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="my_hours_table",
        column_config={
            "Date": st.column_config.DateColumn(format=dates.column(), pinned=True),
            "Hours": st.column_config.NumberColumn(format="%.2f h", width="small", pinned=True),
            "Status": st.column_config.TextColumn(width="small", pinned=True),
        },
    )

with tab_totals:
    monthly = by_period(entries, "month").tail(24)
    months = monthly["period"].to_list()
    fig = bars(
        [
            Series("Approved", months, [m / 60 for m in monthly["approved_minutes"]], color="#009E73"),
            Series("Waiting", months, [m / 60 for m in monthly["pending_minutes"]], color="#E69F00"),
        ],
        title="Hours by month",
        x_title="",
        y_title="Hours",
        unit=HOURS,
        stacked=True,
        hover_x="%{x|%b %Y}",
    )
    # Sized for a phone first: smaller type than the board's projector charts.
    fig.update_layout(
        height=320,
        font={"size": 13},
        title={"font": {"size": 16}},
        legend={"font": {"size": 13}, "y": 1.02},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    fig.update_xaxes(title_text=None)
    fig.update_yaxes(title_text=None)
    st.plotly_chart(
        as_text(localize(fig, viewer_locale)),
        theme=None,
        key="my_hours_by_month",
        config={"displayModeBar": False},
    )
    yearly = by_period(entries, "year").sort("period", descending=True)
    st.markdown("**By year**")
    st.dataframe(
        yearly.select(
            pl.col("period").dt.year().cast(pl.String).alias("Year"),
            (pl.col("approved_minutes") / 60).round(2).alias("Approved hours"),
            (pl.col("pending_minutes") / 60).round(2).alias("Waiting hours"),
            pl.col("approved_minutes")
            .map_elements(
                lambda m: money_text(value_of_time_minor(int(m), settings.hour_value_minor)),
                return_dtype=pl.String,
            )
            .alias("Value"),
        ),
        hide_index=True,
        width="stretch",
        key="my_hours_by_year",
    )
    st.markdown("**By activity**")
    st.dataframe(
        by_activity(entries).select(
            pl.col("activity").replace_strict(ACTIVITY_LABELS, default=pl.col("activity")).alias("Activity"),
            (pl.col("approved_minutes") / 60).round(2).alias("Approved hours"),
            (pl.col("pending_minutes") / 60).round(2).alias("Waiting hours"),
        ),
        hide_index=True,
        width="stretch",
        key="my_hours_by_activity",
    )

with tab_statement:
    st.markdown(
        "A statement lists your **approved** hours in a period, for a school, an employer or a court. "
        "Hours still waiting for approval are not included."
    )
    approved_days = entries.filter(pl.col("status") == "approved")["worked_on"]
    first_day = approved_days.min() if approved_days.len() else today
    assert isinstance(first_day, date)
    col_from, col_to = st.columns(2)
    start = col_from.date_input(
        "From",
        value=max(first_day, date(today.year, 1, 1)),
        key="statement_from",
        format=dates.input_format(),
    )
    end = col_to.date_input("To", value=today, key="statement_to", format=dates.input_format())
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        st.error("Choose a period whose end is not before its start.", icon=":material/error:")
    else:
        statement = build_statement(
            entries,
            movement=settings.movement_name,
            member_name=member.full_name,
            chapter=member.chapter_name,
            start=start,
            end=end,
            issued_on=today,
        )
        st.caption(
            f"{len(statement.lines)} approved entries, {hours_text(statement.total_minutes)} in total. "
            f"Reference {statement.reference}."
        )
        with st.container(horizontal=True, gap="small"):
            file_button(
                "Statement (PDF)",
                lambda: statement_pdf(statement),
                statement.file_name("pdf"),
                key="statement_pdf",
                primary=True,
            )
            file_button(
                "Statement (CSV)",
                lambda: statement_csv(statement),
                statement.file_name("csv"),
                key="statement_csv",
            )
